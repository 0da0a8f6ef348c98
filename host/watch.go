package host

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// settle is how long a plugin file must stay unchanged before it is loaded,
// so a file being copied in is loaded once, whole.
const settle = 150 * time.Millisecond

// watcher reloads plugin files when they change.
type watcher struct {
	fs      *fsnotify.Watcher
	done    chan struct{}
	mu      sync.Mutex
	pending map[string]*time.Timer
	wg      sync.WaitGroup
}

// watch starts watching dir for *.wasm files that appear, change or go.
func (h *Host) watch(dir string) (*watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch plugin folder: %w", err)
	}
	if err := fw.Add(dir); err != nil {
		fw.Close()
		return nil, fmt.Errorf("watch plugin folder %s: %w", dir, err)
	}
	w := &watcher{fs: fw, done: make(chan struct{}), pending: map[string]*time.Timer{}}
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
					w.schedule(filepath.Clean(ev.Name), h)
				}
			case err, ok := <-fw.Errors:
				if !ok {
					return
				}
				h.logger.Error("watch plugin folder", "error", err)
			case <-w.done:
				return
			}
		}
	}()
	return w, nil
}

// schedule (re)starts the settle timer of file. A timer that already fired
// is left to finish its load, and a new one is started.
func (w *watcher) schedule(file string, h *Host) {
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
		if w.pending[file] == t {
			delete(w.pending, file)
		}
		w.mu.Unlock()
		select {
		case <-w.done:
			return
		default:
		}
		_ = h.LoadFile(context.Background(), file) // failures are recorded in the plugin's status
	})
	w.pending[file] = t
}

// close stops the watcher and waits for loads it started.
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
