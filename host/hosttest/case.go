// Package hosttest tests Gatehouse plugins against cases written in YAML:
// each case sends one request to one component through a [host.Host] and
// checks the reply or the error. It serves `gatehouse plugin test` and Go
// tests alike ([RunT]), so that a plugin author writes the cases once.
//
// A cases file is a map with the key cases, a list of cases:
//
//	cases:
//	  - name: weekday of a Sunday
//	    component: environment:weekday      # NAME, or KIND:NAME when kinds share the name
//	    request:                            # the kind's request; "component" is filled in
//	      key: weekday
//	      context: {environment: {time: "2026-11-22T23:30:00-01:00"}}
//	    reply: {value: Sunday}              # the whole reply
//	  - name: greedy takes the goal
//	    component: greedy
//	    reset: {actor: red, goals: [vault]} # agents: sent first, on the same instance
//	    request: {actor: red, observation: {choices: [{kind: move, target: vault}]}}
//	    partial: {action: {target: vault}}  # only the keys given
//	  - name: unknown attribute
//	    component: weekday
//	    request: {key: month}
//	    error: {code: not_found, message_contains: month}
//
// It may also list, under the key plugins, the plugins known to pass its
// cases: for a suite shared by several plugins, such as the one every
// reference plugin of Gatehouse passes whatever its language. Run and
// `gatehouse plugin test` do not read it; whoever runs the suite on those
// plugins does ([LoadSuite]). Each is the plugin's name, or a map with the
// name under plugin and, when needed, partial (it provides some of the
// components only: run with SkipMissing) and grants (what it must be granted,
// in the form of a configuration's plugins.NAME.grants):
//
//	plugins:
//	  - go/basics
//	  - {plugin: c/c-echo-extism, partial: true}
//	  - {plugin: go/acl-jsonsetter, grants: {http: {}}}
//
// Each case gives exactly one expectation:
//
//   - reply: the reply must equal it;
//   - partial: every key given must be in the reply with a matching value,
//     recursively through maps; lists must match element for element, exactly;
//   - matches: as partial, but each string given is a regular expression
//     (Go's RE2 syntax) that the reply's value there must match whole: a
//     string by its text, an integer or float by its decimal form, a boolean
//     as true or false; for values known only by their form, such as times;
//   - error: the call must fail with this ABI code (abi.Code), and with a
//     message holding message_contains when given.
//
// # Notes
//
// Values are compared as the ABI sees them (abi/README.md section 3.1):
// integers and floats compare by numeric value whatever their msgpack
// format, a map key whose value is nil equals a missing key, and bin equals
// str with the same bytes. Request values keep their YAML types: integers
// are sent as integers and floats as float64, as `gatehouse plugin call`
// does with JSON; timestamps stay the strings they are written as, since
// the ABI has no time type.
package hosttest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host"
)

// Case is one call to a component and what it must give.
type Case struct {
	// Name names the case in reports and subtests; unique in its file.
	Name string
	// Component is the component called, [KIND:][PLUGIN/]NAME (host.Ref):
	// NAME, or KIND:NAME when kinds share the name.
	Component string
	// Export is the call export used; empty means the kind's, and for
	// agents gatehouse_agent_act.
	Export string
	// Request is the request; "component" is filled in when sent.
	Request map[string]any
	// Reset, for agents, is a reset request sent first on the same
	// instance; nil sends none.
	Reset map[string]any
	// Expect is what the call must give.
	Expect Expectation
	// File and Line locate the case in its cases file.
	File string
	Line int
}

// Suite is a cases file: its cases and the plugins it lists.
type Suite struct {
	Cases   []Case
	Plugins []SuitePlugin
}

// SuitePlugin is a plugin a cases file lists as passing its cases.
type SuitePlugin struct {
	// Plugin names the plugin, as whoever runs the suite reads it.
	Plugin string
	// Partial is true for a plugin that provides some of the cases'
	// components only: the cases of the others are skipped (SkipMissing).
	Partial bool
	// Grants is what the plugin must be granted.
	Grants host.Grants
	// Line locates it in its cases file.
	Line int
}

