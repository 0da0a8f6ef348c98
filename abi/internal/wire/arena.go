package wire

// Arena keeps the maps and slices a Reader made for one value, so that the
// Reader reads the next value into them again instead of allocating anew:
// a plugin decodes requests alike one after another, and each request's
// maps and lists live no longer than its call. Everything read with an
// Arena is valid until the Arena is Reset; after that its maps and slices
// are cleared and filled with the next value's parts.
//
// It holds at most arenaMax maps and as many slices, each of at most
// reuseMax entries: a larger one, or one beyond those, is made anew and
// left to the collector, so that a hostile or unusual value costs no
// lasting memory. The zero Arena is ready to use.
type Arena struct {
	maps   []map[string]any
	slices []any // slices of any element type, each in its own slot
	nMaps  int   // maps handed out since the last Reset
	nSlots int   // slots handed out since the last Reset
}

const (
	// arenaMax is how many maps, and how many slices, an Arena keeps.
	arenaMax = 256
	// reuseMax is how many entries a map or slice an Arena keeps holds at
	// most.
	reuseMax = 64
)

// Reset makes the maps and slices handed out so far available to the next
// value.
func (a *Arena) Reset() { a.nMaps, a.nSlots = 0, 0 }

// SetArena makes r take the maps and slices it makes from a; nil stops it.
func (r *Reader) SetArena(a *Arena) { r.arena = a }

// newMap returns an empty map for n pairs: the arena's next one, cleared,
// when r has an arena with one to spare.
func (r *Reader) newMap(n int) map[string]any {
	a := r.arena
	if a == nil || n > reuseMax || a.nMaps >= arenaMax {
		return make(map[string]any, n)
	}
	if a.nMaps == len(a.maps) {
		a.maps = append(a.maps, nil)
	}
	m := a.maps[a.nMaps]
	if m == nil {
		m = make(map[string]any, n)
		a.maps[a.nMaps] = m
	} else {
		clear(m)
	}
	a.nMaps++
	return m
}

// MakeSlice returns a slice of n zero values of T: the next slice of r's
// arena again, cleared, when r has an arena with one to spare.
func MakeSlice[T any](r *Reader, n int) []T {
	a := r.arena
	if a == nil || n > reuseMax || a.nSlots >= arenaMax {
		return make([]T, n)
	}
	if a.nSlots == len(a.slices) {
		a.slices = append(a.slices, nil)
	}
	s, _ := a.slices[a.nSlots].([]T)
	if cap(s) < n {
		s = make([]T, n, max(n, 4))
		a.slices[a.nSlots] = s
	}
	a.nSlots++
	clear(s[:cap(s)])
	return s[:n]
}
