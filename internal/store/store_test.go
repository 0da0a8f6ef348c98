package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state", "gatehouse.db")
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestOpenCreatesPrivateFile(t *testing.T) {
	_, path := openTemp(t)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("file mode = %o, want 600", got)
	}
}

func TestOpenLocked(t *testing.T) {
	_, path := openTemp(t)
	_, err := Open(path)
	if err == nil {
		t.Fatal("second Open succeeded, want a lock error")
	}
	if want := fmt.Sprintf("store %s is locked by another process", path); err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestGetSetDelete(t *testing.T) {
	s, _ := openTemp(t)
	ns := s.Namespace("p")
	tests := []struct {
		name    string
		key     []byte
		value   []byte
		wantErr error
	}{
		{"plain", []byte("k"), []byte("v"), nil},
		{"empty value", []byte("empty"), []byte{}, nil},
		{"nil value", []byte("nil"), nil, nil},
		{"binary", []byte{0, 1, 0xff}, []byte{0xff, 0}, nil},
		{"largest key", bytes.Repeat([]byte("k"), MaxKeySize), []byte("v"), nil},
		{"largest value", []byte("big"), bytes.Repeat([]byte("v"), MaxValueSize), nil},
		{"empty key", []byte{}, []byte("v"), ErrEmptyKey},
		{"key too large", bytes.Repeat([]byte("k"), MaxKeySize+1), []byte("v"), ErrKeyTooLarge},
		{"value too large", []byte("huge"), make([]byte, MaxValueSize+1), ErrValueTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, value := bytes.Clone(tt.key), bytes.Clone(tt.value)
			err := ns.Set(key, value)
			if !bytes.Equal(key, tt.key) || !bytes.Equal(value, tt.value) {
				t.Fatal("Set mutated its arguments")
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Set error = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				if !strings.Contains(err.Error(), `"p"`) {
					t.Errorf("Set error %q does not name the namespace", err)
				}
				return
			}
			got, ok, err := ns.Get(key)
			if err != nil || !ok || !bytes.Equal(got, tt.value) {
				t.Fatalf("Get = %q, %v, %v; want the value, true, nil", got, ok, err)
			}
			if err := ns.Delete(key); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if got, ok, err := ns.Get(key); err != nil || ok || got != nil {
				t.Fatalf("Get after Delete = %q, %v, %v; want nil, false, nil", got, ok, err)
			}
		})
	}
}

