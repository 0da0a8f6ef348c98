package wire

import (
	"reflect"
	"testing"
	"unsafe"
)

// read decodes b with r into a generic value.
func read(t *testing.T, r *Reader, b []byte) any {
	t.Helper()
	r.Reset(b, false)
	v, err := r.Value()
	if err == nil {
		err = r.End()
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// encode returns v in msgpack.
func encode(t *testing.T, v any) []byte {
	t.Helper()
	var w Writer
	w.Value(v)
	b, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestArenaReuses checks that a Reader with an Arena reads the next value
// into the maps and slices of the last one, cleared, and that it keeps a
// bounded number of them of a bounded size.
func TestArenaReuses(t *testing.T) {
	var a Arena
	var r Reader
	r.SetArena(&a)
	first := read(t, &r, encode(t, map[string]any{"a": []any{"x", "y"}, "b": map[string]any{"c": true}})).(map[string]any)
	a.Reset()
	want := map[string]any{"a": []any{"z"}, "d": map[string]any{}}
	second := read(t, &r, encode(t, want)).(map[string]any)
	if !reflect.DeepEqual(second, want) {
		t.Fatalf("second value %v, want %v", second, want)
	}
	if reflect.ValueOf(first).UnsafePointer() != reflect.ValueOf(second).UnsafePointer() {
		t.Error("the second value's map is not the first's")
	}
	if len(first) != 2 || first["b"] != nil {
		t.Errorf("the first value's map %v was not cleared and filled anew", first)
	}

	// A value of many maps and a large one: the arena keeps arenaMax
	// small ones.
	many := make([]any, 3*arenaMax)
	for i := range many {
		many[i] = map[string]any{"i": int8(1)}
	}
	big := map[string]any{}
	for i := range 2 * reuseMax {
		big[string(rune('A'+i))] = nil
	}
	a.Reset()
	read(t, &r, encode(t, []any{big, many}))
	a.Reset()
	if len(a.maps) > arenaMax || len(a.slices) > arenaMax {
		t.Errorf("the arena holds %d maps and %d slices, want at most %d of each", len(a.maps), len(a.slices), arenaMax)
	}
	for _, m := range a.maps {
		if len(m) > reuseMax {
			t.Errorf("the arena keeps a map of %d pairs, more than %d", len(m), reuseMax)
		}
	}
}

// TestReaderHeaders checks the headers of small maps, arrays and strings
// read in one step: the right type and no more values than bytes left.
func TestReaderHeaders(t *testing.T) {
	var r Reader
	for _, tt := range []struct {
		in   string
		read func() (int, error)
		want int
		ok   bool
	}{
		{"\x82\xa1a\x01\xa1b\x02", r.MapLen, 2, true},
		{"\x92\x01\x02", r.ArrayLen, 2, true},
		{"\x92\x01\x02", r.MapLen, 0, false},
		{"\x81\x01\x02", r.ArrayLen, 0, false},
		{"\x82\xa1a\x01", r.MapLen, 0, false},
		{"\x93\x01\x02", r.ArrayLen, 0, false},
		{"\xa3abc", func() (int, error) { s, err := r.Str(); return len(s), err }, 3, true},
		{"\xa3ab", func() (int, error) { s, err := r.Str(); return len(s), err }, 0, false},
		{"\x91\x01", func() (int, error) { s, err := r.Str(); return len(s), err }, 0, false},
	} {
		r.Reset([]byte(tt.in), false)
		n, err := tt.read()
		if (err == nil) != tt.ok || (tt.ok && n != tt.want) {
			t.Errorf("%q: read %d, %v; want %d, ok %v", tt.in, n, err, tt.want, tt.ok)
		}
	}
}

// TestInternerBounded checks that an Interner grows while new strings
// keep missing it, to internMax slots and no further, and stays small for
// a few strings read again and again.
func TestInternerBounded(t *testing.T) {
	for _, pad := range []string{"", "of more than eight bytes"} {
		var few, many Interner
		for i := range 20_000 {
			few.str([]byte(pad + string([]byte{'k', byte(i % 8)})))
			b := []byte(pad + string([]byte{'k', byte(i), byte(i >> 8)}))
			if s := many.str(b); s != string(b) {
				t.Fatalf("str gave %q", s)
			}
		}
		slots := func(in *Interner) int { return len(in.short.slots) + len(in.strs.slots) }
		if n := slots(&few); n != internMin {
			t.Errorf("an interner of 8 strings %q... has %d slots, want %d", pad, n, internMin)
		}
		if n := slots(&many); n != internMax {
			t.Errorf("an interner of ever new strings %q... has %d slots, want %d", pad, n, internMax)
		}
	}
}

// TestInternerShort checks that the strings of up to 8 bytes, which an
// Interner tells apart by their bytes as a word, come back equal to their
// bytes, the same string for the same bytes, and apart for bytes that
// differ only by trailing zero bytes or their length.
func TestInternerShort(t *testing.T) {
	var in Interner
	inputs := []string{"a", "a\x00", "a\x00\x00", "\x00", "move", "wait", "l918", "12345678", "1234567", "123456789", "greedy"}
	first := map[string]string{}
	for range 3 {
		for _, want := range inputs {
			got := in.str([]byte(want))
			if got != want {
				t.Fatalf("str(%q) = %q", want, got)
			}
			if f, ok := first[want]; !ok {
				first[want] = got
			} else if unsafe.StringData(f) != unsafe.StringData(got) {
				t.Errorf("str(%q) gave a new copy of a string it had seen", want)
			}
		}
	}
}

// TestReaderInternedStrings reads maps whose keys and string values are
// of every header size with an Interner, twice: the values are right, the
// short strings of the second read are those of the first, and a string
// whose header claims more bytes than are left is an error.
func TestReaderInternedStrings(t *testing.T) {
	var in Interner
	var r Reader
	r.SetInterner(&in)
	want := map[string]any{}
	for _, n := range []int{0, 1, 31, 32, 64, 65, 300} {
		s := string(make([]byte, n))
		for i := range n {
			s = s[:i] + string(rune('a'+i%26)) + s[i+1:]
		}
		want[s] = "v" + s
	}
	b := encode(t, want)
	first := read(t, &r, b).(map[string]any)
	second := read(t, &r, b).(map[string]any)
	if !reflect.DeepEqual(first, want) || !reflect.DeepEqual(second, want) {
		t.Fatalf("read %v and %v, want %v", first, second, want)
	}
	for k := range second {
		if len(k) > 0 && len(k) <= internLen && unsafe.StringData(k) != unsafe.StringData(firstKey(first, k)) {
			t.Errorf("key %q was copied anew, not interned", k)
		}
	}
	for _, in := range []string{"\x81\xa3ab", "\x81\xa1a\xa3xy", "\x91\xa2x"} {
		r.Reset([]byte(in), false)
		if v, err := r.Value(); err == nil {
			t.Errorf("%q: read %v, want an error", in, v)
		}
	}
}

// firstKey returns the key of m equal to k, as m holds it.
func firstKey(m map[string]any, k string) string {
	for mk := range m {
		if mk == k {
			return mk
		}
	}
	return ""
}
