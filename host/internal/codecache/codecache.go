// Package codecache keeps the compiled code of plugin modules by content:
// one wazero compilation cache per SHA-256 of a module, and on disk one
// folder per SHA-256 under the cache root. The plugins loaded from the same
// content share its cache; when the last of them goes, the cache is closed,
// which frees its compiled code, and its folder is removed unless another
// process uses it. Sweep removes the folders nothing has used for a while,
// so the root holds the code of the modules in use and little else.
//
// A process that uses a folder holds a shared lock on the file .lock in it;
// a folder is removed only under the exclusive lock, so that two processes
// on one root (gatehouse serve and gatehouse plugin call, say) never remove
// each other's code.
package codecache

import (
	"context"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
)

// Caches are the compilation caches of the modules in use, under one root.
// They are safe for concurrent use.
type Caches struct {
	root string // "" keeps compiled code in memory only
	mu   sync.Mutex
	m    map[string]*entry
}

// entry is the cache of one module content.
type entry struct {
	cache wazero.CompilationCache
	lock  *os.File // nil in memory
	refs  int
}

// New returns the caches under the folder root, created if need be; an
// empty root keeps compiled code in memory only.
func New(root string) (*Caches, error) {
	if root != "" {
		if err := os.MkdirAll(root, 0o755); err != nil {
			return nil, fmt.Errorf("compilation cache: %w", err)
		}
	}
	return &Caches{root: root, m: map[string]*entry{}}, nil
}

// Acquire returns the compilation cache of the module whose content has
// the hex SHA-256 sum. Each Acquire takes a reference that Release gives
// back.
func (c *Caches) Acquire(sum string) (wazero.CompilationCache, error) {
	if !isSum(sum) {
		return nil, fmt.Errorf("compilation cache: %q is not a SHA-256", sum)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.m[sum]; e != nil {
		e.refs++
		return e.cache, nil
	}
	e := &entry{refs: 1}
	if c.root == "" {
		e.cache = wazero.NewCompilationCache()
	} else {
		dir := filepath.Join(c.root, sum)
		lock, err := lockShared(dir)
		if err != nil {
			return nil, fmt.Errorf("compilation cache %s: %w", dir, err)
		}
		now := time.Now()
		_ = os.Chtimes(dir, now, now) // when it was last used, for Sweep
		cache, err := wazero.NewCompilationCacheWithDir(dir)
		if err != nil {
			lock.Close()
			return nil, fmt.Errorf("compilation cache %s: %w", dir, err)
		}
		e.cache, e.lock = cache, lock
	}
	c.m[sum] = e
	return e.cache, nil
}

// Release gives back a reference taken by Acquire. With the last one, the
// cache is closed, which frees its compiled code, and, when evict is set,
// its folder is removed unless another process uses it.
func (c *Caches) Release(ctx context.Context, sum string, evict bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.m[sum]
	if e == nil {
		return
	}
	if e.refs--; e.refs > 0 {
		return
	}
	delete(c.m, sum)
	_ = e.cache.Close(ctx)
	if e.lock != nil {
		if evict && lockExclusive(e.lock) {
			_ = os.RemoveAll(filepath.Join(c.root, sum))
		}
		e.lock.Close()
	}
}

// ReadFile returns the file name kept beside the compiled code of the
// module whose content has the hex SHA-256 sum, as WriteFile wrote it. In
// memory there is none: it returns an error satisfying
// errors.Is(err, fs.ErrNotExist).
func (c *Caches) ReadFile(sum, name string) ([]byte, error) {
	if c.root == "" || !isSum(sum) {
		return nil, fs.ErrNotExist
	}
	return os.ReadFile(filepath.Join(c.root, sum, name))
}

// WriteFile keeps data as the file name beside the compiled code of the
// module whose content has the hex SHA-256 sum, which the caller has
// acquired. It replaces the file whole, so that a reader never sees part
// of it. In memory it keeps nothing.
func (c *Caches) WriteFile(sum, name string, data []byte) error {
	if c.root == "" {
		return nil
	}
	if !isSum(sum) {
		return fmt.Errorf("compilation cache: %q is not a SHA-256", sum)
	}
	dir := filepath.Join(c.root, sum)
	tmp, err := os.CreateTemp(dir, name+".*.tmp")
	if err != nil {
		return fmt.Errorf("compilation cache: %w", err)
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, name))
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("compilation cache: %w", err)
	}
	return nil
}

// Sweep removes the folders of the root that hold the code of modules no
// process uses, and none has begun to use within unused, so that code
// that another process (another host's tests, say) loads now and then is
// not compiled anew each time. It leaves alone what it did not write:
// entries whose names are not SHA-256 sums.
func (c *Caches) Sweep(unused time.Duration) error {
	if c.root == "" {
		return nil
	}
	entries, err := os.ReadDir(c.root)
	if err != nil {
		return fmt.Errorf("sweep compilation cache: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, de := range entries {
		if !de.IsDir() || !isSum(de.Name()) || c.m[de.Name()] != nil {
			continue
		}
		if fi, err := de.Info(); err != nil || time.Since(fi.ModTime()) < unused {
			continue
		}
		dir := filepath.Join(c.root, de.Name())
		lock, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			continue
		}
		if lockExclusive(lock) {
			_ = os.RemoveAll(dir)
		}
		lock.Close()
	}
	return nil
}

// lockFile is the file of a cache folder that its users lock.
const lockFile = ".lock"

// isSum reports whether s is a hex SHA-256.
func isSum(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == 32
}
