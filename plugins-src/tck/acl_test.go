package tck_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/plugins-src/tck"
)

// The access-control reference plugins of every language provide ARPOC's
// obligations, environment setters and object setters under ARPOC's names.
// The shared suites (TestSuites) check what a case can; these tests
// check what depends on the clock, the log and a web service.

// aclHost returns a started host serving the plugin p alone, granted what
// its suites grant it, log and clock, or for an http grant the http
// capability to httpHosts; the host's log goes to logs when it is not nil.
func aclHost(t *testing.T, p tck.Plugin, httpHosts []string, logs io.Writer) *host.Host {
	t.Helper()
	grants := p.Grants
	if grants.HTTP != nil {
		grants.HTTP = &host.HTTPGrant{Hosts: httpHosts}
	}
	cfg := host.Config{
		Plugins: map[string]host.PluginConfig{p.Name: {Grants: grants}},
		Limits:  host.Limits{Timeout: time.Minute}, // the race detector is slow
	}
	if logs != nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	}
	h := newHost(t, cfg, p.Build(t))
	mustLoad(t, h, p.Name)
	return h
}

// aclPlugins returns the access-control plugins that pass suite: with
// http, those granted http, or those without.
func aclPlugins(t *testing.T, suite string, http bool) []tck.Plugin {
	t.Helper()
	var out []tck.Plugin
	for _, p := range tck.Load(t, suite).Plugins {
		if (p.Grants.HTTP != nil) == http {
			out = append(out, p)
		}
	}
	return out
}

// timeValues give the value of each time attribute at a time in UTC, as
// ARPOC documents them.
var timeValues = map[string]func(time.Time) any{
	"time": func(t time.Time) any { return fmt.Sprintf("%02d:%02d:%02d", t.Hour(), t.Minute(), t.Second()) },
	"datetime": func(t time.Time) any {
		return fmt.Sprintf("%04d-%02d-%02d %02d:%02d:%02d", t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second())
	},
	"time_hour":   func(t time.Time) any { return int64(t.Hour()) },
	"time_minute": func(t time.Time) any { return int64(t.Minute()) },
	"time_second": func(t time.Time) any { return int64(t.Second()) },
}

// TestACLTimeAttributes checks that each time attribute is the host's time
// in UTC, at one of the seconds the call spanned.
func TestACLTimeAttributes(t *testing.T) {
	for _, p := range aclPlugins(t, tck.ACLEnvironmentSuite, false) {
		t.Run(p.Name, func(t *testing.T) {
			h := aclHost(t, p, nil, nil)
			for key, value := range timeValues {
				for range 3 {
					before := time.Now().UTC()
					rep, err := h.Environment(t.Context(), key, abi.EnvironmentRequest{Key: key})
					after := time.Now().UTC()
					if err != nil {
						t.Fatalf("%s: %v", key, err)
					}
					var spanned []any
					for s := before.Truncate(time.Second); !s.After(after); s = s.Add(time.Second) {
						spanned = append(spanned, value(s))
					}
					if got := normalize(rep.Value); !slices.Contains(spanned, got) {
						t.Errorf("%s = %#v, want one of %#v (the call ran from %s to %s)", key, got, spanned, before, after)
					}
				}
			}
		})
	}
}

