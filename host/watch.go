package host

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// settle is how long a plugin file must stay unchanged before it is loaded,
// so a file being copied in is loaded once, whole.
const settle = 150 * time.Millisecond

// DefaultReloadWorkers is the number of plugin files a serving host loads
// at once when Config.ReloadWorkers is 0: min(2, GOMAXPROCS).
func DefaultReloadWorkers() int { return min(2, runtime.GOMAXPROCS(0)) }

// reloadWorkers returns the number of plugin files the host loads at once
// while it serves.
func (h *Host) reloadWorkers() int {
	if h.cfg.ReloadWorkers > 0 {
		return h.cfg.ReloadWorkers
	}
	return DefaultReloadWorkers()
}

// watcher reloads plugin files when they change. A file that stayed
// unchanged for settle is queued, once however often it changed, and
// loaded by one of at most workers goroutines, so that a burst of changes
// compiles a bounded number of modules at once beside the calls being
// served, while the old versions serve. A file that changes again while it
// loads is loaded again after, so that its newest content wins.
type watcher struct {
	fs      *fsnotify.Watcher
	done    chan struct{}
	load    func(file string)
	workers int

	mu      sync.Mutex
	pending map[string]*time.Timer // settling
	state   map[string]fileState   // queued or loading
	queue   []string
	running int // workers running
	wg      sync.WaitGroup
}

// fileState is where a changed file is on its way to being loaded.
type fileState int

const (
	fileQueued  fileState = iota + 1 // waits for a worker
	fileLoading                      // a worker loads it
	fileChanged                      // a worker loads it, and it changed since the load began
)

// watch starts watching dir for *.wasm files that appear, change or go.
func (h *Host) watch(dir string) (*watcher, error) {
	return newWatcher(dir, h.reloadWorkers(), func(file string) {
		_ = h.LoadFile(context.Background(), file) // failures are recorded in the plugin's status
	}, func(err error) { h.logger.Error("watch plugin folder", "error", err) })
}

// newWatcher starts watching dir, calling load with each *.wasm file that
// appears, changes or goes, from at most workers goroutines at once, and
// fail with each error of the watch.
func newWatcher(dir string, workers int, load func(file string), fail func(error)) (*watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch plugin folder: %w", err)
	}
	if err := fw.Add(dir); err != nil {
		fw.Close()
		return nil, fmt.Errorf("watch plugin folder %s: %w", dir, err)
	}
	w := &watcher{fs: fw, done: make(chan struct{}), load: load, workers: max(1, workers),
		pending: map[string]*time.Timer{}, state: map[string]fileState{}}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		for {
			select {
			case ev, ok := <-fw.Events:
				if !ok {
					return
				}
				if strings.HasSuffix(ev.Name, ".wasm") {
					w.schedule(filepath.Clean(ev.Name))
				}
			case err, ok := <-fw.Errors:
				if !ok {
					return
				}
				fail(err)
			case <-w.done:
				return
			}
		}
	}()
	return w, nil
}

// schedule (re)starts the settle timer of file, which queues it when it
// fires.
func (w *watcher) schedule(file string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if t, ok := w.pending[file]; ok && t.Stop() {
		t.Reset(settle)
		return
	}
	w.wg.Add(1)
	var t *time.Timer
	t = time.AfterFunc(settle, func() {
		defer w.wg.Done()
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.pending[file] == t {
			delete(w.pending, file)
		}
		w.enqueue(file)
	})
	w.pending[file] = t
}

// enqueue queues file unless it waits already, and starts a worker when
// fewer than workers run. The caller holds w.mu.
func (w *watcher) enqueue(file string) {
	select {
	case <-w.done:
		return
	default:
	}
	switch w.state[file] {
	case fileQueued, fileChanged:
		return // the load to come reads the newest content
	case fileLoading:
		w.state[file] = fileChanged
		return
	}
	w.state[file] = fileQueued
	w.queue = append(w.queue, file)
	if w.running < w.workers {
		w.running++
		w.wg.Add(1)
		go w.work()
	}
}

// work loads the queued files until the queue is empty or the watcher
// closes.
func (w *watcher) work() {
	defer w.wg.Done()
	w.mu.Lock()
	defer w.mu.Unlock()
	for len(w.queue) > 0 {
		select {
		case <-w.done:
			w.running--
			return
		default:
		}
		file := w.queue[0]
		w.queue = w.queue[1:]
		w.state[file] = fileLoading
		w.mu.Unlock()
		w.load(file)
		w.mu.Lock()
		if w.state[file] == fileChanged {
			w.state[file] = fileQueued
			w.queue = append(w.queue, file)
		} else {
			delete(w.state, file)
		}
	}
	w.running--
}

// close stops the watcher and waits for the loads it started; the files
// still queued are not loaded.
func (w *watcher) close() {
	close(w.done)
	w.fs.Close()
	w.mu.Lock()
	for f, t := range w.pending {
		if t.Stop() {
			w.wg.Done()
		}
		delete(w.pending, f)
	}
	w.mu.Unlock()
	w.wg.Wait()
}

// loadWorkers returns how many files LoadDir loads at once: all the CPUs
// for the first scan, and the reload workers once the host serves.
func (h *Host) loadWorkers() int {
	if h.Ready() {
		return h.reloadWorkers()
	}
	return runtime.GOMAXPROCS(0)
}
