package expr_test

import (
	"fmt"

	"github.com/gatehouse/gatehouse/policy/expr"
)

// subject serves subject attributes from a flat map.
type subject map[string]any

func (s subject) Attribute(a *expr.Attribute) (any, bool, error) {
	if a.Category != expr.Subject {
		return nil, false, nil
	}
	v, ok := s[a.Path]
	return v, ok, nil
}

func ExampleParse() {
	e, err := expr.Parse(`subject.email matches '\\w+@(student\\.)?kit\\.edu' and not subject.age<18`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e)
	fmt.Println(e.Eval(subject{"email": "ann@kit.edu", "age": 19}))
	fmt.Println(e.Eval(subject{"email": "ann@kit.edu"}))

	_, err = expr.Parse("subject.age > 18 and")
	fmt.Println(err)
	// Output:
	// subject.email matches r'\w+@(student\.)?kit\.edu' and not subject.age < 18
	// true <nil>
	// false missing subject.age
	// column 21: unexpected end of expression; expected an attribute, a literal, exists, not or (
}
