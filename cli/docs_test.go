package cli_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/doctest"
	"github.com/gatehouse/gatehouse/internal/slpftest"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// startDryRunSLPF runs gatehouse serve with both SLPF actuators granted
// as the embedded default does, in dry run: they answer as they would on a
// packet filter and change nothing, so no root is needed.
func startDryRunSLPF(t *testing.T) *serving {
	t.Helper()
	files := map[string]string{}
	for _, a := range slpftest.Actuators {
		files[a.Name+".wasm"] = a.Build(t)
	}
	dir := t.TempDir()
	config := writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf("cache_dir: %q\nstore: %q\nlog: {format: json}\n",
		wasmbuild.CacheDir(t, "wazero"), filepath.Join(dir, "store.db")))
	s := startServe(t, &http.Client{}, "--config", config, "--plugins", pluginDir(t, files), "--listen", "127.0.0.1:0")
	s.waitReady(t)
	return s
}

// sendLine is a line of a shell example that pipes a command to gatehouse
// send.
var sendLine = regexp.MustCompile(`(?m)^echo '(\{[^']*\})' \| gatehouse send `)

// TestDocCommandExamples sends each OpenC2 command example of
// docs/openc2.md and docs/slpf.md, in order, to gatehouse serve with both
// SLPF actuators in dry run, and checks the answer against the response
// example the document shows right after it. A command example is a JSON
// block holding a command or a command message, or a command a shell
// example pipes to gatehouse send; each must be followed by its response.
func TestDocCommandExamples(t *testing.T) {
	t.Parallel()
	s := startDryRunSLPF(t)
	for _, doc := range []string{"docs/openc2.md", "docs/slpf.md"} {
		examples := doctest.Examples(t, doc)
		commands := 0
		for i, ex := range examples {
			var sent [][]byte
			switch ex.Lang {
			case "json":
				if body, ok := commandMessage(t, doc, ex.Text); ok {
					sent = append(sent, body)
				}
			case "sh":
				for _, m := range sendLine.FindAllSubmatch(ex.Text, -1) {
					body, ok := commandMessage(t, doc, m[1])
					if !ok {
						t.Fatalf("%s: gatehouse send is given no command: %s", doc, m[0])
					}
					sent = append(sent, body)
				}
			}
			if len(sent) == 0 {
				continue
			}
			var want map[string]any
			var wantText []byte
			if i+1 < len(examples) && examples[i+1].Lang == "json" {
				want, wantText = responseExample(examples[i+1].Text), examples[i+1].Text
			}
			if want == nil {
				t.Errorf("%s: the command example is followed by no response example:\n%s", doc, ex.Text)
				continue
			}
			for _, body := range sent {
				commands++
				status, got := s.post(t, fmt.Sprintf("doc-%d", commands), body)
				if want := openc2HTTPStatus(want["status"]); status != want {
					t.Errorf("%s: HTTP %d, want %d for\n%s", doc, status, want, body)
				}
				if err := matchResponse(want, got); err != nil {
					t.Errorf("%s: %v\ncommand: %s\ngot:  %v\nwant: %s", doc, err, body, got, wantText)
				}
			}
		}
		if commands == 0 {
			t.Errorf("%s: no command example", doc)
		}
	}
	s.stop(t)
}

// commandMessage returns the command message that example, a JSON block of
// doc, stands for: a message holding a command as it is, a command wrapped
// in one. It returns false for any other example.
func commandMessage(t *testing.T, doc string, example []byte) ([]byte, bool) {
	t.Helper()
	var top struct {
		Action json.RawMessage `json:"action"`
		Body   *struct {
			OpenC2 struct {
				Request json.RawMessage `json:"request"`
			} `json:"openc2"`
		} `json:"body"`
	}
	if err := json.Unmarshal(example, &top); err != nil {
		t.Fatalf("%s: example is not JSON: %v\n%s", doc, err, example)
	}
	switch {
	case top.Action != nil:
		return fmt.Appendf(nil, `{"body":{"openc2":{"request":%s}}}`, example), true
	case top.Body != nil && top.Body.OpenC2.Request != nil:
		return example, true
	}
	return nil, false
}

