package hosttest

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
)

func TestCheck(t *testing.T) {
	reply := func(m map[string]any) Expectation { return Expectation{Mode: ModeReply, Reply: m} }
	partial := func(m map[string]any) Expectation { return Expectation{Mode: ModePartial, Reply: m} }
	matches := func(m map[string]any) Expectation {
		p, err := compilePatterns(m)
		if err != nil {
			t.Fatal(err)
		}
		return Expectation{Mode: ModeMatches, Reply: m, Patterns: p}
	}
	// got is a reply as the host decodes it: numbers in their msgpack
	// formats, bin for some strings, nil for missing keys.
	got := map[string]any{
		"status":      uint8(200),
		"status_text": nil,
		"results": map[string]any{
			"versions": []any{"1.0"},
			"risk":     0.5,
			"ratio":    float32(0.1),
			"id":       []byte("abc"),
			"count":    int16(3),
		},
	}
	for _, tt := range []struct {
		name   string
		expect Expectation
		reply  map[string]any
		err    error
		diff   []string // the lines expected, each as a substring
	}{
		{"exact", reply(map[string]any{"status": int64(200), "results": map[string]any{
			"versions": []any{"1.0"}, "risk": 0.5, "ratio": 0.1, "id": "abc", "count": 3.0}}), got, nil, nil},
		{"exact: nil equals missing", reply(map[string]any{"status": 200, "status_text": nil, "results": map[string]any{
			"versions": []any{"1.0"}, "risk": 0.5, "ratio": 0.1, "id": "abc", "count": 3}}), got, nil, nil},
		{"exact: a key missing and one too many", reply(map[string]any{"status": 200, "status_text": "ok"}), got, nil,
			[]string{`status_text: missing, want "ok"`, `results: not expected, got {"count":3,`}},
		{"exact: wrong number", reply(map[string]any{"status": 201, "results": map[string]any{
			"versions": []any{"1.0"}, "risk": 0.5, "ratio": 0.1, "id": "abc", "count": 3}}), got, nil,
			[]string{"status: got 200, want 201"}},
		{"partial", partial(map[string]any{"results": map[string]any{"risk": 0.5}}), got, nil, nil},
		{"partial: nested difference", partial(map[string]any{"results": map[string]any{"versions": []any{"2.0"}}}), got, nil,
			[]string{`results.versions[0]: got "1.0", want "2.0"`}},
		{"partial: lists are exact", partial(map[string]any{"results": map[string]any{"versions": []any{}}}), got, nil,
			[]string{`results.versions: got 1 elements ["1.0"], want 0 []`}},
		{"partial: maps in lists are exact", partial(map[string]any{"l": []any{map[string]any{"a": 1}}}),
			map[string]any{"l": []any{map[string]any{"a": 1, "b": 2}}}, nil, []string{`l[0].b: not expected, got 2`}},
		{"partial: type", partial(map[string]any{"status": "200"}), got, nil, []string{`status: got 200, want "200"`}},
		{"matches", matches(map[string]any{"status": "2[0-9]{2}", "results": map[string]any{
			"versions": []any{`1\.\d+`}, "risk": `0\.\d`, "ratio": 0.1, "id": "a.c"}}), got, nil, nil},
		{"matches: a boolean and a uint64", matches(map[string]any{"ok": "true|false", "big": "[0-9]+"}),
			map[string]any{"ok": true, "big": uint64(1 << 63), "more": 1}, nil, nil},
		{"matches: whole values only", matches(map[string]any{"status": "20", "results": map[string]any{"id": "b"}}), got, nil,
			[]string{`results.id: got "abc", want a match of "b"`, `status: got 200, want a match of "20"`}},
		{"matches: not a scalar", matches(map[string]any{"results": ".*"}), got, nil,
			[]string{`results: got {"count":3,`}},
		{"matches: a key missing", matches(map[string]any{"status_text": ".*"}), got, nil,
			[]string{`status_text: missing, want ".*"`}},
		{"error", Expectation{Mode: ModeError, Code: abi.CodeNotFound, MessageContains: "month"}, nil,
			&abi.Error{Code: abi.CodeNotFound, Message: `no key "month"`}, nil},
		{"error wrapped", Expectation{Mode: ModeError, Code: abi.CodeNotFound}, nil,
			errors.Join(errors.New("x"), &abi.Error{Code: abi.CodeNotFound}), nil},
		{"error: other code", Expectation{Mode: ModeError, Code: abi.CodeNotFound}, nil,
			&abi.Error{Code: abi.CodeInvalidRequest, Message: "bad"}, []string{"got error invalid_request: bad, want error not_found"}},
		{"error: other message", Expectation{Mode: ModeError, Code: abi.CodeNotFound, MessageContains: "month"}, nil,
			&abi.Error{Code: abi.CodeNotFound, Message: "day"}, []string{`want error not_found with a message containing "month"`}},
		{"error: a reply", Expectation{Mode: ModeError, Code: abi.CodeNotFound}, map[string]any{"value": 1}, nil,
			[]string{`got reply {"value":1}, want error not_found`}},
		{"reply: an error", reply(map[string]any{"value": 1}), nil, &abi.Error{Code: abi.CodeDenied, Message: "no"},
			[]string{`got error denied: no, want reply {"value":1}`}},
		{"reply: a plain error", reply(map[string]any{}), nil, errors.New("boom"), []string{"got error internal: boom"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := normalize(tt.expect.Reply)
			lines := check(tt.expect, tt.reply, tt.err)
			if len(lines) != len(tt.diff) {
				t.Fatalf("diff:\n%s\nwant %d lines: %q", strings.Join(lines, "\n"), len(tt.diff), tt.diff)
			}
			for i, w := range tt.diff {
				if !strings.Contains(lines[i], w) {
					t.Errorf("diff line %d = %q, want it to contain %q", i, lines[i], w)
				}
			}
			if after := normalize(tt.expect.Reply); !reflect.DeepEqual(before, after) {
				t.Errorf("check modified the expectation")
			}
		})
	}
}
