package expr_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/policy/expr"
)

func TestGroup(t *testing.T) {
	for _, tt := range []struct {
		src, tighter, want string
		col                int
	}{
		{"True or False and False", "or", "(True or False) and False", 6},
		{"True or False and False", "and", "True or (False and False)", 6},
		{"1 and 2 or 3", "or", "1 and (2 or 3)", 9},
		{"subject.x and subject.y or object.z and object.w", "or", "subject.x and (subject.y or object.z) and object.w", 25},
		{"subject.a and subject.b or subject.c and subject.d", "and", "(subject.a and subject.b) or (subject.c and subject.d)", 25},
		{"(subject.a or subject.b and subject.c) and  subject.d", "or", "((subject.a or subject.b) and subject.c) and  subject.d", 12},
		{"subject.a and (subject.b or subject.c)", "or", "", 0},
		{"subject.a and subject.b and subject.c", "or", "", 0},
		{"subject.s == 'a or b' and subject.t or True", "or", "subject.s == 'a or b' and (subject.t or True)", 37},
	} {
		got, col := expr.Group(tt.src, tt.tighter)
		if tt.want == "" {
			tt.want = tt.src
		}
		if got != tt.want || col != tt.col {
			t.Errorf("Group(%q, %s) = %q, %d; want %q, %d", tt.src, tt.tighter, got, col, tt.want, tt.col)
		}
		x, err := expr.Parse(tt.src)
		if err != nil {
			t.Fatal(err)
		}
		if (col > 0) != (len(x.Warnings) > 0) || (col > 0 && x.Warnings[0].Column != col) {
			t.Errorf("Parse(%q) warns %v; Group's column is %d", tt.src, x.Warnings, col)
		}
	}
}
