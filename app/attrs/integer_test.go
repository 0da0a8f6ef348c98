package attrs

import (
	"math"
	"testing"
)

func TestInteger(t *testing.T) {
	for _, tt := range []struct {
		in   any
		want int
		ok   bool
	}{
		{7, 7, true},
		{int64(-3), -3, true},
		{uint64(math.MaxInt), math.MaxInt, true},
		{uint64(math.MaxUint64), 0, false}, // not a negative priority
		{2.0, 2, true},
		{2.5, 0, false},
		{1e300, 0, false},
		{"7", 0, false},
	} {
		if got, ok := integer(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("integer(%#v) = %d, %t; want %d, %t", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
