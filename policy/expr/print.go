package expr

import (
	"math/big"
	"strconv"
	"strings"
)

// String returns the expression in canonical form: one space around
// operators, parentheses only where the precedence needs them, strings in
// single quotes (raw when they hold backslashes). Parsing it gives the
// same expression again.
func (e *Expr) String() string { return string(e.root.print(nil)) }

// printOperand prints n, in parentheses when it binds less tightly than
// prec.
func printOperand(b []byte, n node, prec int) []byte {
	if n.prec() < prec {
		b = append(b, '(')
		b = n.print(b)
		return append(b, ')')
	}
	return n.print(b)
}

func (n literal) print(b []byte) []byte { return appendLiteral(b, n.val) }

// appendLiteral appends the literal v.
func appendLiteral(b []byte, v any) []byte {
	switch x := v.(type) {
	case bool:
		if x {
			return append(b, "True"...)
		}
		return append(b, "False"...)
	case int64:
		return append(b, formatInt(x)...)
	case *big.Int:
		return x.Append(b, 10)
	case float64:
		return append(b, formatFloat(x)...)
	case string:
		return append(b, quote(x)...)
	case []any:
		b = append(b, '[')
		for i, item := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendLiteral(b, item)
		}
		return append(b, ']')
	}
	panic("expr: literal of unexpected type")
}

func formatInt(i int64) string { return strconv.FormatInt(i, 10) }

// formatFloat formats f so that it reads back as a float, never as an
// integer: 2.0, 1e+21, 0.5.
func formatFloat(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEnN") {
		s += ".0"
	}
	return s
}

func (n attrNode) print(b []byte) []byte { return append(b, n.attr.String()...) }

func (n existsNode) print(b []byte) []byte {
	return n.operand.print(append(b, "exists "...))
}

func (n notNode) print(b []byte) []byte {
	return printOperand(append(b, "not "...), n.x, precNot)
}

func (n andNode) print(b []byte) []byte { return printList(b, n.ops, " and ", precAnd+1) }

// The operands of or that are and are put in parentheses, so that the
// canonical form never mixes and and or bare (see the warning in Parse).
func (n orNode) print(b []byte) []byte { return printList(b, n.ops, " or ", precAnd+1) }

// printList prints the operands of and or or, separated by sep.
func printList(b []byte, ops []node, sep string, prec int) []byte {
	for i, op := range ops {
		if i > 0 {
			b = append(b, sep...)
		}
		b = printOperand(b, op, prec)
	}
	return b
}

func (n compareNode) print(b []byte) []byte {
	b = printOperand(b, n.l, precUnary)
	b = append(b, ' ')
	b = append(b, n.op.String()...)
	b = append(b, ' ')
	return printOperand(b, n.r, precUnary)
}
