package hosttest

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host"
)

func TestParse(t *testing.T) {
	s, err := parse("cases.yaml", []byte(`
cases:
  - name: all types
    component: environment:echo
    export: gatehouse_environment
    request:
      int: 7
      big: 9007199254740993
      neg: -3
      float: 0.5
      str: "7"
      time: 2026-11-22T23:30:00-01:00
      bool: true
      nil: null
      list: [1, a, {b: 2}]
      bin: !!binary AAH/
    reply: {value: 1}
  - name: agent
    component: greedy
    reset: {actor: red}
    request:
    partial: {action: {kind: wait}}
  - name: error
    component: weekday
    error: {code: not_found, message_contains: month}
`))
	if err != nil {
		t.Fatal(err)
	}
	cases := s.Cases
	if len(s.Plugins) != 0 {
		t.Errorf("plugins = %+v, want none", s.Plugins)
	}
	if len(cases) != 3 {
		t.Fatalf("%d cases, want 3", len(cases))
	}
	want := map[string]any{
		"int": int64(7), "big": int64(9007199254740993), "neg": int64(-3), "float": 0.5, "str": "7",
		"time": "2026-11-22T23:30:00-01:00", "bool": true, "nil": nil,
		"list": []any{int64(1), "a", map[string]any{"b": int64(2)}},
		"bin":  []byte{0, 1, 0xff},
	}
	c := cases[0]
	if !reflect.DeepEqual(c.Request, want) {
		t.Errorf("request = %#v\nwant %#v", c.Request, want)
	}
	if c.Line != 3 || c.File != "cases.yaml" || c.Export != abi.ExportEnvironment || c.Expect.Mode != ModeReply {
		t.Errorf("case = %+v", c)
	}
	if c := cases[1]; c.Reset["actor"] != "red" || c.Request == nil || len(c.Request) != 0 || c.Expect.Mode != ModePartial {
		t.Errorf("agent case = %+v", c)
	}
	if e := cases[2].Expect; e.Mode != ModeError || e.Code != abi.CodeNotFound || e.MessageContains != "month" {
		t.Errorf("error expectation = %+v", e)
	}
}

