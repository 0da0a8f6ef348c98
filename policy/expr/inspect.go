package expr

import (
	"sort"
	"strings"
)

// NodeKind is the kind of a Node.
type NodeKind uint8

// The kinds of nodes.
const (
	NodeLiteral NodeKind = iota
	NodeAttribute
	NodeExists
	NodeNot
	NodeAnd
	NodeOr
	NodeCompare
)

// Node is a read-only view of a node of a parsed expression, for tools
// that inspect expressions rather than evaluate them. Parsing flattens
// and and or, so "a and (b and c)" is one NodeAnd of three operands, and
// computes comparisons of two literals, so "1 < 2" is the literal True.
type Node struct{ n node }

// Root returns the top node of the expression.
func (e *Expr) Root() Node { return Node{e.root} }

// Kind returns the kind of the node.
func (n Node) Kind() NodeKind {
	switch n.n.(type) {
	case attrNode:
		return NodeAttribute
	case existsNode:
		return NodeExists
	case notNode:
		return NodeNot
	case andNode:
		return NodeAnd
	case orNode:
		return NodeOr
	case compareNode:
		return NodeCompare
	}
	return NodeLiteral
}

// Operands returns the operands of an and or an or, in order; the one of
// a not or an exists; the left and the right of a comparison; none for a
// literal or an attribute.
func (n Node) Operands() []Node {
	var ops []node
	switch x := n.n.(type) {
	case existsNode:
		ops = []node{x.operand}
	case notNode:
		ops = []node{x.x}
	case andNode:
		ops = x.ops
	case orNode:
		ops = x.ops
	case compareNode:
		ops = []node{x.l, x.r}
	}
	out := make([]Node, len(ops))
	for i, o := range ops {
		out[i] = Node{o}
	}
	return out
}

// Value returns a literal's value: bool, int64, *big.Int, float64, string
// or []any of those; nil for other nodes.
func (n Node) Value() any {
	if l, ok := n.n.(literal); ok {
		return l.val
	}
	return nil
}

// Attribute returns the attribute a NodeAttribute reads, or nil.
func (n Node) Attribute() *Attribute {
	if a, ok := n.n.(attrNode); ok {
		return a.attr
	}
	return nil
}

// Op returns a comparison's operator.
func (n Node) Op() Op {
	if c, ok := n.n.(compareNode); ok {
		return c.op
	}
	return 0
}

// Column returns the column of a comparison's operator or of an
// attribute, in characters from 1; 0 for other nodes.
func (n Node) Column() int {
	switch x := n.n.(type) {
	case compareNode:
		return x.column
	case attrNode:
		return x.attr.Column
	}
	return 0
}

// String returns the node in the canonical form of Expr.String.
func (n Node) String() string { return string(n.n.print(nil)) }

// Truthy reports whether v is true in Python's sense, as a Target or a
// Condition takes it.
func Truthy(v any) bool { return truthy(v) }

// Group returns src with parentheses that make explicit how and and or
// group where they are mixed without parentheses, each run of operands
// joined by tighter ("and" or "or") put in parentheses, and the column of
// the first or where they are mixed, 0 when they are nowhere (src is then
// returned as it is). Group(src, "and") is how Parse reads src: "a and b
// or c" becomes "(a and b) or c"; Group(src, "or") is the reading in
// which or binds tighter: "a and (b or c)". src must parse.
func Group(src, tighter string) (string, int) {
	looser := "or"
	if tighter == "or" {
		looser = "and"
	}
	type level struct {
		start              int // byte offset after the "(" that opened it, or 0
		hasLoose, hasTight bool
		cuts               [][2]int // [start, end) of each looser operator
		orCol              int      // the column of its first or
	}
	type insert struct {
		off  int
		text string
	}
	var inserts []insert
	col := 0
	// closeLevel ends a level at byte offset end, parenthesising its runs of
	// tighter operands when it mixes the two.
	closeLevel := func(lv *level, end int) {
		if !lv.hasLoose || !lv.hasTight {
			return
		}
		if col == 0 || lv.orCol < col {
			col = lv.orCol
		}
		from := lv.start
		parts := append(lv.cuts, [2]int{end, end})
		for _, cut := range parts {
			part := src[from:cut[0]]
			if hasWordAtLevel(part, tighter) {
				lead := len(part) - len(strings.TrimLeft(part, " \t\r\n"))
				trail := len(part) - len(strings.TrimRight(part, " \t\r\n"))
				inserts = append(inserts, insert{from + lead, "("}, insert{cut[0] - trail, ")"})
			}
			from = cut[1]
		}
	}
	l := lexer{src: src, col: 1}
	stack := []*level{{}}
	for {
		t, err := l.next()
		if err != nil {
			return src, 0
		}
		top := stack[len(stack)-1]
		if t.kind == tokWord && t.text == "or" && top.orCol == 0 {
			top.orCol = t.col
		}
		switch {
		case t.kind == tokEOF:
			closeLevel(top, len(src))
			if len(inserts) == 0 {
				return src, 0
			}
			sort.SliceStable(inserts, func(i, j int) bool { return inserts[i].off < inserts[j].off })
			var b strings.Builder
			prev := 0
			for _, in := range inserts {
				b.WriteString(src[prev:in.off])
				b.WriteString(in.text)
				prev = in.off
			}
			b.WriteString(src[prev:])
			return b.String(), col
		case t.kind == tokLParen:
			stack = append(stack, &level{start: l.off})
		case t.kind == tokRParen && len(stack) > 1:
			closeLevel(top, t.off)
			stack = stack[:len(stack)-1]
		case t.kind == tokWord && t.text == looser:
			top.hasLoose = true
			top.cuts = append(top.cuts, [2]int{t.off, l.off})
		case t.kind == tokWord && t.text == tighter:
			top.hasTight = true
		}
	}
}

// hasWordAtLevel reports whether the source part holds the keyword w
// outside parentheses.
func hasWordAtLevel(part, w string) bool {
	l := lexer{src: part, col: 1}
	depth := 0
	for {
		t, err := l.next()
		if err != nil || t.kind == tokEOF {
			return false
		}
		switch t.kind {
		case tokLParen:
			depth++
		case tokRParen:
			depth--
		case tokWord:
			if depth == 0 && t.text == w {
				return true
			}
		}
	}
}