// responseExample returns the response example holds, bare or in a
// message, or nil if it holds none.
func responseExample(example []byte) map[string]any {
	var top map[string]any
	if json.Unmarshal(example, &top) != nil {
		return nil
	}
	if body, ok := top["body"].(map[string]any); ok {
		oc2, _ := body["openc2"].(map[string]any)
		top, _ = oc2["response"].(map[string]any)
	}
	if top["status"] == nil {
		return nil
	}
	return top
}

// openc2HTTPStatus is the HTTP status that carries the OpenC2 status st
// (a JSON number): the same, but 200 for 102.
func openc2HTTPStatus(st any) int {
	n, _ := st.(float64)
	if n == 102 {
		return http.StatusOK
	}
	return int(n)
}

// matchResponse checks got, a consumer's response, against want, a
// response example of the docs. The status is the same; so are the
// results, but for a rule number, which the consumer counts and so only
// has to be there; a status_text the example shows is the same, up to the
// "..." it ends with, if any, and one it leaves out is not compared.
func matchResponse(want, got map[string]any) error {
	if want["status"] != got["status"] {
		return fmt.Errorf("status %v, want %v", got["status"], want["status"])
	}
	if text, ok := want["status_text"].(string); ok {
		g, _ := got["status_text"].(string)
		if prefix, cut := strings.CutSuffix(text, "..."); !(cut && strings.HasPrefix(g, prefix)) && g != text {
			return fmt.Errorf("status_text %q, want %q", g, text)
		}
	}
	wantResults, gotResults := anyRuleNumber(want["results"], got["results"]), got["results"]
	if !reflect.DeepEqual(wantResults, gotResults) {
		return fmt.Errorf("results %v, want %v", gotResults, want["results"])
	}
	return nil
}

// anyRuleNumber returns want with the rule number of its slpf results
// replaced by got's, when got has a positive one.
func anyRuleNumber(want, got any) any {
	w, _ := want.(map[string]any)
	g, _ := got.(map[string]any)
	ws, _ := w["slpf"].(map[string]any)
	gs, _ := g["slpf"].(map[string]any)
	n, ok := gs["rule_number"].(float64)
	if ws["rule_number"] == nil || !ok || n < 1 {
		return want
	}
	ws = maps.Clone(ws)
	ws["rule_number"] = n
	w = maps.Clone(w)
	w["slpf"] = ws
	return w
}

// sampleTargets are a value of each target type the table of docs/slpf.md
// names but slpf:rule_number, which is the number of a rule just added.
var sampleTargets = map[string]any{
	"ipv4_connection": map[string]any{"protocol": "tcp", "dst_port": 22},
	"ipv6_connection": map[string]any{"protocol": "udp", "src_addr": "2001:db8::/32", "dst_port": 53},
	"ipv4_net":        "198.51.100.0/24",
	"ipv6_net":        "2001:db8::/32",
	"file":            map[string]any{"path": "rules.txt"},
	"features":        []any{},
	"domain_name":     "example.com",
}

// sampleArgs are a value of each argument the table of docs/slpf.md names
// but those whose value the test computes.
var sampleArgs = map[string]any{
	"slpf.direction":     "ingress",
	"slpf.drop_process":  "reject",
	"slpf.persistent":    false,
	"response_requested": "complete",
	"duration":           60000,
	"x-acme":             map[string]any{"level": 1},
}

// supportRow is a row of the table of docs/slpf.md that says, per
// actuator, what is supported.
var supportRow = regexp.MustCompile("(?m)^\\| `([a-z]+)` \\| `([a-z0-9_:]+)` \\| ([^|]*)\\| ([0-9]{3}) \\| ([0-9]{3}) \\|$")