// Expectation is one of: a whole reply, a partial reply, a partial reply
// of patterns or an error.
type Expectation struct {
	// Mode says which of the other fields applies.
	Mode Mode
	// Reply is the expected reply, whole (ModeReply) or in part
	// (ModePartial, ModeMatches).
	Reply map[string]any
	// Patterns are, for ModeMatches, the strings of Reply compiled, by
	// their source.
	Patterns map[string]*regexp.Regexp
	// Code and MessageContains describe the expected error (ModeError).
	Code            abi.Code
	MessageContains string
}

// Mode is how a case's expectation matches.
type Mode string

// The modes of an expectation, named as the case keys.
const (
	ModeReply   Mode = "reply"
	ModePartial Mode = "partial"
	ModeMatches Mode = "matches"
	ModeError   Mode = "error"
)

// yamlLineRE matches the line prefix of yaml's syntax errors.
var yamlLineRE = regexp.MustCompile(`^line (\d+): `)

// nodeLineRE matches the line prefixes of yaml's errors in a node decoded
// alone.
var nodeLineRE = regexp.MustCompile(`(?m)^\s*line \d+: `)

// intLiteralRE matches integers YAML resolves as floats because they do
// not fit in 64 bits.
var intLiteralRE = regexp.MustCompile(`^[-+]?[0-9][0-9_]*$`)

// ErrCases is wrapped by every error of a cases file that is not valid.
var ErrCases = errors.New("invalid cases")

// Load reads the cases of the cases file. Its errors name the file, the
// line and the case, and wrap ErrCases when the file is read but not valid.
func Load(file string) ([]Case, error) {
	s, err := LoadSuite(file)
	return s.Cases, err
}

// LoadSuite reads the cases file with the plugins it lists, with the
// errors of Load.
func LoadSuite(file string) (Suite, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return Suite{}, fmt.Errorf("read cases: %w", err)
	}
	return parse(file, b)
}

// caseError is an error at a line of a cases file.
type caseError struct {
	file string
	line int
	name string // the case, when known
	msg  string
}

func (e *caseError) Error() string {
	var b strings.Builder
	b.WriteString(e.file)
	if e.line > 0 {
		fmt.Fprintf(&b, ":%d", e.line)
	}
	if e.name != "" {
		fmt.Fprintf(&b, ": case %q", e.name)
	}
	return b.String() + ": " + e.msg
}

func (e *caseError) Unwrap() error { return ErrCases }

// parse reads a suite from data, the content of file.
func parse(file string, data []byte) (Suite, error) {
	fail := func(n *yaml.Node, name, format string, args ...any) error {
		line := 0
		if n != nil {
			line = n.Line
		}
		return &caseError{file, line, name, fmt.Sprintf(format, args...)}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return Suite{}, fail(nil, "", "no cases: the file is empty")
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			return Suite{}, &caseError{file, line, "", msg[len(m[0]):]}
		}
		return Suite{}, fail(nil, "", "%s", msg)
	}
	if len(doc.Content) == 0 {
		return Suite{}, fail(nil, "", "no cases: the file is empty")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return Suite{}, fail(root, "", "want a map with the key cases, got %s", describe(root))
	}
	var list *yaml.Node
	var suite Suite
	for i := 0; i < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "cases":
			list = v
		case "plugins":
			var err error
			if suite.Plugins, err = parsePlugins(file, v); err != nil {
				return Suite{}, err
			}
		default:
			return Suite{}, fail(k, "", "unknown key %q; the file has cases and plugins", k.Value)
		}
	}
	if list == nil || list.Kind != yaml.SequenceNode {
		return Suite{}, fail(cmpNode(list, root), "", "cases must be a list of cases")
	}
	if len(list.Content) == 0 {
		return Suite{}, fail(list, "", "no cases: the list is empty")
	}
	seen := map[string]int{}
	suite.Cases = make([]Case, 0, len(list.Content))
	for i, n := range list.Content {
		c, err := parseCase(file, n)
		if err != nil {
			return Suite{}, err
		}
		if c.Name == "" {
			return Suite{}, fail(n, "", "case %d has no name", i+1)
		}
		if line, dup := seen[c.Name]; dup {
			return Suite{}, fail(n, c.Name, "the name is taken by the case at line %d", line)
		}
		seen[c.Name] = c.Line
		suite.Cases = append(suite.Cases, c)
	}
	return suite, nil
}

