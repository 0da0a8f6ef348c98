package model

import "math/bits"

// Set is a set of small non-negative integers, such as possessible or role
// ids of one model. The zero Set is empty; Add grows it as needed.
type Set []uint64

// NewSet returns an empty set with room for the members 0 to n-1.
func NewSet(n int) Set { return make(Set, (n+63)/64) }

// Has reports whether i is a member.
func (s Set) Has(i int) bool {
	w := i / 64
	return w < len(s) && s[w]&(1<<(uint(i)%64)) != 0
}

// Add adds i.
func (s *Set) Add(i int) {
	w := i / 64
	for len(*s) <= w {
		*s = append(*s, 0)
	}
	(*s)[w] |= 1 << (uint(i) % 64)
}

// Remove removes i.
func (s Set) Remove(i int) {
	if w := i / 64; w < len(s) {
		s[w] &^= 1 << (uint(i) % 64)
	}
}

// Contains reports whether every member of o is a member of s.
func (s Set) Contains(o Set) bool {
	for w, x := range o {
		var y uint64
		if w < len(s) {
			y = s[w]
		}
		if x&^y != 0 {
			return false
		}
	}
	return true
}

// Clone returns a copy of s.
func (s Set) Clone() Set { return append(Set(nil), s...) }

// Members returns the members in increasing order.
func (s Set) Members() []int {
	var out []int
	for w, x := range s {
		for x != 0 {
			b := bits.TrailingZeros64(x)
			out = append(out, w*64+b)
			x &^= 1 << uint(b)
		}
	}
	return out
}