// TestACLObligationLogs checks what each log obligation writes to the
// host's log, for every decision, with and without a log_format.
func TestACLObligationLogs(t *testing.T) {
	// nest returns v in n arrays of one item.
	nest := func(n int, v any) any {
		for range n {
			v = []any{v}
		}
		return v
	}
	ctx := abi.Context{
		Subject: map[string]any{"email": "ada@example.com", "groups": []any{"ops", "dev"}, "level": int64(3), "ratio": 0.25,
			"deep": nest(120, "x")},
		Object:      map[string]any{"service": "docs", "path": "a/b", "owner": map[string]any{"id": "u1"}, "public": false},
		Environment: map[string]any{"time_hour": int64(9), "note": "tab\there, \"quoted\" \\ é"},
	}
	logged := map[string][]abi.Decision{
		"obl_log":            {abi.DecisionGrant, abi.DecisionDeny, abi.DecisionNotApplicable},
		"obl_log_successful": {abi.DecisionGrant},
		"obl_log_failed":     {abi.DecisionDeny, abi.DecisionNotApplicable},
	}
	const format = "{} subject.email accessed object.service [object.path] owner object.owner.id level subject.level -- object.target_url."
	// goLines are the lines the Go plugin, the first, logs, by obligation
	// and decision: the others log the same text, keys sorted alike.
	goLines := map[string]string{}
	for _, p := range aclPlugins(t, tck.ACLObligationSuite, false) {
		t.Run(p.Name, func(t *testing.T) {
			var mu sync.Mutex
			var logs bytes.Buffer
			h := aclHost(t, p, nil, &lockedWriter{mu: &mu, w: &logs})
			// lines calls the obligation and returns the lines it logs.
			lines := func(name string, req abi.ObligeRequest) []string {
				t.Helper()
				mu.Lock()
				logs.Reset()
				mu.Unlock()
				rep, err := h.Oblige(t.Context(), name, req)
				if err != nil || !rep.Fulfilled {
					t.Fatalf("%s %s = %+v, %v; want fulfilled", name, req.Decision, rep, err)
				}
				mu.Lock()
				defer mu.Unlock()
				return pluginLogLines(t, logs.Bytes(), p.Name)
			}
			for name, decisions := range logged {
				for _, d := range []abi.Decision{abi.DecisionGrant, abi.DecisionDeny, abi.DecisionNotApplicable} {
					got := lines(name, abi.ObligeRequest{Decision: d, Context: ctx})
					if !slices.Contains(decisions, d) {
						if len(got) != 0 {
							t.Errorf("%s logs %q on %s, want nothing", name, got, d)
						}
						continue
					}
					prefix := name + ": " + string(d) + " "
					if len(got) != 1 || !strings.HasPrefix(got[0], prefix) {
						t.Fatalf("%s logs %q on %s, want one line starting with %q", name, got, d, prefix)
					}
					logged, err := abi.DecodeJSONObject([]byte(strings.TrimPrefix(got[0], prefix)))
					if err != nil {
						t.Fatalf("%s on %s: the context is not JSON: %v: %q", name, d, err, got[0])
					}
					// Values nested deeper than 100 levels below a category are null.
					want := map[string]any{"subject": maps.Clone(ctx.Subject), "object": ctx.Object, "environment": ctx.Environment}
					want["subject"].(map[string]any)["deep"] = nest(100, nil)
					if !reflect.DeepEqual(normalize(logged), normalize(want)) {
						t.Errorf("%s on %s logs the context %v\nwant %v", name, d, logged, want)
					}
					key := name + " " + string(d)
					if goLine, ok := goLines[key]; !ok {
						goLines[key] = got[0]
					} else if got[0] != goLine {
						t.Errorf("%s on %s logs\n%s\nwant (as Go)\n%s", name, d, got[0], goLine)
					}
				}
			}
			got := lines("obl_log", abi.ObligeRequest{Decision: abi.DecisionDeny, Context: ctx, Config: map[string]any{"log_format": format}})
			want := "DENY ada@example.com accessed docs [a/b] owner u1 level 3 -- ."
			if !slices.Equal(got, []string{want}) {
				t.Errorf("obl_log with a log_format logs %q, want %q", got, want)
			}
		})
	}
}

// pluginLogLines returns the messages of the records of plugin in logs, a
// JSON log, at info level.
func pluginLogLines(t *testing.T, logs []byte, plugin string) []string {
	t.Helper()
	var out []string
	dec := json.NewDecoder(bytes.NewReader(logs))
	for {
		var r map[string]any
		if err := dec.Decode(&r); errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			t.Fatalf("log: %v", err)
		}
		if r["plugin"] == plugin && r["level"] == "INFO" {
			out = append(out, r["msg"].(string))
		}
	}
}

