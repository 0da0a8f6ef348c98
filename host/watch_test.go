package host

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestHostileReloadBurst changes many plugin files of a watched folder at
// once and checks that the watcher loads no more than its workers at once,
// that it loads every file, and that a file changed while it loads is
// loaded again, with its newest content.
func TestHostileReloadBurst(t *testing.T) {
	const workers, files = 2, 12
	dir := t.TempDir()
	var (
		mu      sync.Mutex
		running int
		most    int
		loaded  = map[string][]string{} // file → the content of each load
	)
	release := make(chan struct{})
	started := make(chan string, 4*files)
	w, err := newWatcher(dir, workers, func(file string) {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Error(err)
		}
		mu.Lock()
		running++
		most = max(most, running)
		mu.Unlock()
		started <- file
		<-release
		mu.Lock()
		running--
		loaded[file] = append(loaded[file], string(b))
		mu.Unlock()
	}, func(err error) { t.Error(err) })
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()

	write := func(file, content string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	names := make([]string, files)
	for i := range names {
		names[i] = filepath.Join(dir, fmt.Sprintf("p%02d.wasm", i))
		write(names[i], "old")
	}
	// The first loads hold their workers; the others wait in the queue.
	first := <-started
	<-started
	write(first, "new")
	waitFor(t, "the change of a file being loaded to be noted", func() (bool, string) {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.state[first] == fileChanged, fmt.Sprintf("state %v", w.state[first])
	})
	close(release)

	waitFor(t, "every file to be loaded", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		for _, f := range names {
			if len(loaded[f]) == 0 {
				return false, f + " not loaded"
			}
		}
		if l := loaded[first]; l[len(l)-1] != "new" {
			return false, fmt.Sprintf("%s loaded with %q", filepath.Base(first), l)
		}
		return true, ""
	})
	mu.Lock()
	defer mu.Unlock()
	if most > workers {
		t.Errorf("%d files loaded at once, over the %d workers", most, workers)
	}
	for _, f := range names {
		if l := loaded[f]; f != first && l[len(l)-1] != "old" {
			t.Errorf("%s loaded with %q", filepath.Base(f), l)
		}
	}
}
