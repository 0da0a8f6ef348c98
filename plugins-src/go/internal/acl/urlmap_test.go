package acl

import (
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
)

func TestURLMap(t *testing.T) {
	music := `(?P<artist>[\w ]+)/(?P<album>[\w ]+)/(?P<track>[\w ]+)`
	for _, tt := range []struct {
		name     string
		path     string
		mappings []any
		want     map[string]any
	}{
		{"ARPOC's example", "/Rise Against/Appeal to Reason/Entertainment", []any{music},
			map[string]any{"artist": "Rise Against", "album": "Appeal to Reason", "track": "Entertainment"}},
		{"the whole path must match", "/Rise Against/Appeal to Reason/Entertainment/extra", []any{music}, map[string]any{}},
		{"a prefix needs .*", "/docs/2024/report.pdf", []any{`(?P<section>[^/]+)/.*`, `(?P<section>[^/]+)`},
			map[string]any{"section": "docs"}},
		{"later mappings override", "/docs/a", []any{`(?P<kind>docs)/(?P<id>.*)`, `(?<kind>\w+)/.*`, `nothing`},
			map[string]any{"kind": "docs", "id": "a"}},
		{"groups that do not take part", "/a", []any{`(?P<x>a)|(?P<y>b)`}, map[string]any{"x": "a"}},
		{"unnamed groups", "/a/b", []any{`(a)/(?P<second>b)`}, map[string]any{"second": "b"}},
		{"empty group", "/a/", []any{`a/(?P<rest>.*)`}, map[string]any{"rest": ""}},
		{"root", "/", []any{`(?P<all>.*)`}, map[string]any{"all": ""}},
		{"only one slash goes", "//a", []any{`/(?P<x>a)`}, map[string]any{"x": "a"}},
		{"alternation is anchored as a whole", "/ab", []any{`a|(?P<x>ab)`}, map[string]any{"x": "ab"}},
		{"no mappings", "/a", []any{}, map[string]any{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			config := map[string]any{"mappings": tt.mappings, "enable": true, "priority": 32}
			object := map[string]any{"service": "music"}
			keep := maps.Clone(object)
			got, err := new(urlmap).set(abi.ObjectRequest{Component: "urlmap", Object: object, Path: tt.path, Config: config})
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("attributes = %v, %v; want %v", got, err, tt.want)
			}
			if !reflect.DeepEqual(object, keep) {
				t.Errorf("the object changed: %v", object)
			}
		})
	}
}

func TestURLMapConfigErrors(t *testing.T) {
	// RE2 takes deep alone, but not inside the anchors urlmap adds
	deep := strings.Repeat("(", 999) + "a" + strings.Repeat(")", 999)
	for _, tt := range []struct {
		name   string
		config map[string]any
		want   string
	}{
		{"no config", nil, "urlmap: config mappings is missing; list the regular expressions to match the path with"},
		{"nil mappings", map[string]any{"mappings": nil}, "urlmap: config mappings is missing; list the regular expressions to match the path with"},
		{"not a list", map[string]any{"mappings": "(?P<a>.*)"}, "urlmap: config mappings: want a list of regular expressions"},
		{"not a string", map[string]any{"mappings": []any{".*", 7}}, "urlmap: config mappings[1]: want a regular expression, a string"},
		{"bad expression", map[string]any{"mappings": []any{"(?P<a>"}}, "urlmap: config mappings[0]: error parsing regexp: missing closing ): `(?P<a>`"},
		{"bad group name", map[string]any{"mappings": []any{"(?P<a-b>x)"}}, "urlmap: config mappings[0]: error parsing regexp: invalid named capture: `(?P<a-b>`"},
		{"too deep with the anchors", map[string]any{"mappings": []any{deep}}, "urlmap: config mappings[0]: error parsing regexp: expression nests too deeply: `" + deep + "`"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := new(urlmap).set(abi.ObjectRequest{Path: "/a", Config: tt.config})
			if e, ok := errors.AsType[*abi.Error](err); !ok || e.Code != abi.CodeInvalidRequest || e.Message != tt.want {
				t.Errorf("error = %v, want invalid_request: %s", err, tt.want)
			}
		})
	}
}

func TestURLMapCachesExpressions(t *testing.T) {
	u := new(urlmap)
	req := abi.ObjectRequest{Path: "/x", Config: map[string]any{"mappings": []any{`(?P<a>x)`, `(?P<b>.)`}}}
	for range 3 {
		if got, err := u.set(req); err != nil || len(got) != 2 {
			t.Fatalf("attributes = %v, %v", got, err)
		}
	}
	if len(u.compiled) != 2 {
		t.Errorf("%d expressions cached, want 2", len(u.compiled))
	}
}