// TestACLJSONSetter runs the object setter jsonsetter of every language
// against a web service on loopback, which the http grant allows alone.
func TestACLJSONSetter(t *testing.T) {
	var mu sync.Mutex
	var asked []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r)
		mu.Unlock()
		switch r.URL.Path {
		case "/privilege":
			level := map[string]int{"reports": 5, "public": 0}[r.URL.Query().Get("section")]
			fmt.Fprintf(w, `{"privilege": %d, "owner": {"id": "u1", "teams": ["a", "b"]}, "ratio": 0.5, "big": 1e3, "huge": 12345678901234567890, "draft": false, "service": null, "name": "caf\u00e9 \"x\""}`, level)
		case "/missing":
			http.Error(w, "no such object", http.StatusNotFound)
		case "/list":
			fmt.Fprint(w, `[{"privilege": 1}]`)
		default:
			fmt.Fprint(w, `{"privilege": `)
		}
	}))
	defer srv.Close()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range aclPlugins(t, tck.ACLObjectSuite, true) {
		t.Run(p.Name, func(t *testing.T) {
			h := aclHost(t, p, []string{u.Host}, nil)
			call := func(url string, object map[string]any) (map[string]any, error) {
				mu.Lock()
				asked = nil
				mu.Unlock()
				rep, err := h.Object(t.Context(), "jsonsetter", abi.ObjectRequest{
					Object: object, Path: "/reports/q1",
					Config: map[string]any{"enable": true, "priority": int64(32), "url": url},
				})
				return rep.Attributes, err
			}

			object := map[string]any{"section": "reports", "path": "reports/q1 2026", "level": int64(2),
				"groups": []any{"ops", "dev"}, "ratio": 0.1, "public": true, "none": nil, "owner": map[string]any{"id": "u9"}}
			attrs, err := call(srv.URL+"/privilege?token=a%2Fb#top", object)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"privilege": int64(5), "owner": map[string]any{"id": "u1", "teams": []any{"a", "b"}},
				"ratio": 0.5, "big": 1000.0, "huge": 12345678901234567890.0, "draft": false, "name": `café "x"`,
				"service": nil} // nil removes the attribute
			if got := normalize(attrs); !reflect.DeepEqual(got, normalize(want)) {
				t.Errorf("attributes = %#v\nwant %#v", got, want)
			}
			mu.Lock()
			r := asked[0]
			mu.Unlock()
			query := "token=a%2Fb&groups=ops&groups=dev&level=2&path=reports%2Fq1+2026&public=true&ratio=0.1&section=reports"
			if r.Method != http.MethodGet || r.URL.RawQuery != query || r.Header.Get("Accept") != "application/json" {
				t.Errorf("request %s %s (Accept %q)\nwant GET /privilege?%s (Accept application/json)", r.Method, r.URL, r.Header.Get("Accept"), query)
			}

			for _, tt := range []struct {
				name, url string
				code      abi.Code
				msg       string
			}{
				{"a host the grant does not allow", "http://json.example.com/privilege", abi.CodeDenied,
					"jsonsetter: GET http://json.example.com/privilege: capability_denied: "},
				{"another port of the host", "http://" + u.Hostname() + ":1/privilege", abi.CodeDenied, "capability_denied"},
				{"a status other than 2xx", srv.URL + "/missing", abi.CodeUnavailable, "jsonsetter: GET " + srv.URL + "/missing: status 404"},
				{"a reply that is not an object", srv.URL + "/list", abi.CodeUnavailable, "jsonsetter: GET " + srv.URL + "/list: the reply is "},
				{"a reply cut short", srv.URL + "/cut", abi.CodeUnavailable, "jsonsetter: GET " + srv.URL + "/cut: the reply is "},
			} {
				t.Run(tt.name, func(t *testing.T) {
					_, err := call(tt.url, map[string]any{"section": "reports"})
					var e *abi.Error
					if !errors.As(err, &e) || e.Code != tt.code || !strings.Contains(e.Message, tt.msg) {
						t.Errorf("error = %v\nwant %s with %q", err, tt.code, tt.msg)
					}
				})
			}
		})
	}
}