// supportHeader heads that table; its columns follow slpftest.Actuators.
const supportHeader = "| action | target | arguments | slpf-nftables | slpf-iptables |"

// TestSLPFDocSupport sends the command of each row of the table of
// docs/slpf.md that says what each actuator supports, to each actuator in
// turn (named by its asset_id), through gatehouse serve in dry run, and
// checks the status the row gives it.
func TestSLPFDocSupport(t *testing.T) {
	t.Parallel()
	text := string(doctest.Read(t, "docs/slpf.md"))
	if !strings.Contains(text, supportHeader) {
		t.Fatalf("docs/slpf.md has no table headed %s", supportHeader)
	}
	for i, a := range slpftest.Actuators {
		if col := strings.Split(supportHeader, " | ")[3+i]; strings.Trim(col, " |") != a.Name {
			t.Fatalf("the table's column %d is %s, not %s", 4+i, col, a.Name)
		}
	}
	rows := supportRow.FindAllStringSubmatch(text, -1)
	if len(rows) == 0 {
		t.Fatal("docs/slpf.md: the table of what each actuator supports has no row")
	}
	s := startDryRunSLPF(t)
	later := time.Now().Add(time.Hour)
	// The consumer hands out numbers above the highest it holds, so
	// insert_rule counts down to stay clear of them.
	insert := 1000
	for j, a := range slpftest.Actuators {
		var lastRule float64 // the rule number of the last allow or deny a answered
		for i, row := range rows {
			action, target, want := row[1], row[2], row[4+j]
			var targetValue any
			switch target {
			case "slpf:rule_number":
				if lastRule == 0 {
					t.Fatalf("%s: no allow or deny above to delete the rule of", row[0])
				}
				targetValue = lastRule
			default:
				var ok bool
				if targetValue, ok = sampleTargets[target]; !ok {
					t.Fatalf("%s: no sample of target %s in the test", row[0], target)
				}
			}
			args := map[string]any{}
			for name := range strings.SplitSeq(strings.TrimSpace(row[3]), ",") {
				name = strings.Trim(strings.TrimSpace(name), "`")
				var v any
				switch name {
				case "":
					continue
				case "slpf.insert_rule":
					v = insert
					insert--
				case "start_time":
					v = later.UnixMilli()
				case "stop_time":
					v = later.Add(time.Hour).UnixMilli()
				default:
					var ok bool
					if v, ok = sampleArgs[name]; !ok {
						t.Fatalf("%s: no sample of argument %s in the test", row[0], name)
					}
				}
				if sub, ok := strings.CutPrefix(name, "slpf."); ok {
					slpf, _ := args["slpf"].(map[string]any)
					if slpf == nil {
						slpf = map[string]any{}
						args["slpf"] = slpf
					}
					slpf[sub] = v
				} else {
					args[name] = v
				}
			}
			command := map[string]any{
				"action":   action,
				"target":   map[string]any{target: targetValue},
				"actuator": map[string]any{"slpf": map[string]any{"asset_id": a.Component}},
			}
			if len(args) > 0 {
				command["args"] = args
			}
			cb, err := json.Marshal(map[string]any{"body": map[string]any{"openc2": map[string]any{"request": command}}})
			if err != nil {
				t.Fatal(err)
			}
			_, got := s.post(t, fmt.Sprintf("support-%s-%d", a.Name, i), cb)
			if w, _ := strconv.Atoi(want); got["status"] != float64(w) {
				t.Errorf("%s: %s answered %v, the table says %s\ncommand: %s\nresponse: %v", row[0], a.Name, got["status"], want, cb, got)
			}
			if results, ok := got["results"].(map[string]any); ok && (action == "allow" || action == "deny") {
				if n, ok := results["slpf"].(map[string]any)["rule_number"].(float64); ok {
					lastRule = n
				}
			}
		}
	}
	s.stop(t)
}
