package expr

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// maxDepth bounds the nesting of parentheses, lists and not, so that no
// input can exhaust the stack.
const maxDepth = 100

// Expr is a parsed expression: a Target or a Condition. It is immutable and
// safe for concurrent use.
type Expr struct {
	root node
	// Warnings are things that parse but may not mean what the author
	// thinks, such as and and or mixed without parentheses.
	Warnings []*Error
	attrs    []*Attribute
}

// Parse parses src. Every expression ARPOC's grammar accepts parses, and
// means the same (docs/policy-language.md lists the deliberate
// differences). Comparisons of two literals are checked and computed here,
// and literal regular expressions compiled, so a type error between
// literals or a bad pattern is a parse error. The error is an *Error
// naming the column.
func Parse(src string) (*Expr, error) {
	if !utf8.ValidString(src) {
		return nil, &Error{Column: 1, Msg: "expression is not valid UTF-8"}
	}
	p := &parser{lex: lexer{src: src, col: 1}}
	return p.parse()
}

// parser is a recursive-descent parser with one token of look-ahead.
type parser struct {
	lex      lexer
	tok      token
	depth    int
	warnings []*Error
	attrs    []*Attribute
}

// parse parses the whole source.
func (p *parser) parse() (*Expr, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tokEOF {
		return nil, &Error{Column: 1, Msg: "empty expression"}
	}
	root, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokEOF {
		return nil, p.unexpected("and, or or the end")
	}
	return &Expr{root: root, Warnings: p.warnings, attrs: p.attrs}, nil
}

// advance reads the next token.
func (p *parser) advance() error {
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

// errorf returns an *Error at the current token.
func (p *parser) errorf(format string, args ...any) *Error {
	return errorCol(p.tok.col, format, args...)
}

// unexpected returns an error for the current token, which is not what
// was expected.
func (p *parser) unexpected(expected string) *Error {
	switch p.tok.kind {
	case tokEOF:
		return p.errorf("unexpected end of expression; expected %s", expected)
	case tokWord:
		if hint := wordHint(p.tok.text); hint != "" {
			return p.errorf("unknown word %q: %s", p.tok.text, hint)
		}
	}
	return p.errorf("unexpected %s; expected %s", p.tok.text, expected)
}

// wordHint explains a word that is not part of the language, or returns ""
// for a keyword.
func wordHint(w string) string {
	switch w {
	case "and", "or", "not", "exists", "in", "startswith", "matches", "True", "False":
		return ""
	case "true", "false", "TRUE", "FALSE":
		return "the booleans are True and False"
	case "null", "None", "nil":
		return "there is no null literal; test presence with exists"
	case "subject", "object", "environment", "access":
		return "an attribute needs a name: " + w + ".name"
	case "AND", "OR", "NOT", "&&", "||":
		return "the logical operators are and, or and not, in lower case"
	}
	return "an attribute starts with subject., object., environment. or access."
}

// enter counts one level of nesting and fails beyond maxDepth.
func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errorf("expression is nested more than %d levels deep", maxDepth)
	}
	return nil
}

func (p *parser) isWord(w string) bool { return p.tok.kind == tokWord && p.tok.text == w }

// or = and { "or" and }
func (p *parser) or() (node, error) {
	first, mixed, err := p.and()
	if err != nil {
		return nil, err
	}
	if !p.isWord("or") {
		return first, nil
	}
	orCol := p.tok.col
	ops := flatten(nil, first, false)
	for p.isWord("or") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		next, bare, err := p.and()
		if err != nil {
			return nil, err
		}
		mixed = mixed || bare
		ops = flatten(ops, next, false)
	}
	if mixed {
		p.warnings = append(p.warnings, errorCol(orCol,
			"and and or mixed without parentheses: read as and first, then or; ARPOC groups such expressions unpredictably, so add parentheses"))
	}
	return orNode{ops}, nil
}

// and = not { "and" not }. bare reports whether it read an "and" outside
// parentheses.
func (p *parser) and() (n node, bare bool, err error) {
	first, err := p.not()
	if err != nil {
		return nil, false, err
	}
	if !p.isWord("and") {
		return first, false, nil
	}
	ops := flatten(nil, first, true)
	for p.isWord("and") {
		if err := p.advance(); err != nil {
			return nil, false, err
		}
		next, err := p.not()
		if err != nil {
			return nil, false, err
		}
		ops = flatten(ops, next, true)
	}
	return andNode{ops}, true, nil
}

// flatten appends n to ops, or n's operands when n is an and (isAnd) or an
// or (!isAnd) itself, from parentheses: and and or are associative, and a
// flat list evaluates and prints the same.
func flatten(ops []node, n node, isAnd bool) []node {
	if a, ok := n.(andNode); ok && isAnd {
		return append(ops, a.ops...)
	}
	if o, ok := n.(orNode); ok && !isAnd {
		return append(ops, o.ops...)
	}
	return append(ops, n)
}

