//go:build !unix

package codecache

import (
	"os"
	"path/filepath"
)

// lockShared creates dir if need be and returns its lock file. Where
// there is no flock, the lock keeps no other process out.
func lockShared(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o644)
}

// lockExclusive reports true: without flock, a folder this process no
// longer uses is removed whoever else uses it.
func lockExclusive(*os.File) bool { return true }
