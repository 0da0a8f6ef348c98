package expr

import (
	"fmt"
	"strings"
)

// Env supplies attribute values while an expression is evaluated.
type Env interface {
	// Attribute returns the value of a and whether it is present. A nil
	// value counts as absent. An error stops the evaluation and is returned
	// by Eval as it is.
	Attribute(a *Attribute) (value any, ok bool, err error)
}

// Eval evaluates the expression against env and returns its truth, as
// Python's bool() would (docs/policy-language.md, "Truth"). When an
// attribute of the subject, object or environment is absent the error is
// that attribute's *MissingError; a comparison of values of types it does
// not take is an *Error naming the operator's column. Evaluation stops at
// the first error, and and or stop at the first operand that decides them.
func (e *Expr) Eval(env Env) (bool, error) {
	v, err := e.root.eval(env)
	if err != nil {
		return false, err
	}
	return truthy(v), nil
}

// Attributes returns every attribute reference in the expression, in the
// order written.
func (e *Expr) Attributes() []*Attribute { return e.attrs }

// Constant reports whether the expression needs no attribute, and then its
// truth: "True", "1 < 2".
func (e *Expr) Constant() (truth, ok bool) {
	if l, ok := e.root.(literal); ok {
		return truthy(l.val), true
	}
	return false, false
}

func (n literal) eval(Env) (any, error) { return n.val, nil }

func (n attrNode) eval(env Env) (any, error) {
	v, ok, err := env.Attribute(n.attr)
	if err != nil {
		return nil, err
	}
	if !ok || v == nil {
		if n.attr.Category == Access {
			return nil, nil
		}
		return nil, n.attr.missing
	}
	return v, nil
}

func (n existsNode) eval(env Env) (any, error) {
	a, ok := n.operand.(attrNode)
	if !ok {
		return true, nil
	}
	v, ok, err := env.Attribute(a.attr)
	if err != nil {
		return nil, err
	}
	return ok && v != nil, nil
}

func (n notNode) eval(env Env) (any, error) {
	v, err := n.x.eval(env)
	if err != nil {
		return nil, err
	}
	return !truthy(v), nil
}

func (n andNode) eval(env Env) (any, error) {
	for _, op := range n.ops {
		v, err := op.eval(env)
		if err != nil {
			return nil, err
		}
		if !truthy(v) {
			return false, nil
		}
	}
	return true, nil
}

func (n orNode) eval(env Env) (any, error) {
	for _, op := range n.ops {
		v, err := op.eval(env)
		if err != nil {
			return nil, err
		}
		if truthy(v) {
			return true, nil
		}
	}
	return false, nil
}

func (n compareNode) eval(env Env) (any, error) {
	l, err := n.l.eval(env)
	if err != nil {
		return nil, err
	}
	r, err := n.r.eval(env)
	if err != nil {
		return nil, err
	}
	// ARPOC: a comparison with exactly one null operand (an absent access
	// attribute) is false, whatever the operator.
	if (l == nil) != (r == nil) {
		return false, nil
	}
	switch n.op {
	case OpEq:
		return equal(l, r), nil
	case OpNe:
		return !equal(l, r), nil
	case OpLt, OpLe, OpGt, OpGe:
		if l == nil {
			return false, nil
		}
		c, x, y, ok := order(l, r)
		if !ok {
			return nil, n.typeError(x, y, "two numbers or booleans, two strings or two lists")
		}
		switch n.op {
		case OpLt:
			return c < 0, nil
		case OpLe:
			return c <= 0 && c != unordered, nil
		case OpGt:
			return c > 0 && c != unordered, nil
		default:
			return c >= 0 && c != unordered, nil
		}
	case OpIn:
		if r == nil {
			return false, nil
		}
		found, ok := contains(r, l)
		if !ok {
			return nil, &Error{Column: n.column, Msg: fmt.Sprintf("in needs a list or a map on its right, not %s", describe(r))}
		}
		return found, nil
	case OpStartsWith, OpMatches:
		if l == nil {
			return false, nil
		}
		ls, lok := stringOf(l)
		rs, rok := stringOf(r)
		if !lok || !rok {
			return nil, n.typeError(l, r, "two strings")
		}
		if n.op == OpStartsWith {
			return strings.HasPrefix(ls, rs), nil
		}
		re := n.re
		if re == nil {
			var err error
			if re, err = compilePattern(rs); err != nil {
				return nil, &Error{Column: n.column, Msg: err.Error()}
			}
		}
		return re.MatchString(ls), nil
	}
	panic("unknown operator " + n.op.String())
}

// typeError returns the error of a comparison whose operands l and r are
// not what it takes.
func (n compareNode) typeError(l, r any, want string) error {
	return &Error{Column: n.column, Msg: fmt.Sprintf("%s needs %s, not %s and %s", n.op, want, describe(l), describe(r))}
}