// TestACLTwinsMatchGo checks that every access-control plugin of another
// language than Go declares its components as the Go plugins do.
func TestACLTwinsMatchGo(t *testing.T) {
	goComponents := map[string]abi.Component{}
	var goPlugins, twins []tck.Plugin
	seen := map[string]bool{}
	for _, suite := range []string{tck.ACLObligationSuite, tck.ACLEnvironmentSuite, tck.ACLObjectSuite} {
		for _, p := range tck.Load(t, suite).Plugins {
			switch {
			case seen[p.Lang+"/"+p.Name]:
			case p.Lang == "go":
				goPlugins = append(goPlugins, p)
			default:
				twins = append(twins, p)
			}
			seen[p.Lang+"/"+p.Name] = true
		}
	}
	for _, p := range goPlugins {
		for k, c := range componentsOf(t, aclHost(t, p, nil, nil), p.Name+".wasm") {
			goComponents[k] = c
		}
	}
	for _, p := range twins {
		t.Run(p.Name, func(t *testing.T) {
			cs := componentsOf(t, aclHost(t, p, nil, nil), p.Name+".wasm")
			if len(cs) == 0 {
				t.Fatal("no components")
			}
			for k, c := range cs {
				if want, ok := goComponents[k]; !ok || !reflect.DeepEqual(c, want) {
					t.Errorf("%s = %+v\nwant (as in Go) %+v", k, c, want)
				}
			}
		})
	}
}