// TestParseErrors checks that each error names the file, the line and the
// case.
func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		name, yaml, want string
	}{
		{"empty", "", "cases.yaml: no cases: the file is empty"},
		{"syntax", "cases: [\n", "cases.yaml:1: did not find expected node content"},
		{"not a map", "- a\n", "cases.yaml:1: want a map with the key cases, got a list"},
		{"unknown top key", "tests: []\n", `cases.yaml:1: unknown key "tests"`},
		{"no list", "cases: 3\n", "cases.yaml:1: cases must be a list of cases"},
		{"empty list", "cases: []\n", "cases.yaml:1: no cases: the list is empty"},
		{"case not a map", "cases:\n  - 3\n", "cases.yaml:2: a case must be a map, got the number 3"},
		{"no name", "cases:\n  - component: a\n    reply: {}\n", "cases.yaml:2: case 1 has no name"},
		{"no component", "cases:\n  - name: x\n    reply: {}\n", `cases.yaml:2: case "x": component is missing`},
		{"unknown key", "cases:\n  - name: x\n    component: a\n    expect: {}\n", `cases.yaml:4: case "x": unknown key "expect"`},
		{"no expectation", "cases:\n  - name: x\n    component: a\n", `cases.yaml:2: case "x": no expectation`},
		{"two expectations", "cases:\n  - name: x\n    component: a\n    reply: {}\n    partial: {}\n", `cases.yaml:5: case "x": reply and partial are both given; give one`},
		{"request not a map", "cases:\n  - name: x\n    component: a\n    request: [1]\n    reply: {}\n", `cases.yaml:4: case "x": request: must be a map, got a list`},
		{"non-string key", "cases:\n  - name: x\n    component: a\n    request:\n      1: a\n    reply: {}\n", `case "x": request: line 5: map keys must be strings`},
		{"bad export", "cases:\n  - name: x\n    component: a\n    export: main\n    reply: {}\n", `cases.yaml:4: case "x": export: "main" is not a call export`},
		{"error without code", "cases:\n  - name: x\n    component: a\n    error: {message_contains: b}\n", `cases.yaml:4: case "x": error: code is missing`},
		{"error unknown key", "cases:\n  - name: x\n    component: a\n    error: {code: a, message: b}\n", `case "x": error: unknown key "message"`},
		{"duplicate name", "cases:\n  - {name: x, component: a, reply: {}}\n  - {name: x, component: a, reply: {}}\n", `cases.yaml:3: case "x": the name is taken by the case at line 2`},
		{"bad pattern", "cases:\n  - name: x\n    component: a\n    matches: {value: [ok, '(']}\n", `cases.yaml:4: case "x": matches: pattern "(": error parsing regexp: missing closing )`},
		{"plugins not a list", "plugins: a\ncases: []\n", "cases.yaml:1: plugins: must be a list of plugins, got \"a\""},
		{"plugin not a name", "plugins: [[a]]\n", "cases.yaml:1: plugins: a plugin must be a name or a map, got a list"},
		{"plugin without a name", "plugins:\n  - {partial: true}\n", "cases.yaml:2: plugins: a plugin has no name"},
		{"plugin listed twice", "plugins:\n  - a\n  - {plugin: a}\n", "cases.yaml:3: plugins: a is listed at line 2 too"},
		{"plugin unknown key", "plugins:\n  - {plugin: a, lang: c}\n", `cases.yaml:2: plugins: unknown key "lang"`},
		{"plugin partial not a bool", "plugins:\n  - {plugin: a, partial: yes please}\n", "cases.yaml:2: plugins: partial: must be true or false"},
		{"plugin unknown grant", "plugins:\n  - plugin: a\n    grants: {log: true, disk: true}\n", "cases.yaml:3: plugins: grants: field disk not found"},
		{"integer too big", "cases:\n  - name: x\n    component: a\n    request: {n: 99999999999999999999}\n    reply: {}\n", "line 4: integer 99999999999999999999 does not fit in int64"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse("cases.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
			if !errors.Is(err, ErrCases) {
				t.Errorf("error %v does not wrap ErrCases", err)
			}
		})
	}
}

func TestParsePlugins(t *testing.T) {
	s, err := parse("cases.yaml", []byte(`
plugins:
  - go/basics
  - {plugin: c/c-echo-extism, partial: true}
  - plugin: go/acl-jsonsetter
    grants: {http: {}, kv: true}
cases:
  - {name: x, component: a, reply: {}}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []SuitePlugin{
		{Plugin: "go/basics", Line: 3},
		{Plugin: "c/c-echo-extism", Partial: true, Line: 4},
		{Plugin: "go/acl-jsonsetter", Grants: host.Grants{HTTP: &host.HTTPGrant{}, KV: host.KVGrant{Granted: true}}, Line: 5},
	}
	if !reflect.DeepEqual(s.Plugins, want) || len(s.Cases) != 1 {
		t.Errorf("plugins = %+v\nwant %+v", s.Plugins, want)
	}
}

func TestLoad(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte("cases:\n  - {name: x, component: a}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(file); err == nil || !strings.HasPrefix(err.Error(), file+":2: ") {
		t.Errorf("error = %v, want it to start with the file and line", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "none.yaml")); err == nil || errors.Is(err, ErrCases) {
		t.Errorf("missing file: error = %v, want a read error", err)
	}
}

func TestParseMatches(t *testing.T) {
	s, err := parse("cases.yaml", []byte(`
cases:
  - name: time
    component: time
    request: {key: time}
    matches: {value: '\d\d:\d\d', n: 3, more: {list: ['a|b', x]}}
`))
	if err != nil {
		t.Fatal(err)
	}
	e := s.Cases[0].Expect
	if e.Mode != ModeMatches || len(e.Patterns) != 3 {
		t.Fatalf("expectation = %+v, want matches with 3 patterns", e)
	}
	for src, text := range map[string]string{`\d\d:\d\d`: "12:30", "a|b": "b", "x": "x"} {
		if re := e.Patterns[src]; re == nil || !re.MatchString(text) || re.MatchString(text+text) {
			t.Errorf("pattern %q = %v: want it to match %q whole only", src, re, text)
		}
	}
}
