package expr

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// condition returns a condition of n comparisons of attributes joined by
// and, "subject.a0 == 0 and subject.a1 == 1 and ...".
func condition(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(" and ")
		}
		fmt.Fprintf(&b, "subject.a%d == %d", i, i)
	}
	return b.String()
}

// BenchmarkParseCondition parses conditions of 16,000 and 100,000
// comparisons joined by and.
func BenchmarkParseCondition(b *testing.B) {
	for _, n := range []int{16_000, 100_000} {
		src := condition(n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
