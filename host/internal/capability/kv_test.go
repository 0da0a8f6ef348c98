package capability

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// newKVCaller returns a Caller for plugin "test" granted kv, using the
// namespace ns of a new store that closes with the test.
func newKVCaller(t *testing.T, ns string) (*Caller, *bytes.Buffer) {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c, logs := newCaller(Grants{KV: KVGrant{Granted: true}})
	c.KV = s.Namespace(ns)
	return c, logs
}

func TestKV(t *testing.T) {
	g := newGuest(t)
	c, _ := newKVCaller(t, "p")
	for _, k := range []string{"rules/2", "rules/1", "other", "rules/10"} {
		if out, err := g.call(c, fnKVSet, []byte(k), []byte("value of "+k)); err != nil || len(out) != 0 {
			t.Fatalf("kv_set %q = %q, %v; want an empty result", k, out, err)
		}
	}
	t.Run("get", func(t *testing.T) {
		out, err := g.call(c, fnKVGet, []byte("rules/1"))
		if err != nil || string(out) != "value of rules/1" {
			t.Errorf("kv_get = %q, %v", out, err)
		}
	})
	t.Run("list", func(t *testing.T) {
		tests := []struct {
			prefix string
			want   []string
		}{
			{"rules/", []string{"rules/1", "rules/10", "rules/2"}},
			{"", []string{"other", "rules/1", "rules/10", "rules/2"}},
			{"none", []string{}},
		}
		for _, tt := range tests {
			out, err := g.call(c, fnKVList, []byte(tt.prefix))
			if err != nil {
				t.Fatal(err)
			}
			if got := unmarshal[[]string](t, out); !slices.Equal(got, tt.want) || got == nil {
				t.Errorf("kv_list(%q) = %q, want %q", tt.prefix, got, tt.want)
			}
		}
	})
	t.Run("delete", func(t *testing.T) {
		for range 2 { // deleting a missing key is no error
			if _, err := g.call(c, fnKVDelete, []byte("other")); err != nil {
				t.Fatalf("kv_delete: %v", err)
			}
		}
		_, err := g.call(c, fnKVGet, []byte("other"))
		wantCode(t, err, abi.CodeNotFound)
		if !strings.Contains(err.Message, `"other"`) {
			t.Errorf("message %q does not name the key", err.Message)
		}
	})
	t.Run("limits", func(t *testing.T) {
		tests := []struct {
			name  string
			fn    uint64
			args  [][]byte
			limit error
		}{
			{"empty key", fnKVGet, [][]byte{nil}, store.ErrEmptyKey},
			{"key too large", fnKVSet, [][]byte{make([]byte, store.MaxKeySize+1), nil}, store.ErrKeyTooLarge},
			{"value too large", fnKVSet, [][]byte{[]byte("k"), make([]byte, store.MaxValueSize+1)}, store.ErrValueTooLarge},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := g.call(c, tt.fn, tt.args...)
				wantCode(t, err, abi.CodeInvalidRequest)
				if !strings.HasSuffix(err.Message, tt.limit.Error()) {
					t.Errorf("message %q, want it to end in %q", err.Message, tt.limit)
				}
			})
		}
	})
	t.Run("no namespace", func(t *testing.T) {
		c, logs := newCaller(Grants{KV: KVGrant{Granted: true}})
		_, err := g.call(c, fnKVGet, []byte("k"))
		wantCode(t, err, abi.CodeInternal)
		if strings.Contains(err.Message, "namespace") || !strings.Contains(logs.String(), "no store namespace") {
			t.Errorf("the host's error reached the guest (%q) or missed the host log: %s", err.Message, logs)
		}
	})
}

func TestKVPersistenceAndIsolation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	caller := func(s *store.Store, plugin string) *Caller {
		c, _ := newCaller(Grants{KV: KVGrant{Granted: true}})
		c.Plugin, c.KV = plugin, s.Namespace(plugin)
		return c
	}

	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	g := newGuest(t)
	if _, err := g.call(caller(s, "a"), fnKVSet, []byte("k"), []byte("kept")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	g = newGuest(t)
	if out, err := g.call(caller(s, "a"), fnKVGet, []byte("k")); err != nil || string(out) != "kept" {
		t.Errorf("kv_get after reopening the store = %q, %v; want \"kept\"", out, err)
	}
	b := caller(s, "b")
	_, e := g.call(b, fnKVGet, []byte("k"))
	wantCode(t, e, abi.CodeNotFound)
	if out, err := g.call(b, fnKVList, nil); err != nil || len(unmarshal[[]string](t, out)) != 0 {
		t.Errorf("plugin b lists %q, %v; want nothing", out, err)
	}
}

// TestHostileDamagedStoreKV damages the pages of the store under a plugin
// granted kv: each kv function answers unavailable, with the details in the
// host log only, and neither traps the plugin nor panics the host.
func TestHostileDamagedStoreKV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c, logs := newCaller(Grants{KV: KVGrant{Granted: true}})
	c.KV = s.Namespace("test")
	g := newGuest(t)
	for i := range 100 {
		if _, err := g.call(c, fnKVSet, fmt.Appendf(nil, "rule/%d", i), bytes.Repeat([]byte("v"), 200)); err != nil {
			t.Fatal(err)
		}
	}
	storetest.Damage(t, path, 2, 1)
	for _, call := range []struct {
		fn   uint64
		args [][]byte
	}{
		{fnKVSet, [][]byte{[]byte("rule/1"), []byte("v")}},
		{fnKVGet, [][]byte{[]byte("rule/2")}},
		{fnKVList, [][]byte{[]byte("rule/")}},
		{fnKVDelete, [][]byte{[]byte("rule/3")}},
	} {
		_, err := g.call(c, call.fn, call.args...)
		wantCode(t, err, abi.CodeUnavailable)
		if strings.Contains(err.Message, path) {
			t.Errorf("the host's details reached the plugin: %q", err.Message)
		}
	}
	if !strings.Contains(logs.String(), "the store is damaged") || !strings.Contains(logs.String(), path) {
		t.Errorf("the host log does not tell of the damaged store: %s", logs)
	}
}