// not = "not" not | comparison
func (p *parser) not() (node, error) {
	if !p.isWord("not") {
		return p.comparison()
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	x, err := p.not()
	if err != nil {
		return nil, err
	}
	p.depth--
	return notNode{x}, nil
}

// compareOps maps the word operators to their Op.
var compareOps = map[string]Op{
	"==": OpEq, "!=": OpNe, "<": OpLt, "<=": OpLe, ">": OpGt, ">=": OpGe,
	"in": OpIn, "startswith": OpStartsWith, "matches": OpMatches,
}

// comparison = unary [ op unary ]
func (p *parser) comparison() (node, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	op, ok := p.compareOp()
	if !ok {
		return l, nil
	}
	opCol := p.tok.col
	if err := p.advance(); err != nil {
		return nil, err
	}
	r, err := p.unary()
	if err != nil {
		return nil, err
	}
	if _, chained := p.compareOp(); chained {
		return nil, p.errorf("comparisons cannot be chained; join them with and")
	}
	return p.check(compareNode{op: op, l: l, r: r, column: opCol})
}

// compareOp returns the operator at the current token, if it is one.
func (p *parser) compareOp() (Op, bool) {
	if p.tok.kind != tokOp && p.tok.kind != tokWord {
		return 0, false
	}
	op, ok := compareOps[p.tok.text]
	return op, ok
}

// check does at parse time what can be done of a comparison: it compiles a
// literal pattern, refuses a literal operand of a type the operator never
// takes, and computes a comparison of two literals (so that its type error
// is a parse error), returning the result as a literal.
func (p *parser) check(n compareNode) (node, error) {
	lLit, lok := n.l.(literal)
	rLit, rok := n.r.(literal)
	bad := func(side string, lit literal, want string) error {
		return errorCol(n.column, "%s needs %s on its %s, not %s", n.op, want, side, describe(lit.val))
	}
	switch n.op {
	case OpStartsWith, OpMatches:
		if lok && !isString(lLit.val) {
			return nil, bad("left", lLit, "a string")
		}
		if rok && !isString(rLit.val) {
			return nil, bad("right", rLit, "a string")
		}
		if n.op == OpMatches && rok {
			re, err := compilePattern(rLit.val.(string))
			if err != nil {
				return nil, errorCol(n.column, "%v", err)
			}
			n.re = re
			p.warnings = append(p.warnings, pythonWarnings(n.column, rLit.val.(string))...)
		}
	case OpIn:
		if rok {
			if _, list := rLit.val.([]any); !list {
				return nil, bad("right", rLit, "a list")
			}
		}
	}
	if lok && rok {
		v, err := n.eval(nil)
		if err != nil {
			return nil, err
		}
		return literal{v}, nil
	}
	return n, nil
}

// compilePattern compiles a pattern of "matches", which must match the
// whole string (Python's re.fullmatch). The pattern is parsed on its own
// and its parsed tree anchored at both ends of the text, so that nothing in
// it (an unbalanced parenthesis, a \Q quote running to its end) can reach
// past the anchors, and an error names the pattern alone.
func compilePattern(pattern string) (*regexp.Regexp, error) {
	parsed, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, fmt.Errorf("bad regular expression %s: %s", quote(pattern), strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	whole := &syntax.Regexp{Op: syntax.OpConcat, Sub: []*syntax.Regexp{{Op: syntax.OpBeginText}, parsed, {Op: syntax.OpEndText}}}
	re, err := regexp.Compile(whole.String())
	if err != nil {
		// Only a pattern at the limit of size or nesting fails here: the
		// anchors add to both. The code alone, since the text compiled is
		// not the author's.
		if se, ok := errors.AsType[*syntax.Error](err); ok {
			err = errors.New(string(se.Code))
		}
		return nil, fmt.Errorf("bad regular expression %s: %v", quote(pattern), err)
	}
	return re, nil
}

// unary = "exists" ( attribute | literal ) | primary
func (p *parser) unary() (node, error) {
	if !p.isWord("exists") {
		return p.primary()
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tokLParen || p.isWord("not") || p.isWord("exists") {
		return nil, p.errorf("exists takes an attribute, as in exists subject.email")
	}
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	return existsNode{x}, nil
}

// primary = attribute | literal | "(" or ")"
func (p *parser) primary() (node, error) {
	switch p.tok.kind {
	case tokAttr:
		a := p.tok.attr
		p.attrs = append(p.attrs, a)
		return attrNode{a}, p.advance()
	case tokLParen:
		if err := p.enter(); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tokRParen {
			return nil, p.unexpected(")")
		}
		p.depth--
		return x, p.advance()
	}
	v, err := p.literal()
	if err != nil {
		return nil, err
	}
	return literal{v}, nil
}

// literal = number | string | "True" | "False" | list
// list    = "[" [ literal { "," literal } ] "]"
func (p *parser) literal() (any, error) {
	var v any
	switch {
	case p.tok.kind == tokNumber || p.tok.kind == tokString:
		v = p.tok.val
	case p.isWord("True"):
		v = true
	case p.isWord("False"):
		v = false
	case p.tok.kind == tokLBrack:
		return p.list()
	default:
		return nil, p.unexpected("an attribute, a literal, exists, not or (")
	}
	return v, p.advance()
}

// list reads a list of literals, the current token being its "[".
func (p *parser) list() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	items := []any{}
	for p.tok.kind != tokRBrack {
		if len(items) > 0 {
			if p.tok.kind != tokComma {
				return nil, p.unexpected(", or ]")
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		if p.tok.kind == tokAttr {
			return nil, p.errorf("a list holds literals only, not attributes")
		}
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		items = append(items, v)
	}
	p.depth--
	return items, p.advance()
}
