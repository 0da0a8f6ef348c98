package decisionapi

import (
	"github.com/gatehouse/gatehouse/internal/jsonio"
	"github.com/gatehouse/gatehouse/policy"
)

// appendDecision appends the answer of POST /v1/decide, d as JSON and a
// newline, to b: the text encoding/json writes for it (a test holds it to
// that), without reflection. The names of results, kinds, reasons and
// resolvers are their String, which their MarshalText returns.
func appendDecision(b []byte, d *policy.Decision) []byte {
	b = append(b, `{"policy_set":`...)
	b = jsonio.AppendString(b, d.PolicySet)
	b = append(b, `,"result":`...)
	b = jsonio.AppendString(b, d.Result.String())
	b = append(b, `,"effect":`...)
	b = jsonio.AppendString(b, d.Effect.String())
	if len(d.Obligations) > 0 {
		b = append(b, `,"obligations":[`...)
		for i, o := range d.Obligations {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":`...)
			b = jsonio.AppendString(b, o.Name)
			b = append(b, `,"fulfilled":`...)
			b = appendBool(b, o.Fulfilled)
			if o.Reason != "" {
				b = append(b, `,"reason":`...)
				b = jsonio.AppendString(b, o.Reason)
			}
			b = append(b, `,"entities":`...)
			b = append(jsonio.AppendStrings(b, o.Entities), '}')
		}
		b = append(b, ']')
	}
	if len(d.Missing) > 0 {
		b = append(b, `,"missing":`...)
		b = jsonio.AppendStrings(b, d.Missing)
	}
	if d.Error != "" {
		b = append(b, `,"error":`...)
		b = jsonio.AppendString(b, d.Error)
	}
	if d.Explanation != nil {
		b = append(b, `,"explanation":`...)
		b = appendNode(b, d.Explanation)
	}
	return append(b, '}', '\n')
}

// appendNode appends the explanation n, with its children.
func appendNode(b []byte, n *policy.Node) []byte {
	if n == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"id":`...)
	b = jsonio.AppendString(b, n.ID)
	b = append(b, `,"kind":`...)
	b = jsonio.AppendString(b, n.Kind.String())
	b = append(b, `,"result":`...)
	b = jsonio.AppendString(b, n.Result.String())
	if n.Incomplete {
		b = append(b, `,"incomplete":true`...)
	}
	b = append(b, `,"reason":`...)
	b = jsonio.AppendString(b, n.Reason.String())
	if n.Detail != "" {
		b = append(b, `,"detail":`...)
		b = jsonio.AppendString(b, n.Detail)
	}
	if n.Resolver != 0 {
		b = append(b, `,"resolver":`...)
		b = jsonio.AppendString(b, n.Resolver.String())
	}
	if len(n.Children) > 0 {
		b = append(b, `,"children":[`...)
		for i, c := range n.Children {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendNode(b, c)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}