func TestKeyLimits(t *testing.T) {
	s, _ := openTemp(t)
	ns := s.Namespace("p")
	for _, tt := range []struct {
		name string
		key  []byte
		want error
	}{
		{"empty", nil, ErrEmptyKey},
		{"too large", make([]byte, MaxKeySize+1), ErrKeyTooLarge},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := ns.Get(tt.key); !errors.Is(err, tt.want) {
				t.Errorf("Get error = %v, want %v", err, tt.want)
			}
			if err := ns.Delete(tt.key); !errors.Is(err, tt.want) {
				t.Errorf("Delete error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestEmptyNamespaceName(t *testing.T) {
	s, _ := openTemp(t)
	ns := s.Namespace("")
	if err := ns.Set([]byte("k"), []byte("v")); !errors.Is(err, ErrEmptyNamespace) {
		t.Errorf("Set error = %v, want %v", err, ErrEmptyNamespace)
	}
	if _, err := ns.List(nil); !errors.Is(err, ErrEmptyNamespace) {
		t.Errorf("List error = %v, want %v", err, ErrEmptyNamespace)
	}
}

func TestDeleteMissing(t *testing.T) {
	s, _ := openTemp(t)
	if err := s.Namespace("used").Set([]byte("other"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"unused", "used"} {
		t.Run(name, func(t *testing.T) {
			if err := s.Namespace(name).Delete([]byte("missing")); err != nil {
				t.Errorf("Delete of a missing key: %v", err)
			}
		})
	}
}

func TestList(t *testing.T) {
	s, _ := openTemp(t)
	ns := s.Namespace("p")
	for _, k := range []string{"b/2", "a", "b/1", "b", "c", "b/10", "\xff"} {
		if err := ns.Set([]byte(k), []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		prefix string
		want   []string
	}{
		{"all", "", []string{"a", "b", "b/1", "b/10", "b/2", "c", "\xff"}},
		{"prefix", "b/", []string{"b/1", "b/10", "b/2"}},
		{"prefix is a key", "b/1", []string{"b/1", "b/10"}},
		{"high byte", "\xff", []string{"\xff"}},
		{"no match", "d", nil},
		{"prefix too long to match", strings.Repeat("x", MaxKeySize+1), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := ns.List([]byte(tt.prefix))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, k := range keys {
				got = append(got, string(k))
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) || len(got) != len(tt.want) {
				t.Errorf("List(%q) = %q, want %q", tt.prefix, got, tt.want)
			}
		})
	}
	if keys, err := s.Namespace("empty").List(nil); err != nil || keys != nil {
		t.Errorf("List of an unused namespace = %q, %v; want nil, nil", keys, err)
	}
}

func TestGetReturnsACopy(t *testing.T) {
	s, _ := openTemp(t)
	ns := s.Namespace("p")
	if err := ns.Set([]byte("k"), []byte("value")); err != nil {
		t.Fatal(err)
	}
	got, _, _ := ns.Get([]byte("k"))
	got[0] = 'X'
	if again, _, _ := ns.Get([]byte("k")); string(again) != "value" {
		t.Errorf("changing a returned value changed the store: %q", again)
	}
}

func TestNamespaceIsolation(t *testing.T) {
	s, _ := openTemp(t)
	a, b := s.Namespace("a"), s.Namespace("b")
	if err := a.Set([]byte("k"), []byte("from a")); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := b.Get([]byte("k")); ok || err != nil {
		t.Errorf("b sees a's key: ok=%v err=%v", ok, err)
	}
	if err := b.Set([]byte("k"), []byte("from b")); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete([]byte("k")); err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := a.Get([]byte("k")); !ok || string(v) != "from a" {
		t.Errorf("a's key after b deleted its own = %q, %v", v, ok)
	}
	if keys, _ := b.List(nil); len(keys) != 0 {
		t.Errorf("b lists %q", keys)
	}
}

func TestPersistence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Namespace("p").Set([]byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Namespace("p").Set([]byte("k"), []byte("v")); err == nil {
		t.Error("Set on a closed store succeeded")
	}

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, ok, err := s.Namespace("p").Get([]byte("k")); err != nil || !ok || string(v) != "v" {
		t.Errorf("Get after reopen = %q, %v, %v; want \"v\", true, nil", v, ok, err)
	}
}

// TestQuota fills a namespace with a quota: a write past it fails with
// ErrQuota and changes nothing, overwrites and deletes count what they
// free, other namespaces and namespaces without a quota are not held to
// it, and the size survives reopening the store, also for a namespace
// written before the store kept sizes.
func TestQuota(t *testing.T) {
	s, path := openTemp(t)
	entry := func(key string, n int) int64 { return int64(len(key)+n) + EntryOverhead }
	ns := s.Namespace("p").WithMaxBytes(2*entry("a", 100) + 10)
	checkSize := func(ns *Namespace, want int64) {
		t.Helper()
		if got, err := ns.Size(); err != nil || got != want {
			t.Fatalf("Size() = %d, %v; want %d", got, err, want)
		}
	}
	for _, k := range []string{"a", "b"} {
		if err := ns.Set([]byte(k), make([]byte, 100)); err != nil {
			t.Fatalf("Set(%s): %v", k, err)
		}
	}
	checkSize(ns, 2*entry("a", 100))
	if err := ns.Set([]byte("c"), nil); !errors.Is(err, ErrQuota) {
		t.Fatalf("Set past the quota: %v, want ErrQuota", err)
	}
	if _, ok, _ := ns.Get([]byte("c")); ok {
		t.Error("the write past the quota stored its key")
	}
	if err := ns.Set([]byte("a"), make([]byte, 110)); err != nil {
		t.Fatalf("overwrite within the quota: %v", err)
	}
	if err := ns.Set([]byte("a"), make([]byte, 111)); !errors.Is(err, ErrQuota) {
		t.Fatalf("overwrite past the quota: %v, want ErrQuota", err)
	}
	if err := ns.Delete([]byte("b")); err != nil {
		t.Fatal(err)
	}
	checkSize(ns, entry("a", 110))
	if err := s.Namespace("p").Set([]byte("big"), make([]byte, 1000)); err != nil {
		t.Fatalf("Set without a quota: %v", err)
	}
	if err := s.Namespace("q").WithMaxBytes(1).Set([]byte("x"), nil); !errors.Is(err, ErrQuota) {
		t.Fatalf("Set in another namespace past its own quota: %v, want ErrQuota", err)
	}
	want := entry("a", 110) + entry("big", 1000)

	// A store of before sizes were kept: the size is what the entries add up to.
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(sizeBucket).Delete([]byte("p")) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ns = s.Namespace("p").WithMaxBytes(want)
	checkSize(ns, want)
	if err := ns.Set([]byte("d"), nil); !errors.Is(err, ErrQuota) {
		t.Fatalf("Set past the quota after reopening: %v, want ErrQuota", err)
	}
	if err := ns.Delete([]byte("big")); err != nil {
		t.Fatal(err)
	}
	checkSize(ns, entry("a", 110))
}

func BenchmarkNamespace(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ns := s.Namespace("bench")
	key := []byte("rules/slpf/42")
	for _, size := range []int{16, 1 << 10, 64 << 10} {
		value := bytes.Repeat([]byte("v"), size)
		b.Run(fmt.Sprintf("Set/%dB", size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := ns.Set(key, value); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("Get/%dB", size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := ns.Get(key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for i := range 1000 {
		if err := ns.Set(fmt.Appendf(nil, "list/%04d", i), []byte("v")); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("List/1000", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ns.List([]byte("list/")); err != nil {
				b.Fatal(err)
			}
		}
	})
}
