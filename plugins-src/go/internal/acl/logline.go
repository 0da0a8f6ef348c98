package acl

import (
	"strings"

	"github.com/gatehouse/gatehouse/abi"
)

// LogLine is the line a log obligation named name writes for a decision
// and its context.
//
// Without a format it is "<name>: <decision> <context>", the context as a
// JSON object of its non-empty categories, in the order subject, object,
// environment, access.
//
// With a format (the config key log_format, as in ARPOC), the format's text
// is copied with two kinds of placeholders replaced:
//
//   - "{}" by the decision;
//   - a reference to an attribute, "subject.", "object.", "environment." or
//     "access." followed by a dotted path of ASCII letters, digits and
//     underscores ("subject.email", "object.owner.id"), by the attribute's
//     value: a string as it is, another value as JSON, a missing or nil one
//     as nothing. A reference must not follow a letter, digit or
//     underscore, and a dot that ends it is not part of it.
func LogLine(name, format string, d abi.Decision, ctx abi.Context) string {
	if format == "" {
		return name + ": " + string(d) + " " + string(contextJSON(ctx))
	}
	var b strings.Builder
	for i := 0; i < len(format); {
		if strings.HasPrefix(format[i:], "{}") {
			b.WriteString(string(d))
			i += 2
			continue
		}
		if i == 0 || !isWordByte(format[i-1]) {
			if attrs, path, ok := reference(format[i:], ctx); ok {
				b.WriteString(attributeText(attrs, path[strings.IndexByte(path, '.')+1:]))
				i += len(path)
				continue
			}
		}
		b.WriteByte(format[i])
		i++
	}
	return b.String()
}

// categories are the context's categories in the order they are written.
var categories = [...]string{"subject", "object", "environment", "access"}

// category returns the attributes of the context's category name.
func category(ctx abi.Context, name string) map[string]any {
	switch name {
	case "subject":
		return ctx.Subject
	case "object":
		return ctx.Object
	case "environment":
		return ctx.Environment
	}
	return ctx.Access
}

// contextJSON writes the non-empty categories of ctx as a JSON object.
func contextJSON(ctx abi.Context) []byte {
	b := []byte{'{'}
	for _, name := range categories {
		attrs := category(ctx, name)
		if len(attrs) == 0 {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = appendJSONString(b, name)
		b = append(b, ':')
		b = appendJSON(b, attrs)
	}
	return append(b, '}')
}

// reference reads an attribute reference at the start of s: it returns the
// attributes of its category and the whole reference ("subject.email").
func reference(s string, ctx abi.Context) (map[string]any, string, bool) {
	for _, name := range categories {
		rest, ok := strings.CutPrefix(s, name+".")
		if !ok {
			continue
		}
		n := dottedPath(rest)
		if n == 0 {
			return nil, "", false
		}
		return category(ctx, name), s[:len(name)+1+n], true
	}
	return nil, "", false
}

// dottedPath returns the length of the dotted path of word bytes at the
// start of s: segments separated by single dots, without a final dot.
func dottedPath(s string) int {
	n, end := 0, 0
	for n < len(s) {
		if isWordByte(s[n]) {
			n++
			end = n
			continue
		}
		if s[n] == '.' && end == n && n > 0 && n+1 < len(s) && isWordByte(s[n+1]) {
			n++
			continue
		}
		break
	}
	return end
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// attributeText is the text of the attribute at the dotted path in attrs:
// a string as it is, nothing for a missing or nil value, JSON otherwise.
func attributeText(attrs map[string]any, path string) string {
	var v any = attrs
	for seg := range strings.SplitSeq(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[seg]
	}
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	}
	return string(appendJSON(nil, v))
}
