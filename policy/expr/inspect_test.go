package expr_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/policy/expr"
)

func TestGroup(t *testing.T) {
	for _, tt := range []struct{ src, tighter, want string }{
		{"True or False and False", "or", "(True or False) and False"},
		{"True or False and False", "and", "True or (False and False)"},
		{"1 and 2 or 3", "or", "1 and (2 or 3)"},
		{"subject.x and subject.y or object.z and object.w", "or", "subject.x and (subject.y or object.z) and object.w"},
		{"subject.a and subject.b or subject.c and subject.d", "and", "(subject.a and subject.b) or (subject.c and subject.d)"},
		{"(subject.a or subject.b and subject.c) and  subject.d", "or", "((subject.a or subject.b) and subject.c) and  subject.d"},
		{"subject.a and (subject.b or subject.c)", "or", ""},
		{"subject.a and subject.b and subject.c", "or", ""},
		{"subject.s == 'a or b' and subject.t or True", "or", "subject.s == 'a or b' and (subject.t or True)"},
	} {
		got, changed := expr.Group(tt.src, tt.tighter)
		if tt.want == "" {
			if changed || got != tt.src {
				t.Errorf("Group(%q, %s) = %q, %v; want it unchanged", tt.src, tt.tighter, got, changed)
			}
			continue
		}
		if got != tt.want || !changed {
			t.Errorf("Group(%q, %s) = %q, %v; want %q", tt.src, tt.tighter, got, changed, tt.want)
		}
	}
}