// parsePlugins reads the list of plugins n.
func parsePlugins(file string, n *yaml.Node) ([]SuitePlugin, error) {
	fail := func(at *yaml.Node, format string, args ...any) error {
		return &caseError{file, at.Line, "", "plugins: " + fmt.Sprintf(format, args...)}
	}
	if n.Kind != yaml.SequenceNode {
		return nil, fail(n, "must be a list of plugins, got %s", describe(n))
	}
	var out []SuitePlugin
	seen := map[string]int{}
	for _, e := range n.Content {
		p := SuitePlugin{Line: e.Line}
		switch e.Kind {
		case yaml.ScalarNode:
			var err error
			if p.Plugin, err = str(e); err != nil {
				return nil, fail(e, "a plugin %v", err)
			}
		case yaml.MappingNode:
			for i := 0; i < len(e.Content); i += 2 {
				k, v := e.Content[i], e.Content[i+1]
				var err error
				switch k.Value {
				case "plugin":
					p.Plugin, err = str(v)
				case "partial":
					if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" {
						err = fmt.Errorf("must be true or false, got %s", describe(v))
					} else {
						err = v.Decode(&p.Partial)
					}
				case "grants":
					err = decodeStrict(v, &p.Grants)
				default:
					return nil, fail(k, "unknown key %q; a plugin has plugin, partial and grants", k.Value)
				}
				if err != nil {
					return nil, fail(v, "%s: %v", k.Value, err)
				}
			}
		default:
			return nil, fail(e, "a plugin must be a name or a map, got %s", describe(e))
		}
		if p.Plugin == "" {
			return nil, fail(e, "a plugin has no name")
		}
		if line, dup := seen[p.Plugin]; dup {
			return nil, fail(e, "%s is listed at line %d too", p.Plugin, line)
		}
		seen[p.Plugin] = p.Line
		out = append(out, p)
	}
	return out, nil
}

// decodeStrict decodes n into v, refusing keys that v has no field for.
func decodeStrict(n *yaml.Node, v any) error {
	b, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	err = dec.Decode(v)
	if err != nil {
		// The lines yaml counts are those of the node alone.
		err = errors.New(nodeLineRE.ReplaceAllString(strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n"), ""))
	}
	return err
}

func cmpNode(n, or *yaml.Node) *yaml.Node {
	if n != nil {
		return n
	}
	return or
}

// parseCase reads one case from n.
func parseCase(file string, n *yaml.Node) (Case, error) {
	c := Case{File: file, Line: n.Line}
	if n.Kind != yaml.MappingNode {
		return c, &caseError{file, n.Line, "", "a case must be a map, got " + describe(n)}
	}
	// The name first, so that every later error names the case.
	for i := 0; i < len(n.Content); i += 2 {
		if k, v := n.Content[i], n.Content[i+1]; k.Value == "name" {
			if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
				return c, &caseError{file, v.Line, "", "name must be a string"}
			}
			c.Name = v.Value
		}
	}
	fail := func(at *yaml.Node, format string, args ...any) error {
		return &caseError{file, at.Line, c.Name, fmt.Sprintf(format, args...)}
	}
	var expects []*yaml.Node
	for i := 0; i < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var err error
		switch k.Value {
		case "name":
		case "component":
			c.Component, err = str(v)
			if err == nil && c.Component == "" {
				err = errors.New("is empty")
			}
		case "export":
			c.Export, err = str(v)
			if err == nil && !isCallExport(c.Export) {
				err = fmt.Errorf("%q is not a call export of a kind", c.Export)
			}
		case "request":
			c.Request, err = mapValue(v)
		case "reset":
			c.Reset, err = mapValue(v)
		case "reply", "partial", "matches":
			c.Expect.Mode = Mode(k.Value)
			c.Expect.Reply, err = mapValue(v)
			if err == nil && c.Expect.Mode == ModeMatches {
				c.Expect.Patterns, err = compilePatterns(c.Expect.Reply)
			}
			expects = append(expects, k)
		case "error":
			c.Expect.Mode = ModeError
			err = parseError(v, &c.Expect)
			expects = append(expects, k)
		default:
			return c, fail(k, "unknown key %q; a case has name, component, export, request, reset and one of reply, partial, matches, error", k.Value)
		}
		if err != nil {
			return c, fail(v, "%s: %v", k.Value, err)
		}
	}
	switch {
	case c.Name == "":
		return c, nil // reported by the caller, which knows the case's index
	case c.Component == "":
		return c, fail(n, "component is missing")
	case len(expects) == 0:
		return c, fail(n, "no expectation: give one of reply, partial, matches, error")
	case len(expects) > 1:
		return c, fail(expects[1], "%s and %s are both given; give one", expects[0].Value, expects[1].Value)
	}
	if c.Request == nil {
		c.Request = map[string]any{}
	}
	return c, nil
}

