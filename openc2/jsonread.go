package openc2

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
)

// maxDepth bounds the nesting of a message, so that hostile input cannot make
// the checker recurse without limit.
const maxDepth = 64

// checkDocument checks that data is exactly one JSON value with no duplicate
// keys at any depth, nested at most maxDepth deep.
func checkDocument(data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errorf("", "empty document")
	}
	if !json.Valid(data) {
		var v any
		err := json.Unmarshal(data, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return errorf("", "invalid JSON at offset %d: %s", se.Offset, se.Error())
		}
		return errorf("", "invalid JSON")
	}
	return checkDuplicates(bytes.TrimSpace(data), "", 0)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// kind names the JSON type of raw for error messages.
func kind(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// object is a decoded JSON object whose fields are taken one by one; whatever
// is left over is an unknown field.
type object struct {
	path string
	m    []member // taken members are removed
}

func readObject(raw json.RawMessage, path string) (*object, error) {
	if kind(raw) != "object" {
		return nil, errorf(path, "expected an object, got %s", kind(raw))
	}
	return &object{path: path, m: members(raw)}, nil
}

// take removes and returns the field key.
func (o *object) take(key string) (json.RawMessage, string, bool) {
	for i, m := range o.m {
		if m.key == key {
			o.m = slices.Delete(o.m, i, i+1)
			return m.val, join(o.path, key), true
		}
	}
	return nil, "", false
}

// keys returns the remaining keys in sorted order.
func (o *object) keys() []string {
	ks := make([]string, 0, len(o.m))
	for _, m := range o.m {
		ks = append(ks, m.key)
	}
	slices.Sort(ks)
	return ks
}

// done reports the first remaining field as unknown.
func (o *object) done() error {
	if ks := o.keys(); len(ks) > 0 {
		return errorf(join(o.path, ks[0]), "unknown field")
	}
	return nil
}

func readString(raw json.RawMessage, path string) (string, error) {
	if kind(raw) != "string" {
		return "", errorf(path, "expected a string, got %s", kind(raw))
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errorf(path, "invalid string: %v", err)
	}
	return s, nil
}

// readInt reads a JSON integer literal; 200.0 and 2e2 are not integers.
func readInt(raw json.RawMessage, path string) (int64, error) {
	if kind(raw) != "number" {
		return 0, errorf(path, "expected an integer, got %s", kind(raw))
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return 0, errorf(path, "expected an integer, got %s", raw)
	}
	return n, nil
}

func readNumber(raw json.RawMessage, path string) (float64, error) {
	if kind(raw) != "number" {
		return 0, errorf(path, "expected a number, got %s", kind(raw))
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return 0, errorf(path, "invalid number %s", raw)
	}
	return f, nil
}

func readBool(raw json.RawMessage, path string) (bool, error) {
	if kind(raw) != "boolean" {
		return false, errorf(path, "expected a boolean, got %s", kind(raw))
	}
	return raw[0] == 't', nil
}

func readStrings(raw json.RawMessage, path string) ([]string, error) {
	if kind(raw) != "array" {
		return nil, errorf(path, "expected an array, got %s", kind(raw))
	}
	items := elements(raw)
	out := make([]string, 0, len(items))
	for i, it := range items {
		s, err := readString(it, index(path, i))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// readOpaque keeps an extension value as compact JSON; it must be an object.
func readOpaque(raw json.RawMessage, path string) (json.RawMessage, error) {
	if kind(raw) != "object" {
		return nil, errorf(path, "expected an object, got %s", kind(raw))
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil, errorf(path, "invalid JSON: %v", err)
	}
	return b.Bytes(), nil
}
