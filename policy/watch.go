package policy

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// settle is how long the entity files must stay unchanged before they are
// loaded again, so that a file being written is read once, whole.
const settle = 100 * time.Millisecond

// Watcher keeps the snapshot of an Engine in step with its entity files.
type Watcher struct {
	fs      *fsnotify.Watcher
	done    chan struct{}
	stopped chan struct{}
	close   sync.Once
	err     error
	// loading is held by a load; last sums up the files of the snapshot
	// last put in use.
	loading sync.Mutex
	last    [32]byte
	load    func(force bool) *Snapshot
}

// Watch loads the entity files at paths (as Load does) and puts them in use
// in e, then does so again whenever one of them changes, appears or goes,
// until Close. Each load makes a whole new snapshot that replaces the
// previous one at once, so a decision sees the entities of one load only;
// a load that finds the files as the last one did changes nothing.
// report, when not nil, receives each snapshot once it is in use, to
// report its problems; it is called from one goroutine at a time. Watch
// fails when a path cannot be watched.
func Watch(e *Engine, paths []string, report func(*Snapshot)) (*Watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch entity files: %w", err)
	}
	dirs, files := map[string]bool{}, map[string]bool{}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			fw.Close()
			return nil, fmt.Errorf("watch entity files: %w", err)
		}
		dir := filepath.Clean(p)
		if fi.IsDir() {
			dirs[dir] = true
		} else {
			files[dir] = true
			dir = filepath.Dir(dir)
		}
		if err := fw.Add(dir); err != nil {
			fw.Close()
			return nil, fmt.Errorf("watch entity files in %s: %w", dir, err)
		}
	}
	relevant := func(name string) bool {
		name = filepath.Clean(name)
		return files[name] || (dirs[filepath.Dir(name)] && strings.HasSuffix(name, ".json"))
	}
	w := &Watcher{fs: fw, done: make(chan struct{}), stopped: make(chan struct{})}
	w.load = func(force bool) *Snapshot {
		w.loading.Lock()
		defer w.loading.Unlock()
		s := Load(paths...)
		if !force && s.digest == w.last {
			return e.Snapshot()
		}
		w.last = s.digest
		e.Swap(s)
		if report != nil {
			report(s)
		}
		return s
	}
	w.load(true)
	go func() {
		defer close(w.stopped)
		timer := time.NewTimer(settle)
		timer.Stop()
		for {
			select {
			case ev := <-fw.Events:
				if relevant(ev.Name) {
					timer.Reset(settle)
				}
			case <-fw.Errors:
				// Events may have been lost: load everything again.
				timer.Reset(settle)
			case <-timer.C:
				w.load(false)
			case <-w.done:
				timer.Stop()
				return
			}
		}
	}()
	return w, nil
}

// Reload loads the entity files now, as a change of one of them does,
// and returns the snapshot in use. A change that the files' events
// announce later finds the files loaded already and loads nothing more:
// files whose names and contents are those of the snapshot in use are not
// put in use again.
func (w *Watcher) Reload() *Snapshot { return w.load(false) }

// Close stops watching and waits for a load under way to finish. Closing
// again does nothing.
func (w *Watcher) Close() error {
	w.close.Do(func() {
		close(w.done)
		<-w.stopped
		w.err = w.fs.Close()
	})
	return w.err
}
