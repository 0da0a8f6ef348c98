package store_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// filledStore writes a store with several namespaces and enough keys to
// span many pages, closes it and returns its file.
func filledStore(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"slpf-nftables", "slpf-iptables", "schedule"} {
		ns := s.Namespace(name)
		for i := range 60 {
			if err := ns.Set(fmt.Appendf(nil, "rule/%d", i), bytes.Repeat([]byte{byte(i)}, 300)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// exercise reads and writes every namespace of s and returns the errors.
func exercise(s *store.Store) []error {
	var errs []error
	for _, name := range []string{"slpf-nftables", "slpf-iptables", "schedule", "new"} {
		ns := s.Namespace(name)
		_, err := ns.List(nil)
		errs = append(errs, err)
		_, _, err = ns.Get([]byte("rule/7"))
		errs = append(errs, err)
		errs = append(errs, ns.Set([]byte("rule/7"), []byte("v")), ns.Delete([]byte("rule/8")))
	}
	return errs
}

// TestHostileEmptyStoreFile opens a store file truncated to 0 bytes: Open
// refuses it, naming the file and the way out, and leaves it as it is
// rather than starting an empty store.
func TestHostileEmptyStoreFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(path)
	if err == nil {
		s.Close()
		t.Fatal("Open took an empty file for a new store")
	}
	if !errors.Is(err, store.ErrDamaged) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "move it away") {
		t.Errorf("error %q does not say that %s is damaged and what to do", err, path)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != 0 {
		t.Errorf("Open changed the file: %v, %v", fi, err)
	}
}

// TestHostileRandomStoreFile opens files of random bytes, and stores whose
// pages were overwritten with random bytes: Open refuses each with an
// error wrapping store.ErrDamaged, or opens it and every later operation either
// works or fails with store.ErrDamaged. Nothing panics.
func TestHostileRandomStoreFile(t *testing.T) {
	t.Run("random file", func(t *testing.T) {
		for seed := range uint64(20) {
			path := filepath.Join(t.TempDir(), "gatehouse.db")
			junk := make([]byte, 16*os.Getpagesize())
			r := rand.New(rand.NewPCG(seed, 1))
			for i := range junk {
				junk[i] = byte(r.Uint32())
			}
			if err := os.WriteFile(path, junk, 0o600); err != nil {
				t.Fatal(err)
			}
			if s, err := store.Open(path); !errors.Is(err, store.ErrDamaged) || !strings.Contains(err.Error(), path) {
				if err == nil {
					s.Close()
				}
				t.Errorf("seed %d: Open = %v, want an error wrapping store.ErrDamaged that names the file", seed, err)
			}
		}
	})
	filled, err := os.ReadFile(filledStore(t))
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for seed := range uint64(40) {
		path := filepath.Join(t.TempDir(), "gatehouse.db")
		if err := os.WriteFile(path, filled, 0o600); err != nil {
			t.Fatal(err)
		}
		storetest.Damage(t, path, 2+int(seed%4), seed)
		s, err := store.Open(path)
		if err != nil {
			if !errors.Is(err, store.ErrDamaged) {
				t.Errorf("seed %d: Open = %v, want an error wrapping store.ErrDamaged", seed, err)
			}
			refused++
			continue
		}
		for _, err := range exercise(s) {
			if err != nil && !errors.Is(err, store.ErrDamaged) {
				t.Errorf("seed %d: %v, want nil or an error wrapping store.ErrDamaged", seed, err)
			}
		}
		s.Close()
	}
	if refused == 0 {
		t.Error("Open refused none of the damaged stores")
	}
}

// TestHostileStoreDamagedWhileOpen damages the pages of an open store, as
// a failing disk or another program would: each operation fails with an
// error wrapping store.ErrDamaged instead of panicking, and so does every one
// after it.
func TestHostileStoreDamagedWhileOpen(t *testing.T) {
	path := filledStore(t)
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	storetest.Damage(t, path, 2, 7)
	var first error
	for _, err := range exercise(s) {
		if err != nil && !errors.Is(err, store.ErrDamaged) {
			t.Errorf("%v, want nil or an error wrapping store.ErrDamaged", err)
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		t.Fatal("no operation noticed the damage")
	}
	if err := s.Namespace("schedule").Set([]byte("k"), []byte("v")); !errors.Is(err, store.ErrDamaged) {
		t.Errorf("Set after the damage = %v, want an error wrapping store.ErrDamaged", err)
	}
	if err := s.Close(); !errors.Is(err, store.ErrDamaged) {
		t.Errorf("Close = %v, want the damage", err)
	}
}

// TestHostileStorePageOutsideFile points a branch page of a store at a page
// far beyond the end of the file, which reading faults on: Open refuses
// the store, with an error wrapping ErrDamaged, instead of crashing.
func TestHostileStorePageOutsideFile(t *testing.T) {
	path := filledStore(t)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// A page starts with its id (8 bytes), flags (2; 0x01 is a branch page),
	// count (2) and overflow (4); a branch page's elements follow, each a
	// position (4), a key size (4) and the page id of a child (8).
	size, pointed := os.Getpagesize(), 0
	for off := 2 * size; off+32 <= len(b); off += size {
		if binary.LittleEndian.Uint64(b[off:]) == uint64(off/size) && binary.LittleEndian.Uint16(b[off+8:]) == 0x01 {
			binary.LittleEndian.PutUint64(b[off+24:], 1<<30)
			pointed++
		}
	}
	if pointed == 0 {
		t.Fatal("the store has no branch page")
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(path)
	if err == nil {
		s.Close()
	}
	if !errors.Is(err, store.ErrDamaged) {
		t.Errorf("Open = %v, want an error wrapping ErrDamaged", err)
	}
}
