package expr

import "regexp"

// Category is one of the four attribute categories of a request.
type Category uint8

// The categories, in the order of policy.Attributes.
const (
	Subject Category = iota
	Object
	Environment
	Access
)

var categoryNames = [...]string{"subject", "object", "environment", "access"}

var categories = map[string]Category{"subject": Subject, "object": Object, "environment": Environment, "access": Access}

// String returns "subject", "object", "environment" or "access".
func (c Category) String() string { return categoryNames[c] }

// Attribute is a reference to an attribute in an expression:
// subject.email, access.headers.authorization.
type Attribute struct {
	Category Category
	// Path is the dotted path below the category, as written: "email",
	// "headers.authorization".
	Path string
	// Segments is Path split at its dots: the keys to follow through
	// nested maps.
	Segments []string
	// Column is where the reference starts in the expression.
	Column int

	name    string        // "subject.email"
	missing *MissingError // returned for this attribute, made once
}

// String returns the reference as written in the language:
// "subject.email".
func (a *Attribute) String() string { return a.name }

// Op is a comparison operator.
type Op uint8

// The comparison operators.
const (
	OpEq Op = iota
	OpNe
	OpLt
	OpLe
	OpGt
	OpGe
	OpIn
	OpStartsWith
	OpMatches
)

var opNames = [...]string{"==", "!=", "<", "<=", ">", ">=", "in", "startswith", "matches"}

// String returns the operator as written.
func (o Op) String() string { return opNames[o] }

// Binding strengths, from loosest to tightest; an operand binding less
// tightly than its place needs is printed in parentheses.
const (
	precOr = iota + 1
	precAnd
	precNot
	precCompare
	precUnary
)

// node is a node of the syntax tree. Every node evaluates to a value (see
// eval.go) and prints itself (see print.go).
type node interface {
	eval(env Env) (any, error)
	print(b []byte) []byte
	prec() int
}

// literal is a constant: bool, int64, *big.Int (beyond int64), float64,
// string or []any of those.
type literal struct{ val any }

// attrNode reads an attribute.
type attrNode struct{ attr *Attribute }

// existsNode is "exists x": whether an attribute is present. On a literal
// it is always true, as in ARPOC.
type existsNode struct{ operand node }

// notNode is "not x".
type notNode struct{ x node }

// andNode is "a and b and ...", evaluated left to right until one is false.
type andNode struct{ ops []node }

// orNode is "a or b or ...", evaluated left to right until one is true.
type orNode struct{ ops []node }

// compareNode is "l op r".
type compareNode struct {
	op     Op
	l, r   node
	column int            // of the operator, for type errors
	re     *regexp.Regexp // the compiled pattern of "matches" with a literal pattern
}

func (literal) prec() int     { return precUnary }
func (attrNode) prec() int    { return precUnary }
func (existsNode) prec() int  { return precUnary }
func (notNode) prec() int     { return precNot }
func (andNode) prec() int     { return precAnd }
func (orNode) prec() int      { return precOr }
func (compareNode) prec() int { return precCompare }
