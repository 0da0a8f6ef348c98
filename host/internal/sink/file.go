package sink

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// Defaults of a file destination.
const (
	DefaultMaxSize    = 10 << 20
	DefaultMaxBackups = 5
)

// File appends records to a file, one line each:
//
//	2026-12-07T19:03:02.123Z INFO acl-basics obl_log: GRANT {...}
//
// the time in UTC, the level, the plugin and the message, escaped (Escape).
// When a record would take the file past MaxSize, the file is renamed to
// Path.1 first, Path.1 to Path.2 and so on, keeping MaxBackups of them,
// and a new file is started. The file and its backups are created with
// mode 0600.
//
// # Notes
//
// The deadline bounds the wait for the file's other writers in this
// process; the open, write and close themselves are not interrupted, so a
// file on a stalled network filesystem can hold a call past it.
type File struct {
	// Path is the file, an absolute path; its folder must exist.
	Path string `yaml:"path" json:"path"`
	// MaxSize is the size in bytes past which the file is rotated. Default
	// DefaultMaxSize.
	MaxSize int64 `yaml:"max_size" json:"max_size,omitempty"`
	// MaxBackups is how many rotated files are kept. Default
	// DefaultMaxBackups.
	MaxBackups int `yaml:"max_backups" json:"max_backups,omitempty"`
}

func (f *File) validate(key string) []error {
	var errs []error
	if !filepath.IsAbs(f.Path) {
		errs = append(errs, fmt.Errorf("%spath: %q is not an absolute path", key, f.Path))
	}
	if f.MaxSize < 0 {
		errs = append(errs, fmt.Errorf("%smax_size: %d is negative", key, f.MaxSize))
	}
	if f.MaxBackups < 0 {
		errs = append(errs, fmt.Errorf("%smax_backups: %d is negative", key, f.MaxBackups))
	}
	return errs
}

// fileLocks serialize the writers of each file, by path, in the process:
// a write and a rotation must not interleave. Each is a channel of one
// token, so that a writer waiting for it gives up with its context.
var fileLocks sync.Map // string -> chan struct{}

// lock takes the lock of path, or fails when ctx ends first; the returned
// func releases it.
func lock(ctx context.Context, path string) (func(), error) {
	v, _ := fileLocks.LoadOrStore(path, make(chan struct{}, 1))
	ch := v.(chan struct{})
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for the file's other writers: %w", ctx.Err())
	}
}

func (f *File) write(ctx context.Context, r Record) error {
	line := make([]byte, 0, len(r.Message)+64)
	line = r.Time.UTC().AppendFormat(line, "2006-01-02T15:04:05.000Z07:00")
	line = append(line, ' ')
	line = append(line, levelName(r.Level)...)
	line = append(line, ' ')
	line = append(line, r.Plugin...)
	line = append(line, ' ')
	line = append(line, Escape(r.Message)...)
	line = append(line, '\n')

	unlock, err := lock(ctx, f.Path)
	if err != nil {
		return err
	}
	defer unlock()
	max := f.MaxSize
	if max == 0 {
		max = DefaultMaxSize
	}
	if st, err := os.Stat(f.Path); err == nil && st.Size() > 0 && st.Size()+int64(len(line)) > max {
		if err := f.rotate(); err != nil {
			return err
		}
	}
	out, err := os.OpenFile(f.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_, err = out.Write(line)
	return errors.Join(err, out.Close())
}

// rotate shifts the backups up by one, dropping the oldest, and renames
// the file to Path.1.
func (f *File) rotate() error {
	keep := f.MaxBackups
	if keep == 0 {
		keep = DefaultMaxBackups
	}
	backup := func(i int) string { return f.Path + "." + strconv.Itoa(i) }
	if err := os.Remove(backup(keep)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("rotate: %w", err)
	}
	for i := keep - 1; i >= 1; i-- {
		if err := os.Rename(backup(i), backup(i+1)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("rotate: %w", err)
		}
	}
	if err := os.Rename(f.Path, backup(1)); err != nil {
		return fmt.Errorf("rotate: %w", err)
	}
	return nil
}
