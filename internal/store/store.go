// Package store is the persistent key-value store: one bbolt file holding
// isolated namespaces, so keys survive restarts and no namespace sees
// another's. The host keeps a namespace per plugin behind the kv capability;
// the OpenC2 consumer keeps its scheduled commands in a file of its own.
package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Limits on what a namespace holds.
const (
	// MaxKeySize is the largest key, in bytes.
	MaxKeySize = 1 << 10
	// MaxValueSize is the largest value, in bytes.
	MaxValueSize = 1 << 20
	// EntryOverhead is what each entry counts toward a namespace's size
	// besides its key and value: about what the file spends on it, so that
	// a quota bounds the file however small the entries.
	EntryOverhead = 16
)

// Errors returned for keys and values outside the limits, wrapped with the
// operation and namespace.
var (
	ErrEmptyNamespace = errors.New("namespace name is empty")
	ErrEmptyKey       = errors.New("key is empty")
	ErrKeyTooLarge    = fmt.Errorf("key is larger than %d bytes", MaxKeySize)
	ErrValueTooLarge  = fmt.Errorf("value is larger than %d bytes", MaxValueSize)
	// ErrQuota is the error of a write that would take a namespace past
	// its quota (Namespace.WithMaxBytes).
	ErrQuota = errors.New("namespace quota exceeded")
)

// ErrDamaged is wrapped by the errors of Open for a store file that exists
// but is empty, is not a store or fails the consistency check, and by the
// errors of every operation once a damaged page was met. Such a file is
// never taken for a new, empty store: what it held would be lost, and
// whoever reads an empty store (an SLPF actuator bringing the packet
// filter in line with its rules) would act on that loss.
var ErrDamaged = errors.New("store file is damaged")

// recovery tells an operator what to do about a damaged store file.
const recovery = "restore it from a backup, or move it away to start with an empty store (what it held is then lost)"

// lockTimeout is how long Open waits for the file lock another process
// holds before giving up.
const lockTimeout = time.Second

// rootBucket is the top-level bucket holding one nested bucket per
// namespace, and sizeBucket the one holding the size of each namespace
// (Namespace.Size) as a big-endian uint64, kept in the transaction of
// every write.
var (
	rootBucket = []byte("kv")
	sizeBucket = []byte("kv-size")
)

// Store is an open store file. It is safe for concurrent use.
type Store struct {
	db   *bolt.DB
	path string
	// damaged holds the error that a damaged page caused, once one did.
	damaged atomic.Pointer[error]
}

// Open opens the store file at path, creating it (mode 0600) and its parent
// directory (mode 0700) if it does not exist, and checks the consistency of
// every page of one that does. Only one process may hold a store open: if
// another does, Open fails after about a second with an error saying so. A
// file that exists but is empty (truncated), is not a store, or fails the
// check is an error wrapping ErrDamaged that names the file and says how to
// recover; Open never starts such a file afresh.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
		return nil, fmt.Errorf("store %s: %w: it is empty (0 bytes), as a truncated file is; %s", path, ErrDamaged, recovery)
	}
	s := &Store{path: path}
	err := s.guard(func() (err error) {
		s.db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
		return err
	})
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, fmt.Errorf("store %s is locked by another process", path)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrChecksum), errors.Is(err, bolterrors.ErrVersionMismatch):
		return nil, fmt.Errorf("store %s: %w: %v; %s", path, ErrDamaged, err, recovery)
	case errors.Is(err, ErrDamaged):
		return nil, fmt.Errorf("%w; %s", err, recovery)
	case err != nil:
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := s.check(); err != nil {
		s.db.Close() // read transactions only: nothing of bbolt is left locked
		return nil, fmt.Errorf("%w; %s", err, recovery)
	}
	err = s.update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(rootBucket); err != nil {
			return err
		}
		_, err := tx.CreateBucketIfNotExists(sizeBucket)
		return err
	})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return s, nil
}