// compilePatterns compiles every string in v, anchored at both ends.
func compilePatterns(v any) (map[string]*regexp.Regexp, error) {
	out := map[string]*regexp.Regexp{}
	var walk func(v any) error
	walk = func(v any) error {
		switch x := v.(type) {
		case string:
			if _, err := regexp.Compile(x); err != nil {
				return fmt.Errorf("pattern %q: %v", x, err)
			}
			out[x] = regexp.MustCompile(`^(?:` + x + `)$`)
		case []any:
			for _, e := range x {
				if err := walk(e); err != nil {
					return err
				}
			}
		case map[string]any:
			for _, k := range sortedKeys(x) {
				if err := walk(x[k]); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return out, walk(v)
}

// isCallExport reports whether export is the call export of a kind.
func isCallExport(export string) bool {
	for _, k := range abi.Kinds {
		if slices.Contains(k.Exports(), export) {
			return true
		}
	}
	return false
}

func parseError(n *yaml.Node, e *Expectation) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("want a map with code and message_contains, got %s", describe(n))
	}
	for i := 0; i < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		s, err := str(v)
		if err != nil {
			return fmt.Errorf("%s %v (line %d)", k.Value, err, v.Line)
		}
		switch k.Value {
		case "code":
			e.Code = abi.Code(s)
		case "message_contains":
			e.MessageContains = s
		default:
			return fmt.Errorf("unknown key %q (line %d); an error has code and message_contains", k.Value, k.Line)
		}
	}
	if e.Code == "" {
		return errors.New("code is missing")
	}
	return nil
}

// str returns the string of a scalar node.
func str(n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", fmt.Errorf("must be a string, got %s", describe(n))
	}
	return n.Value, nil
}

// mapValue converts a map node; null is an empty map.
func mapValue(n *yaml.Node) (map[string]any, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return map[string]any{}, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("must be a map, got %s", describe(n))
	}
	v, err := value(n)
	if err != nil {
		return nil, err
	}
	return v.(map[string]any), nil
}

// value converts a YAML node to the value sent as msgpack: int64, float64,
// string, bool, nil, []byte (!!binary), []any and map[string]any.
func value(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.AliasNode:
		return value(n.Alias)
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, e := range n.Content {
			v, err := value(e)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i < len(n.Content); i += 2 {
			k, e := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
				return nil, fmt.Errorf("line %d: merge keys (<<) are not supported", k.Line)
			}
			if k.Kind != yaml.ScalarNode || k.Tag != "!!str" {
				return nil, fmt.Errorf("line %d: map keys must be strings (abi/README.md 3.1), got %s; quote it", k.Line, describe(k))
			}
			if _, dup := out[k.Value]; dup {
				return nil, fmt.Errorf("line %d: key %q repeated", k.Line, k.Value)
			}
			v, err := value(e)
			if err != nil {
				return nil, err
			}
			out[k.Value] = v
		}
		return out, nil
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			err := n.Decode(&b)
			return b, err
		case "!!int":
			var i int64
			if err := n.Decode(&i); err != nil {
				return nil, fmt.Errorf("line %d: integer %s does not fit in int64", n.Line, n.Value)
			}
			return i, nil
		case "!!float":
			if intLiteralRE.MatchString(n.Value) {
				return nil, fmt.Errorf("line %d: integer %s does not fit in int64", n.Line, n.Value)
			}
			var f float64
			err := n.Decode(&f)
			return f, err
		case "!!binary":
			// yaml decodes the base64 into a string of the bytes.
			var b string
			err := n.Decode(&b)
			return []byte(b), err
		default: // !!str, !!timestamp and custom tags keep their text
			return n.Value, nil
		}
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

// describe names a node's type for error messages.
func describe(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.Tag {
	case "!!null":
		return "null"
	case "!!int", "!!float":
		return "the number " + n.Value
	case "!!bool":
		return n.Value
	}
	return strconv.Quote(n.Value)
}