// TestACLJSONSetterReadsJSONAsGo checks that every jsonsetter reads the
// replies of a web service as the Go plugin does, which reads them with
// Go's encoding/json: the same attributes, or an error of the same code.
func TestACLJSONSetterReadsJSONAsGo(t *testing.T) {
	bodies := []string{
		`{}`, " \t\r\n{ \"a\" : 1 } \n",
		`{"a": 1, "a": 2}`, `{"n": [-0, 1.0, 1E2, 2e-3, 9223372036854775807, 9223372036854775808, -9223372036854775808, -9223372036854775809, 1e400]}`,
		`{"s": "\"\\\/\b\f\n\r\t\u00e9\u20ac\ud83d\ude00", "lone": "\ud800x\udc00", "raw": "é€😀"}`,
		`{"deep": [[[[[[[[[[{"x": [true, false, null]}]]]]]]]]]]}`,
		``, `null`, `[]`, `"s"`, `5`, `true`, `{} {}`, `{} x`, `{"a": 1,}`, `{"a":}`, `{'a': 1}`, `{"a": 01}`, `{"a": 1.}`,
		`{"a": -}`, "{\"a\": \"x\ny\"}", `{"a": "\x"}`, `{"a": "\u12"}`, `{"a": tru}`, `{"a" 1}`, `{"a": [1 2]}`, `{"a": 1`,
		`{"deep": ` + strings.Repeat("[", 500) + strings.Repeat("]", 500) + `}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i int
		fmt.Sscanf(r.URL.Path, "/%d", &i)
		fmt.Fprint(w, bodies[i])
	}))
	defer srv.Close()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	read := func(h *host.Host, i int) callOutcome {
		rep, err := h.Object(t.Context(), "jsonsetter", abi.ObjectRequest{Path: "/", Config: map[string]any{"url": fmt.Sprintf("%s/%d", srv.URL, i)}})
		o := outcome(t, rep.Attributes, err)
		o.Msg = "" // the messages of JSON errors differ
		return o
	}
	goPlugin, others := objectTwins(t, "acl-jsonsetter", true)
	goHost := aclHost(t, goPlugin, []string{u.Host}, nil)
	for _, p := range others {
		t.Run(p.Name, func(t *testing.T) {
			h := aclHost(t, p, []string{u.Host}, nil)
			for i, body := range bodies {
				if got, want := read(h, i), read(goHost, i); !reflect.DeepEqual(got, want) {
					t.Errorf("reply %q: %+v\nwant (as Go) %+v", body, got, want)
				}
			}
		})
	}
}

// TestACLJSONSetterQueriesAsGo checks that every jsonsetter sends the
// object's attributes as the Go plugin does: the same URL, query included,
// for values of every type and URLs with and without a query.
func TestACLJSONSetterQueriesAsGo(t *testing.T) {
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.RequestURI())
		mu.Unlock()
		fmt.Fprint(w, `{}`)
	}))
	defer srv.Close()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	objects := []map[string]any{
		nil,
		{"i": int64(-3), "u": uint64(math.MaxUint64), "f": 0.1, "big": 1e21, "tiny": 1e-7, "f32": float32(0.1), "t": true, "no": false,
			"bin": []byte("raw"), "neg0": math.Copysign(0, -1), "max": math.MaxFloat64, "min": 5e-324, "third": 1.0 / 3, "e": 123456.789e3},
		{"a b&c": "x/y z+é~", "B": "0", "nil": nil, "map": map[string]any{"a": "b"}, "nan": math.NaN(), "inf": math.Inf(-1),
			"g": []any{"ops", int64(2), nil, []any{"n"}, map[string]any{}, true, 2.5}, "empty": []any{}, "": "noname"},
	}
	urls := []string{"/q", "/q?", "/q?token=a%2Fb", "/q?token=t#frag", "/q#frag?x"}
	// query calls p's jsonsetter with each object at each URL and returns
	// the request URIs the service saw.
	query := func(t *testing.T, p tck.Plugin) []string {
		h := aclHost(t, p, []string{u.Host}, nil)
		mu.Lock()
		asked = nil
		mu.Unlock()
		for _, path := range urls {
			for _, object := range objects {
				if _, err := h.Object(t.Context(), "jsonsetter", abi.ObjectRequest{Object: object, Path: "/", Config: map[string]any{"url": srv.URL + path}}); err != nil {
					t.Fatalf("%s with %v: %v", path, object, err)
				}
			}
		}
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(asked)
	}
	goPlugin, others := objectTwins(t, "acl-jsonsetter", true)
	want := query(t, goPlugin)
	for _, p := range others {
		t.Run(p.Name, func(t *testing.T) {
			got := query(t, p)
			for i := range max(len(got), len(want)) {
				if i >= len(got) || i >= len(want) || got[i] != want[i] {
					t.Errorf("request %d: %q\nwant (as Go) %q", i, got[i:min(i+1, len(got))], want[i:min(i+1, len(want))])
				}
			}
		})
	}
}

// TestACLURLMapHostile checks that every urlmap matches patterns that make
// a backtracking engine take exponential time, and paths of 64 KiB, within
// the default call timeout: the engines run in time linear in the path.
func TestACLURLMapHostile(t *testing.T) {
	path := "/" + strings.Repeat("a", 64<<10)
	mappings := []any{`(?P<x>a*)*b`, `(?:(a|a)*)*$x`, `(?P<y>a|aa)+b`, `(.*)(.*)(.*)(.*)(.*)z`, `(?:a{0,30}){0,30}b`,
		`(?P<all>(?:a|aa|a?)+)`}
	for _, p := range aclPlugins(t, tck.ACLObjectSuite, false) {
		t.Run(p.Name, func(t *testing.T) {
			h := newHost(t, host.Config{Plugins: map[string]host.PluginConfig{p.Name: {Grants: p.Grants}}}, p.Build(t))
			rep, err := h.Object(t.Context(), "urlmap", abi.ObjectRequest{Path: path, Config: map[string]any{"mappings": mappings}})
			if err != nil {
				t.Fatalf("urlmap: %v (the call may take %s)", err, host.DefaultLimits.Timeout)
			}
			if want := map[string]any{"all": path[1:]}; !reflect.DeepEqual(rep.Attributes, want) {
				t.Errorf("attributes = %.80v, want all: the path", rep.Attributes)
			}
		})
	}
}

// TestACLURLMapMatchesGo checks that every urlmap sets the attributes the
// Go plugin sets, or fails as it does, for random patterns (groups named and
// not, classes, escapes, assertions, greedy and lazy quantifiers) on random
// paths, and for patterns that are not valid.
func TestACLURLMapMatchesGo(t *testing.T) {
	atoms := []string{"a", "b", ".", `\w`, `\d`, `\s`, `\W`, `\S`, "[ab]", "[^a]", "[a-c]", "[^/]", "/", "é", `\.`, `\b`, `\B`,
		"^", "$", `[\w/]`, `[^\d]`, `\x61`, "(?:)", `\A`, `\z`, "[]a]", "[^]a]", "[a-]", `[\-x]`, `[^é]`, "(?:a|)"}
	quantifiers := []string{"", "", "", "*", "+", "?", "*?", "+?", "??", "{2}", "{1,2}", "{0,}", "{2,}?", "{1,3}"}
	r := rand.New(rand.NewPCG(1, 2))
	var pattern func(depth int) string
	pattern = func(depth int) string {
		var alts []string
		for range 1 + r.IntN(2) {
			var b strings.Builder
			for range 1 + r.IntN(3) {
				switch a := atoms[r.IntN(len(atoms))]; {
				case depth < 3 && r.IntN(4) == 0:
					b.WriteString([]string{"(", "(?:", fmt.Sprintf("(?P<g%d>", r.IntN(3)), fmt.Sprintf("(?<h%d>", r.IntN(2))}[r.IntN(4)] + pattern(depth+1) + ")")
				default:
					b.WriteString(a)
				}
				b.WriteString(quantifiers[r.IntN(len(quantifiers))])
			}
			alts = append(alts, b.String())
		}
		return strings.Join(alts, "|")
	}
	path := func() string {
		chars := []string{"a", "b", "c", "/", "1", " ", "é", "日", "_", ".", "]", "-"} // UTF-8, as the ABI has strings
		var b strings.Builder
		for range r.IntN(8) {
			b.WriteString(chars[r.IntN(len(chars))])
		}
		return "/" + b.String()
	}
	type call struct {
		mappings []any
		path     string
	}
	var calls []call
	for range 300 {
		calls = append(calls, call{[]any{pattern(0), pattern(0)}, path()})
	}
	for _, bad := range []string{"(?P<a>", "a)", "[a", "[z-a]", "a**", "a{2}{3}", "*a", "a{1001}", "a{2,1}", `\`, `\q`, `\1`,
		"(?P<a-b>x)", "(?P<>x)", "(?=a)", `\x{110000}`, `[\b]`, "(a{100}){100}", "a{,2}"} {
		calls = append(calls, call{[]any{".*", bad}, "/a{,2}"})
	}
	run := func(t *testing.T, p tck.Plugin) []callOutcome {
		h := aclHost(t, p, nil, nil)
		var out []callOutcome
		for _, c := range calls {
			rep, err := h.Object(t.Context(), "urlmap", abi.ObjectRequest{Path: c.path, Config: map[string]any{"mappings": c.mappings}})
			out = append(out, outcome(t, rep.Attributes, err))
		}
		return out
	}
	goPlugin, others := objectTwins(t, "acl-basics", false)
	want := run(t, goPlugin)
	for _, p := range others {
		t.Run(p.Name, func(t *testing.T) {
			for i, got := range run(t, p) {
				if !reflect.DeepEqual(got, want[i]) {
					t.Errorf("mappings %q on %q: %+v\nwant (as Go) %+v", calls[i].mappings, calls[i].path, got, want[i])
				}
			}
		})
	}
}

// TestACLURLMapSyntaxMatchesGo checks, expression by expression, that
// every urlmap sets what the Go plugin's sets, which matches with Go's
// regexp: the same attributes from each expression and path, or the same
// error. An engine may refuse syntax it does not support (the C one has no
// flags, \Q...\E or POSIX classes; docs/access-control-plugins.md), but
// not match it differently.
func TestACLURLMapSyntaxMatchesGo(t *testing.T) {
	exprs := []string{
		// literals, escapes and classes
		`a/b`, `\w+/\d+`, `[\w ]+/(?P<x>\W*)`, `(?P<s>\S+)\s(?P<t>.*)`, `(?P<d>\D+)`, `\.\*\+\?\(\)\[\]\{\}\|\^\$\\\/\-`,
		`(?P<x>[a-c-]+)`, `(?P<x>[^/]*)/?`, `(?P<x>[]a]+)`, `(?P<x>[^]a]+)`, `(?P<x>[\d/]+)`, `(?P<x>[^\w]+)`, `(?P<x>[[:alpha:][:digit:]]+)`,
		`(?P<x>[[:^space:]]+)`, `(?P<x>\x41|\x{e9}|\101|\0|\t)`, `\Qa.b\E(?P<x>.)`, `(?P<x>.+)`, `(?P<x>.)`, `é(?P<x>.)`,
		// groups, alternation and leftmost-first preference
		`(?P<a>a)|(?P<b>b)|(?P<ab>ab)`, `(?P<x>a|ab)(?P<y>b?)`, `(?P<x>a*?)(?P<y>a*)`, `(?P<x>a+?)(?P<y>a*)`, `(?P<x>a??)(?P<y>a?)`,
		`(?:(?P<x>a)|b)*`, `(?P<x>(?P<y>a)|b)+`, `(a)(?P<x>(b))`, `(?P<x>a)(?P<x>b)?`, `(?<x>a*)*`, `(?P<x>a|)*`, `(?P<x>|a)*`, `(?P<x>a*)+`,
		`(?P<x>(?:a|b)*?)b`, `(?P<x>a{2})(?P<y>a{1,2}?)(?P<z>a*)`, `(?P<x>a{2,})(?P<y>a{0,}?)`, `(?P<x>a{0})b`, `(?P<x>\w{1,3}){2}`,
		// anchors and boundaries
		`^(?P<x>a*)$`, `(?P<x>a*)^`, `a$b`, `\A(?P<x>.*)\z`, `(?P<x>\w+)\b.*`, `(?P<x>a)\B(?P<y>a)`, `\b`, `.*\b/\b.*`,
		// flags
		`(?i)(?P<x>a+)`, `(?i:(?P<x>[a-c]+))B?`, `(?P<x>(?i)k|s)`, `(?i)(?P<x>[^k])`, `(?i)\W(?P<x>.*)`, `(?i)(?P<x>[[:upper:]]+)`,
		`(?i)É(?P<x>.*)`, `(?s)(?P<x>.+)`, `(?m)(?P<x>^.*$)`, `(?U)(?P<x>a+)(?P<y>a*)`, `(?U)(?P<x>a+?)(?P<y>a*)`, `(?i)a(?-i)(?P<x>A?)`,
		// a { that is no repetition is a literal
		`(?P<x>a{)`, `(?P<x>a{1)`, `(?P<x>a{,1})`, `(?P<x>a{01})`,
		// errors
		`(?P<a>`, `a)`, `[a`, `[z-a]`, `\q`, `a\`, `*a`, `a**`, `a*?+`, `a{2}{3}`, `(|*)`, `a{1001}`, `(a{100}){100}`, `a{2,1}`,
		`(?P<a-b>x)`, `(?P<>x)`, `(?P<a`, `[[:foo:]]`, `\8`, `\x{110000}`, `\xg`, `(?=a)`, `(?-)`, `(?i-)`, `(?x)`, `(?P=a)`,
	}
	paths := []string{"/", "/a", "/b", "/ab", "/aaa", "/aaab", "/a/b", "/abc/123", "/docs/a b", "/é/ü", "/a.b", "/x y/z", "/\t", "/A", "/]a]",
		"/AaB", "/\u212a", "/ſ", "/Éé", "/a\nb"}
	call := func(h *host.Host, expr, path string) callOutcome {
		rep, err := h.Object(t.Context(), "urlmap", abi.ObjectRequest{Path: path, Config: map[string]any{"mappings": []any{expr}}})
		return outcome(t, rep.Attributes, err)
	}
	goPlugin, others := objectTwins(t, "acl-basics", false)
	goHost := aclHost(t, goPlugin, nil, nil)
	for _, p := range others {
		t.Run(p.Name, func(t *testing.T) {
			h := aclHost(t, p, nil, nil)
			for _, expr := range exprs {
				for _, path := range paths {
					got, want := call(h, expr, path), call(goHost, expr, path)
					if !reflect.DeepEqual(got, want) && !strings.Contains(got.Msg, "syntax this engine does not support") {
						t.Errorf("%q on %q: %+v\nwant (as Go) %+v", expr, path, got, want)
					}
				}
			}
		})
	}
}

// objectTwins returns the Go plugin goName of the object setters and the
// plugins of other languages that provide the same ones: those with http,
// or those without.
func objectTwins(t *testing.T, goName string, http bool) (goPlugin tck.Plugin, others []tck.Plugin) {
	t.Helper()
	for _, p := range aclPlugins(t, tck.ACLObjectSuite, http) {
		if p.Lang == "go" && p.Name == goName {
			goPlugin = p
		} else {
			others = append(others, p)
		}
	}
	return goPlugin, others
}