// check walks every bucket and key of the file, then runs bbolt's
// consistency check over every page, and returns the first finding as an
// error wrapping ErrDamaged. bbolt checks in a goroutine of its own, which
// recovers panics but not memory faults; the walk reads the same pages
// first, under guard, so that a page that would fault is met here.
func (s *Store) check() error {
	return s.view(func(tx *bolt.Tx) error {
		err := tx.ForEach(func(name []byte, b *bolt.Bucket) error { return walk(b, string(name)) })
		if err != nil {
			return fmt.Errorf("store %s: %w: %v", s.path, ErrDamaged, err)
		}
		var first error
		for err := range tx.Check() {
			if first == nil {
				first = fmt.Errorf("store %s: %w: consistency check: %v", s.path, ErrDamaged, err)
			}
		}
		return first
	})
}

// walk reads every key of bucket b, named path, and of the buckets in it,
// and returns an error if the keys are out of order.
func walk(b *bolt.Bucket, path string) error {
	c := b.Cursor()
	var prev []byte
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if prev != nil && bytes.Compare(prev, k) >= 0 {
			return fmt.Errorf("bucket %q: key %x after %x", path, k, prev)
		}
		prev = k
		if v == nil {
			if nested := b.Bucket(k); nested != nil {
				if err := walk(nested, path+"/"+string(k)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// guard runs f, which calls bbolt, and turns a panic of bbolt on a damaged
// page, or a memory fault reading one, into an error wrapping ErrDamaged.
// The store is damaged from then on: every later call returns that error
// without reading the file again.
func (s *Store) guard(f func() error) (err error) {
	if e := s.damaged.Load(); e != nil {
		return *e
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("store %s: %w: %v", s.path, ErrDamaged, r)
			s.damaged.CompareAndSwap(nil, &err)
		}
	}()
	return f()
}

// view runs f in a read transaction, guarded.
func (s *Store) view(f func(*bolt.Tx) error) error {
	return s.guard(func() error { return s.db.View(f) })
}

// update runs f in a read-write transaction, guarded.
func (s *Store) update(f func(*bolt.Tx) error) error {
	return s.guard(func() error { return s.db.Update(f) })
}

// Close closes the store file. Namespaces of a closed store return errors.
//
// # Notes
//
// A store that met a damaged page is not closed, since bbolt may have left
// a lock held when it panicked: Close returns the damage, and the file is
// released when the process exits.
func (s *Store) Close() error {
	if e := s.damaged.Load(); e != nil {
		return fmt.Errorf("close store %s: %w", s.path, *e)
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store %s: %w", s.path, err)
	}
	return nil
}

// Namespace returns the namespace called name, usually a plugin's name. It
// is created on the first Set; until then it reads as empty.
func (s *Store) Namespace(name string) *Namespace {
	return &Namespace{s: s, name: name, bucket: []byte(name)}
}

// Namespace is a set of keys isolated from every other namespace. It is safe
// for concurrent use.
type Namespace struct {
	s        *Store
	name     string
	bucket   []byte
	maxBytes int64
}

// WithMaxBytes returns n with a quota: a Set that would take the
// namespace's Size past maxBytes fails with ErrQuota and changes nothing.
// Zero or less means no quota. Every Namespace value of the name shares
// the one size the store keeps, across restarts.
func (n *Namespace) WithMaxBytes(maxBytes int64) *Namespace {
	c := *n
	c.maxBytes = maxBytes
	return &c
}

// Size returns the bytes the namespace holds: each entry's key and value
// and EntryOverhead.
func (n *Namespace) Size() (int64, error) {
	var size int64
	err := n.s.view(func(tx *bolt.Tx) error {
		size = n.size(tx)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("kv size of %q: %w", n.name, err)
	}
	return size, nil
}

// size returns the namespace's size as the store keeps it, or, for a
// namespace written before the store kept sizes, as its entries add up.
func (n *Namespace) size(tx *bolt.Tx) int64 {
	if v := tx.Bucket(sizeBucket).Get(n.bucket); len(v) == 8 {
		return int64(binary.BigEndian.Uint64(v))
	}
	var size int64
	if b := n.lookup(tx); b != nil {
		_ = b.ForEach(func(k, v []byte) error {
			size += entrySize(k, v)
			return nil
		})
	}
	return size
}

// setSize records the namespace's size in the write transaction tx.
func (n *Namespace) setSize(tx *bolt.Tx, size int64) error {
	return tx.Bucket(sizeBucket).Put(n.bucket, binary.BigEndian.AppendUint64(nil, uint64(size)))
}

// entrySize is what an entry counts toward its namespace's size.
func entrySize(key, value []byte) int64 {
	return int64(len(key)+len(value)) + EntryOverhead
}

// Name returns the namespace's name.
func (n *Namespace) Name() string { return n.name }

// Get returns a copy of the value of key, and whether the key exists.
func (n *Namespace) Get(key []byte) ([]byte, bool, error) {
	if err := n.checkKey(key); err != nil {
		return nil, false, fmt.Errorf("kv get in %q: %w", n.name, err)
	}
	var value []byte
	err := n.s.view(func(tx *bolt.Tx) error {
		b := n.lookup(tx)
		if b == nil {
			return nil
		}
		if v := b.Get(key); v != nil {
			value = bytes.Clone(v)
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("kv get in %q: %w", n.name, err)
	}
	return value, value != nil, nil
}

// Set stores value under key, replacing any previous value. The store keeps
// its own copy of both.
func (n *Namespace) Set(key, value []byte) error {
	if err := n.checkKey(key); err != nil {
		return fmt.Errorf("kv set in %q: %w", n.name, err)
	}
	if len(value) > MaxValueSize {
		return fmt.Errorf("kv set in %q: %w", n.name, ErrValueTooLarge)
	}
	if value == nil {
		value = []byte{} // bbolt reads a nil value as a missing key within the tx
	}
	err := n.s.update(func(tx *bolt.Tx) error {
		size := n.size(tx)
		b, err := tx.Bucket(rootBucket).CreateBucketIfNotExists(n.bucket)
		if err != nil {
			return err
		}
		grown := size + entrySize(key, value)
		if old := b.Get(key); old != nil {
			grown -= entrySize(key, old)
		}
		if n.maxBytes > 0 && grown > size && grown > n.maxBytes {
			return fmt.Errorf("%w: it holds %d of its %d bytes and the value would take it to %d", ErrQuota, size, n.maxBytes, grown)
		}
		if err := b.Put(key, value); err != nil {
			return err
		}
		return n.setSize(tx, grown)
	})
	if err != nil {
		return fmt.Errorf("kv set in %q: %w", n.name, err)
	}
	return nil
}

// Delete removes key. Deleting a key that does not exist is no error.
func (n *Namespace) Delete(key []byte) error {
	if err := n.checkKey(key); err != nil {
		return fmt.Errorf("kv delete in %q: %w", n.name, err)
	}
	err := n.s.update(func(tx *bolt.Tx) error {
		b := n.lookup(tx)
		if b == nil {
			return nil
		}
		old := b.Get(key)
		if old == nil {
			return nil
		}
		size := n.size(tx)
		if err := b.Delete(key); err != nil {
			return err
		}
		return n.setSize(tx, size-entrySize(key, old))
	})
	if err != nil {
		return fmt.Errorf("kv delete in %q: %w", n.name, err)
	}
	return nil
}

// List returns copies of the keys that start with prefix, in byte order. An
// empty prefix lists every key.
func (n *Namespace) List(prefix []byte) ([][]byte, error) {
	if n.name == "" {
		return nil, fmt.Errorf("kv list: %w", ErrEmptyNamespace)
	}
	var keys [][]byte
	err := n.s.view(func(tx *bolt.Tx) error {
		b := n.lookup(tx)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			keys = append(keys, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("kv list in %q: %w", n.name, err)
	}
	return keys, nil
}

// lookup returns the namespace's bucket, or nil if nothing was ever set in it.
func (n *Namespace) lookup(tx *bolt.Tx) *bolt.Bucket {
	return tx.Bucket(rootBucket).Bucket(n.bucket)
}

// checkKey returns an error unless the namespace has a name and key is
// within the limits.
func (n *Namespace) checkKey(key []byte) error {
	switch {
	case n.name == "":
		return ErrEmptyNamespace
	case len(key) == 0:
		return ErrEmptyKey
	case len(key) > MaxKeySize:
		return ErrKeyTooLarge
	}
	return nil
}
