package openc2

import (
	"encoding/json"
	"slices"
)

// The scanner below walks JSON that json.Valid has accepted, so it only has to
// find where strings and values end; it never has to report a syntax error.

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// skipString returns the index just after the string starting at b[i] == '"'.
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// skipValue returns the index just after the value starting at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i < len(b) && !isSpace(b[i]) && b[i] != ',' && b[i] != '}' && b[i] != ']' {
		i++
	}
	return i
}

// member is one name/value pair of an object, in document order.
type member struct {
	key string
	val json.RawMessage
}

// unquote decodes a JSON string token.
func unquote(tok []byte) string {
	if !slices.Contains(tok, '\\') {
		return string(tok[1 : len(tok)-1])
	}
	var s string
	_ = json.Unmarshal(tok, &s) // valid by json.Valid
	return s
}

// members splits the valid JSON object b into its members.
func members(b []byte) []member {
	var out []member
	i := skipSpace(b, 1)
	for i < len(b) && b[i] != '}' {
		end := skipString(b, i)
		key := unquote(b[i:end])
		i = skipSpace(b, end)
		i = skipSpace(b, i+1) // ':'
		vend := skipValue(b, i)
		out = append(out, member{key: key, val: b[i:vend:vend]})
		i = skipSpace(b, vend)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return out
}

// elements splits the valid JSON array b into its elements.
func elements(b []byte) []json.RawMessage {
	var out []json.RawMessage
	i := skipSpace(b, 1)
	for i < len(b) && b[i] != ']' {
		end := skipValue(b, i)
		out = append(out, b[i:end:end])
		i = skipSpace(b, end)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return out
}

// checkDuplicates reports the first duplicate key in the valid JSON value b.
func checkDuplicates(b []byte, path string, depth int) error {
	if len(b) == 0 || (b[0] != '{' && b[0] != '[') {
		return nil
	}
	if depth >= maxDepth {
		return errorf(path, "nesting deeper than %d levels", maxDepth)
	}
	if b[0] == '[' {
		for i, e := range elements(b) {
			if err := checkDuplicates(e, index(path, i), depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	ms := members(b)
	var seen map[string]struct{}
	if len(ms) > 8 {
		seen = make(map[string]struct{}, len(ms))
	}
	for i, m := range ms {
		p := join(path, m.key)
		if seen != nil {
			if _, dup := seen[m.key]; dup {
				return errorf(p, "duplicate key")
			}
			seen[m.key] = struct{}{}
		} else {
			for _, prev := range ms[:i] {
				if prev.key == m.key {
					return errorf(p, "duplicate key")
				}
			}
		}
		if err := checkDuplicates(m.val, p, depth+1); err != nil {
			return err
		}
	}
	return nil
}
