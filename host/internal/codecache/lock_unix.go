//go:build unix

package codecache

import (
	"os"
	"path/filepath"
	"syscall"
)

// lockShared creates dir if need be and returns its lock file, locked
// shared. A folder removed while it waited for the lock is created anew.
func lockShared(dir string) (*os.File, error) {
	for {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, err
		}
		if err := flock(f, syscall.LOCK_SH); err != nil {
			f.Close()
			return nil, err
		}
		// The lock is good if its file is still the one at its path: a
		// process that removed the folder held the exclusive lock until
		// it had.
		held, err1 := f.Stat()
		now, err2 := os.Stat(f.Name())
		if err1 == nil && err2 == nil && os.SameFile(held, now) {
			return f, nil
		}
		f.Close()
	}
}

// lockExclusive turns the lock of f exclusive if no one else holds it,
// without waiting, and reports whether it did.
func lockExclusive(f *os.File) bool {
	return flock(f, syscall.LOCK_EX|syscall.LOCK_NB) == nil
}

func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			return err
		}
	}
}
