package cli_test

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/syncbuf"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/cli"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/https"
)

// Plugins built from source for the tests, by package folder.
const (
	srcBasics       = "plugins-src/go/basics"
	srcBasicsExtism = "plugins-src/go/basics-extism"
	srcKVCounter    = "plugins-src/go/kvcounter"
)

// fixture holds the plugins built for a test and configurations that keep
// compiled code in the shared test cache, so that runs after the first
// skip compiling.
type fixture struct {
	basics, extism, kvcounter string // .wasm files
	config                    string // grants kvcounter what it needs
	noGrants                  string // grants nothing, not even the default's grants
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	cache := wasmbuild.CacheDir(t, "wazero")
	return &fixture{
		basics:    wasmbuild.Go(t, srcBasics),
		extism:    wasmbuild.Go(t, srcBasicsExtism),
		kvcounter: wasmbuild.Go(t, srcKVCounter),
		config: writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf(`
cache_dir: %q
store: %q
log:
  format: json
limits:
  timeout: 1m # loads under the race detector on a busy machine are slow
plugins:
  kvcounter:
    grants: {log: true, clock: true, kv: true}
`, cache, filepath.Join(dir, "store.db"))),
		noGrants: writeFile(t, dir, "no-grants.yaml", fmt.Sprintf("cache_dir: %q\nlimits:\n  timeout: 1m\nplugins: null\n", cache)),
	}
}

// pluginDir returns a new folder holding copies of wasm files, each named
// after the key.
func pluginDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, name, string(b))
	}
	return dir
}

// hostileWAT assembles the hostile plugin host/testdata/hostile-wat/NAME.wat.
func hostileWAT(t *testing.T, name string) string {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(wasmbuild.ModuleRoot(t), "host", "testdata", "hostile-wat", name+".wat"))
	if err != nil {
		t.Fatal(err)
	}
	return wasmbuild.WAT(t, string(text))
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// result is what one run of the gatehouse command did.
type result struct {
	code           int
	stdout, stderr string
}

// run runs the gatehouse command in process with stdin.
func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Main(t.Context(), args, strings.NewReader(stdin), &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

// check fails the test unless r exited with code and its stderr holds
// each of stderr.
func (r result) check(t *testing.T, code int, stderr ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	for _, s := range stderr {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr does not contain %q:\n%s", s, r.stderr)
		}
	}
}

func TestPluginList(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	all := pluginDir(t, map[string]string{"basics.wasm": fx.basics, "basics-extism.wasm": fx.extism, "kvcounter.wasm": fx.kvcounter})

	t.Run("json", func(t *testing.T) {
		t.Parallel()
		r := run(t, "", "plugin", "list", all, "--output", "json", "--config", fx.config)
		r.check(t, cli.ExitOK)
		var got struct {
			Plugins []host.PluginStatus `json:"plugins"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("%v\n%s", err, r.stdout)
		}
		kinds, bindings := map[abi.Kind]bool{}, map[host.Binding]bool{}
		var names []string
		for _, p := range got.Plugins {
			if p.Status != host.StatusOK {
				t.Errorf("%s: status %s: %s", p.File, p.Status, p.Message)
			}
			bindings[p.Binding] = true
			names = append(names, p.Name)
			for _, c := range p.Components {
				kinds[c.Kind] = true
			}
		}
		for _, k := range abi.Kinds {
			if !kinds[k] {
				t.Errorf("no component of kind %s listed", k)
			}
		}
		if !bindings[host.BindingNative] || !bindings[host.BindingExtism] {
			t.Errorf("bindings listed: %v, want native and extism", bindings)
		}
		if want := []string{"basics-extism", "basics", "kvcounter"}; !slices.Equal(names, want) {
			t.Errorf("plugins listed: %v, want %v (by file)", names, want)
		}
	})

	t.Run("text with a broken file", func(t *testing.T) {
		t.Parallel()
		dir := pluginDir(t, map[string]string{"basics.wasm": fx.basics})
		writeFile(t, dir, "broken.wasm", "not a module")
		r := run(t, "", "plugin", "list", dir, "--config", fx.config)
		r.check(t, cli.ExitFinding, "some plugins did not load")
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		if got := strings.Fields(lines[0]); !slices.Equal(got, []string{"PLUGIN", "VERSION", "BINDING", "KIND", "COMPONENT", "STATUS", "FILE"}) {
			t.Errorf("header = %q", lines[0])
		}
		// One line per component, then the file that did not load.
		want := []string{
			"basics 1.0.0 native actuator echo OK basics.wasm",
			"basics 1.0.0 native obligation require-reason OK basics.wasm",
			"basics 1.0.0 native environment weekday OK basics.wasm",
			"basics 1.0.0 native environment echo OK basics.wasm",
			"basics 1.0.0 native object path-segments OK basics.wasm",
			"basics 1.0.0 native agent greedy OK basics.wasm",
			"basics 1.0.0 native agent random-walk OK basics.wasm",
			"basics 1.0.0 native agent planner OK basics.wasm",
			"- - - - - ERROR broken.wasm: abi_mismatch:",
		}
		if len(lines) != 1+len(want) {
			t.Fatalf("%d lines, want a header and %d:\n%s", len(lines), len(want), r.stdout)
		}
		for i, w := range want {
			if got := strings.Join(strings.Fields(lines[i+1]), " "); !strings.HasPrefix(got, w) {
				t.Errorf("line %d = %q, want %q", i+1, got, w)
			}
		}
	})

	t.Run("without starting", func(t *testing.T) {
		t.Parallel()
		// The start of slpf-nftables reads its rules from kv, which list,
		// opening no store, cannot give it: started, it would not load.
		dir := pluginDir(t, map[string]string{"slpf-nftables.wasm": wasmbuild.Go(t, "plugins-src/go/slpf-nftables")})
		cfg := writeFile(t, t.TempDir(), "gatehouse.yaml", fmt.Sprintf(`
cache_dir: %q
limits: {timeout: 1m}
plugins:
  slpf-nftables:
    grants: {log: true, kv: true, exec: {programs: [nft], dry_run: true}}
`, wasmbuild.CacheDir(t, "wazero")))
		r := run(t, "", "plugin", "list", dir, "--config", cfg)
		r.check(t, cli.ExitOK)
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		if len(lines) != 2 || strings.Join(strings.Fields(lines[1]), " ") != "slpf-nftables 1.0.0 native actuator nftables OK slpf-nftables.wasm" {
			t.Errorf("slpf-nftables is not listed OK:\n%s", r.stdout)
		}
	})

	t.Run("folder of the configuration", func(t *testing.T) {
		t.Parallel()
		dir := pluginDir(t, map[string]string{"kvcounter.wasm": fx.kvcounter})
		cfg := writeFile(t, t.TempDir(), "gatehouse.yaml", fmt.Sprintf("plugins_dir: %q\ncache_dir: %q\nlimits:\n  timeout: 1m\n", dir, wasmbuild.CacheDir(t, "wazero")))
		r := run(t, "", "plugin", "list", "--config", cfg)
		// The configuration lies over the default, which grants kvcounter
		// what it needs.
		r.check(t, cli.ExitOK)
		if !strings.Contains(r.stdout, "kvcounter") || strings.Contains(r.stdout, "capability_denied") {
			t.Errorf("kvcounter is not listed with the default grants:\n%s", r.stdout)
		}
		cfg = writeFile(t, t.TempDir(), "gatehouse.yaml", fmt.Sprintf("plugins_dir: %q\ncache_dir: %q\nplugins: {kvcounter: null}\n", dir, wasmbuild.CacheDir(t, "wazero")))
		r = run(t, "", "plugin", "list", "--config", cfg)
		r.check(t, cli.ExitFinding)
		if !strings.Contains(r.stdout, "kvcounter.wasm: capability_denied") {
			t.Errorf("kvcounter is not refused without its grants:\n%s", r.stdout)
		}
	})

	for _, tt := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"missing folder", []string{filepath.Join(t.TempDir(), "missing")}, "is not a folder"},
		{"file, not folder", []string{fx.basics}, "is not a folder"},
		{"bad output", []string{all, "--output", "yaml"}, `--output "yaml" is not text or json`},
		{"two folders", []string{all, all}, "accepts at most 1 arg"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, "", append([]string{"plugin", "list", "--config", fx.config}, tt.args...)...)
			r.check(t, cli.ExitUsage, tt.stderr)
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
		})
	}
}

func TestPluginInspect(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	notWasm := writeFile(t, t.TempDir(), "notes.wasm", "plain text")
	for _, tt := range []struct {
		name   string
		config string
		file   string
		json   bool
		code   int
		stdout []string // substrings of the output
		stderr string
		check  func(t *testing.T, in *host.Inspection) // of the JSON output
	}{
		{
			name: "native text", config: fx.config, file: fx.basics,
			stdout: []string{
				"binding:  native\n",
				"plugin:   basics 1.0.0 (ABI " + abi.Version + ")\n", // the Go PDK builds for this version
				"  actuator     echo: answers query features",
				"  agent        random-walk: ",
				"capabilities asked: plan\n",
				"capabilities imported: plan\n",
				"imports:  gatehouse.plan, ", "wasi_snapshot_preview1.",
				"problems: none\n",
			},
		},
		{
			name: "extism json", config: fx.config, file: fx.extism, json: true,
			check: func(t *testing.T, in *host.Inspection) {
				if in.Binding != host.BindingExtism || in.Manifest == nil || in.Manifest.Name != "basics-extism" || len(in.Manifest.Components) != 7 {
					t.Fatalf("inspection = %+v", in)
				}
				if !slices.Contains(in.Imports, "extism:host/env.output_set") || !slices.Contains(in.Exports, abi.ExportAgentAct) {
					t.Errorf("imports %v, exports %v", in.Imports, in.Exports)
				}
				if len(in.Capabilities) != 0 || len(in.Problems) != 0 {
					t.Errorf("capabilities %v, problems %v, want none", in.Capabilities, in.Problems)
				}
			},
		},
		{
			name: "grants missing text", config: fx.noGrants, file: fx.kvcounter, code: cli.ExitFinding,
			stdout: []string{
				"plugin:   kvcounter 1.0.0 (ABI " + abi.Version + ")\n",
				"capabilities asked: log, clock, kv\n",
				"capabilities imported: log, clock, kv\n",
				"imports:  gatehouse.clock_wall, gatehouse.kv_get, gatehouse.kv_set, gatehouse.log,",
				"problems:\n  - capability_denied: ", "plugins.kvcounter.grants.kv",
			},
			stderr: "has 1 problem(s)",
		},
		{
			name: "grants missing json", config: fx.noGrants, file: fx.kvcounter, json: true, code: cli.ExitFinding,
			check: func(t *testing.T, in *host.Inspection) {
				caps := []abi.Capability{abi.CapLog, abi.CapClock, abi.CapKV}
				if in.Manifest == nil || !slices.Equal(in.Manifest.Capabilities, caps) || !slices.Equal(in.Capabilities, caps) {
					t.Errorf("capabilities asked %v, imported %v, want %v", in.Manifest, in.Capabilities, caps)
				}
				if !slices.Contains(in.Imports, "gatehouse.kv_get") {
					t.Errorf("imports %v, want gatehouse.kv_get", in.Imports)
				}
				if len(in.Problems) != 1 || in.Problems[0].Code != abi.CodeCapabilityDenied ||
					!strings.Contains(in.Problems[0].Message, "plugins.kvcounter.grants.kv") {
					t.Errorf("problems = %v, want capability_denied naming plugins.kvcounter.grants.kv", in.Problems)
				}
			},
		},
		{
			name: "not wasm", config: fx.config, file: notWasm, code: cli.ExitFinding,
			stdout: []string{"binding:  -\n", "  - abi_mismatch: not a valid WebAssembly module"},
		},
		{
			name: "not wasm json", config: fx.config, file: notWasm, json: true, code: cli.ExitFinding,
			check: func(t *testing.T, in *host.Inspection) {
				if in.Manifest != nil || len(in.Problems) != 1 || in.Problems[0].Code != abi.CodeABIMismatch {
					t.Errorf("inspection = %+v, want the problem abi_mismatch alone", in)
				}
			},
		},
		{
			name: "missing file", config: fx.config, file: filepath.Join(t.TempDir(), "missing.wasm"), code: cli.ExitUsage,
			stderr: "read plugin",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"plugin", "inspect", tt.file, "--config", tt.config}
			if tt.json {
				args = append(args, "--output", "json")
			}
			r := run(t, "", args...)
			r.check(t, tt.code, tt.stderr)
			for _, s := range tt.stdout {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("output does not contain %q:\n%s", s, r.stdout)
				}
			}
			if tt.check != nil {
				var in host.Inspection
				if err := json.Unmarshal([]byte(r.stdout), &in); err != nil {
					t.Fatalf("%v\n%s", err, r.stdout)
				}
				tt.check(t, &in)
			}
		})
	}
}

// TestHostileStartLoopInspect inspects plugins whose start function never
// returns, on both bindings: inspect stops it at init_timeout and reports
// the timeout as the plugin's problem.
func TestHostileStartLoopInspect(t *testing.T) {
	t.Parallel()
	config := writeFile(t, t.TempDir(), "short-init.yaml", "limits: {timeout: 1s, init_timeout: 2s}\n")
	for _, name := range []string{"startloop", "startloop-extism"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := run(t, "", "plugin", "inspect", hostileWAT(t, name), "--config", config)
			r.check(t, cli.ExitFinding, "has 1 problem(s)")
			if want := "  - timeout: start function: call exceeded 2s\n"; !strings.Contains(r.stdout, want) {
				t.Errorf("output does not contain %q:\n%s", want, r.stdout)
			}
		})
	}
}

// TestHostileStartLoopServe serves a folder holding a plugin whose start
// function never returns. With no bound but serve's life, serve still
// stops while the plugin loads; with init_timeout, serve becomes ready, the
// plugin is refused and a reload finishes.
func TestHostileStartLoopServe(t *testing.T) {
	t.Parallel()
	dir := pluginDir(t, map[string]string{"startloop.wasm": hostileWAT(t, "startloop")})
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for _, tt := range []struct {
		name, initTimeout string
		ready             bool
	}{
		{"stopped while loading", "1h", false},
		{"bounded", "2s", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			config := writeFile(t, t.TempDir(), "gatehouse.yaml", fmt.Sprintf(
				"log: {format: json}\ncache_dir: %q\nstore: %q\nlimits: {timeout: 1s, init_timeout: %s}\n",
				wasmbuild.CacheDir(t, "wazero"), filepath.Join(t.TempDir(), "store.db"), tt.initTimeout))
			s := startServe(t, client, "--config", config, "--plugins", dir, "--listen", "127.0.0.1:0")
			if tt.ready {
				s.waitReady(t)
				status, body, err := s.get(t, "/v1/plugins")
				if err != nil || status != http.StatusOK || !strings.Contains(string(body), "timeout: start function: call exceeded 2s") {
					t.Errorf("/v1/plugins: %d %v %s; want startloop.wasm refused with a timeout", status, err, body)
				}
				req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.url+"/v1/plugins/reload", nil)
				if err != nil {
					t.Fatal(err)
				}
				res, err := client.Do(req)
				if err != nil || res.StatusCode != http.StatusOK {
					t.Errorf("POST /v1/plugins/reload: %v %v, want 200", res, err)
				} else {
					res.Body.Close()
				}
			}
			s.stop(t)
		})
	}
}

// TestPluginCall calls every kind of component on both bindings of the
// basics plugin: their replies must be the expected ones, byte for byte
// the same.
func TestPluginCall(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	for _, tt := range []struct {
		name      string
		component string
		input     string
		flags     []string
		code      int
		want      string // the reply, as JSON; compared by value
		stderr    string // when the call fails
	}{
		{
			name: "actuator query features", component: "actuator:echo",
			input: `{"command":{"action":"query","target":{"features":["versions","profiles","pairs"]}}}`,
			want:  `{"status":200,"results":{"versions":["1.0"],"profiles":["x-echo"],"pairs":{"query":["features"],"allow":["ipv4_net","ipv6_net"],"deny":["ipv4_net","ipv6_net"]}}}`,
		},
		{
			name: "obligation fulfilled", component: "require-reason",
			input: `{"decision":"GRANT","context":{"access":{"reason":"incident 42"}}}`,
			want:  `{"fulfilled":true}`,
		},
		{
			name: "obligation not fulfilled", component: "obligation:require-reason",
			input: `{"decision":"GRANT","context":{"access":{"reason":7}}}`,
			want:  `{"fulfilled":false,"reason":"access.reason is not a string"}`,
		},
		{
			name: "environment weekday", component: "weekday",
			input: `{"key":"weekday","context":{"environment":{"time":"2026-11-22T23:30:00-01:00"}}}`,
			want:  `{"value":"Sunday"}`,
		},
		{
			name: "object", component: "path-segments",
			input: `{"path":"/docs/a/b"}`,
			want:  `{"attributes":{"segments":["docs","a","b"],"resource":"docs"}}`,
		},
		{
			name: "agent reset", component: "random-walk",
			input: `{"actor":"red","seed":7}`, flags: []string{"--export", abi.ExportAgentReset},
			want: `{}`,
		},
		{
			name: "agent act takes a goal", component: "random-walk",
			input: `{"actor":"red","observation":{"tick":3,"location":"lobby","choices":[{"kind":"move","target":"hall"},{"kind":"move","target":"vault"}]}}`,
			flags: []string{"--reset", `{"actor":"red","seed":7,"goals":["vault"]}`},
			want:  `{"action":{"kind":"move","target":"vault"}}`,
		},
		{
			name: "agent act for an actor without a run", component: "random-walk",
			input: `{"actor":"blue","observation":{"choices":[{"kind":"wait"}]}}`,
			flags: []string{"--reset", `{"actor":"red"}`},
			code:  cli.ExitFinding, stderr: `actor "blue" has no run: reset it first`,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var outs []string
			for _, file := range []string{fx.basics, fx.extism} {
				args := append([]string{"plugin", "call", file, tt.component, "--input", tt.input, "--config", fx.config}, tt.flags...)
				r := run(t, "", args...)
				r.check(t, tt.code, tt.stderr)
				outs = append(outs, r.stdout)
			}
			if outs[0] != outs[1] {
				t.Errorf("the bindings answer differently:\nnative:\n%s\nextism:\n%s", outs[0], outs[1])
			}
			if tt.code != cli.ExitOK {
				if outs[0] != "" {
					t.Errorf("stdout = %q, want nothing", outs[0])
				}
				return
			}
			assertJSON(t, outs[0], tt.want)
		})
	}
}

// assertJSON fails unless got and want are the same JSON value.
func assertJSON(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad test: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("reply:\n%s\nwant %s", got, want)
	}
}

func TestPluginCallInput(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	t.Run("stdin", func(t *testing.T) {
		t.Parallel()
		r := run(t, `{"path": "/a/b"}`+"\n", "plugin", "call", fx.basics, "path-segments", "--input", "-", "--config", fx.config)
		r.check(t, cli.ExitOK)
		assertJSON(t, r.stdout, `{"attributes":{"segments":["a","b"],"resource":"a"}}`)
	})

	for _, tt := range []struct {
		name   string
		args   []string
		config string // default fx.config
		stdin  string
		code   int
		stderr []string
	}{
		{
			name: "unknown component", args: []string{fx.basics, "nope"}, code: cli.ExitUsage,
			stderr: []string{`no component "nope"; the plugins provide actuator:echo, obligation:require-reason, environment:echo, environment:weekday, object:path-segments, agent:greedy, agent:planner, agent:random-walk`},
		},
		{
			name: "ambiguous component", args: []string{fx.basics, "echo"}, code: cli.ExitUsage,
			stderr: []string{`several components match "echo"; say which: actuator:echo, environment:echo`},
		},
		{
			name: "kind before a slash", args: []string{fx.basics, "environment/weekday"}, code: cli.ExitUsage,
			stderr: []string{`component reference "environment/weekday": environment is a kind, written before a colon: environment:weekday`},
		},
		{
			name: "malformed input", args: []string{fx.basics, "weekday", "--input", `{"key":`}, code: cli.ExitUsage,
			stderr: []string{"--input: not a JSON object"},
		},
		{
			name: "input not an object", args: []string{fx.basics, "weekday", "--input", `["weekday"]`}, code: cli.ExitUsage,
			stderr: []string{"--input: not a JSON object"},
		},
		{
			name: "input null", args: []string{fx.basics, "weekday", "--input", `null`}, code: cli.ExitUsage,
			stderr: []string{"--input: not a JSON object: null"},
		},
		{
			name: "two inputs", args: []string{fx.basics, "weekday", "--input", `{"key":"a"} {"key":"b"}`}, code: cli.ExitUsage,
			stderr: []string{"--input: more than one JSON value"},
		},
		{
			name: "malformed stdin", args: []string{fx.basics, "weekday", "--input", "-"}, stdin: "key: weekday", code: cli.ExitUsage,
			stderr: []string{"--input: not a JSON object"},
		},
		{
			name: "malformed reset", args: []string{fx.basics, "greedy", "--reset", "{"}, code: cli.ExitUsage,
			stderr: []string{"--reset: not a JSON object"},
		},
		{
			name: "export of another kind", args: []string{fx.basics, "weekday", "--export", abi.ExportActuate}, code: cli.ExitUsage,
			stderr: []string{"--export gatehouse_actuate: environment components are called through gatehouse_environment"},
		},
		{
			name: "missing file", args: []string{filepath.Join(t.TempDir(), "missing.wasm"), "weekday"}, code: cli.ExitUsage,
			stderr: []string{"read plugin", "missing.wasm"},
		},
		{
			name: "plugin that does not load", args: []string{fx.kvcounter, "counter"}, config: fx.noGrants, code: cli.ExitFinding,
			stderr: []string{"capability_denied", "plugins.kvcounter.grants.kv"},
		},
		{
			name: "one argument", args: []string{fx.basics}, code: cli.ExitUsage,
			stderr: []string{"--export: name the Extism export to call (or give COMPONENT to call a component)"},
		},
		{
			name: "wasi for a component", args: []string{fx.basics, "weekday", "--wasi"}, code: cli.ExitUsage,
			stderr: []string{"--wasi applies to Extism exports, called without COMPONENT"},
		},
		{
			name: "extism configuration for a component", args: []string{fx.basics, "weekday", "--config", "user=ann"}, code: cli.ExitUsage,
			stderr: []string{"--config KEY=VALUE applies to Extism exports, called without COMPONENT"},
		},
		{
			name: "two configuration files", args: []string{fx.basics, "weekday", "--config", "other.yaml"}, code: cli.ExitUsage,
			stderr: []string{"--config other.yaml: a second configuration file"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			config := cmp.Or(tt.config, fx.config)
			r := run(t, tt.stdin, append([]string{"plugin", "call", "--config", config}, tt.args...)...)
			r.check(t, tt.code, tt.stderr...)
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
		})
	}
}

// TestPluginCallStore counts with kvcounter across two invocations that
// share a store file.
func TestPluginCallStore(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	store := filepath.Join(t.TempDir(), "counts.db")
	for i, want := range []string{`{"value":1}`, `{"value":2}`} {
		r := run(t, "", "plugin", "call", fx.kvcounter, "counter", "--input", `{"key":"door"}`, "--store", store, "--config", fx.config, "--log-level", "info")
		r.check(t, cli.ExitOK, "counted", `"msg":"plugin loaded"`) // logged through the log capability, and by the host
		if got := strings.Join(strings.Fields(r.stdout), ""); got != want {
			t.Errorf("call %d = %s, want %s", i+1, got, want)
		}
	}
}

// TestConfigLayersOverDefault calls kvcounter with a configuration of
// listen alone: it keeps the grants of the embedded default.
func TestConfigLayersOverDefault(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	dir := t.TempDir()
	cfg := writeFile(t, dir, "gatehouse.yaml", "listen: 127.0.0.1:9999\n")
	r := run(t, "", "plugin", "call", fx.kvcounter, "counter", "--input", `{"key":"door"}`, "--store", filepath.Join(dir, "counts.db"), "--config", cfg)
	r.check(t, cli.ExitOK)
	// Only warnings and errors are logged without --log-level.
	if r.stderr != "" {
		t.Errorf("stderr = %q, want nothing", r.stderr)
	}
	run(t, "", "plugin", "call", fx.kvcounter, "counter", "--log-level", "loud").check(t, cli.ExitUsage, `--log-level "loud" is not one of`)
	if got := strings.Join(strings.Fields(r.stdout), ""); got != `{"value":1}` {
		t.Errorf("call = %s, want {\"value\":1}", got)
	}
}

// logBuffer is the log of a gatehouse serve running in the background.
type logBuffer struct{ syncbuf.Buffer }

// logged returns the first JSON log record of s whose msg is msg.
func (s *logBuffer) logged(msg string) map[string]any {
	for line := range strings.Lines(s.String()) {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == msg {
			return rec
		}
	}
	return nil
}

// serving is a gatehouse serve running in the background.
type serving struct {
	url    string // where it serves, from its log
	client *http.Client
	// sendArgs are the flags gatehouse send needs to reach it, beside --to.
	sendArgs []string
	stderr   *logBuffer
	cancel   context.CancelFunc
	done     chan int // its exit status
}

// startServe runs gatehouse serve with args, which must ask for JSON logs,
// and waits until it logs the address it serves at.
func startServe(t *testing.T, client *http.Client, args ...string) *serving {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	s := &serving{client: client, stderr: &logBuffer{}, cancel: cancel, done: make(chan int, 1)}
	go func() {
		s.done <- cli.Main(ctx, append([]string{"serve"}, args...), nil, io.Discard, s.stderr)
	}()
	s.waitFor(t, "the address", func() bool {
		s.url, _ = s.stderr.logged("serving")["url"].(string)
		return s.url != ""
	})
	return s
}

// waitFor polls cond until it holds; serve stopping first fails the test.
// The test's own deadline bounds the wait.
func (s *serving) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case code := <-s.done:
			t.Fatalf("serve exited with %d while the test waited for %s\nstderr:\n%s", code, what, s.stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// get sends a GET to path and returns the status and body, or the error.
func (s *serving) get(t *testing.T, path string) (int, []byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, body, err
}

// post sends body to the OpenC2 route as a producer does, with the OpenC2
// content type and xid as X-Request-ID, and returns the HTTP status and
// the OpenC2 response of the answer.
func (s *serving) post(t *testing.T, xid string, body []byte) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.url+https.Path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", openc2.ContentType)
	req.Header.Set("X-Request-ID", xid)
	res, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", https.Path, err)
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(res.Body)
	var m struct {
		Body struct {
			OpenC2 struct {
				Response map[string]any `json:"response"`
			} `json:"openc2"`
		} `json:"body"`
	}
	if err == nil {
		err = json.Unmarshal(answer, &m)
	}
	if err != nil || m.Body.OpenC2.Response == nil {
		t.Fatalf("POST %s %s: HTTP %d, no OpenC2 response: %v\n%s", https.Path, body, res.StatusCode, err, answer)
	}
	return res.StatusCode, m.Body.OpenC2.Response
}

// waitReady waits for /readyz to answer 200.
func (s *serving) waitReady(t *testing.T) {
	t.Helper()
	s.waitFor(t, "readiness", func() bool {
		status, _, err := s.get(t, "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		return status == http.StatusOK
	})
}

// stop cancels serve's context and checks that it exits with 0 and stops
// answering.
func (s *serving) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	if code := <-s.done; code != cli.ExitOK {
		t.Errorf("serve exited with %d, want 0\nstderr:\n%s", code, s.stderr)
	}
	if s.stderr.logged("shutting down") == nil {
		t.Errorf("no shutdown logged:\n%s", s.stderr)
	}
	if _, _, err := s.get(t, "/healthz"); err == nil {
		t.Error("the server still answers after serve returned")
	}
}

func TestServe(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	dir := pluginDir(t, map[string]string{"basics.wasm": fx.basics, "kvcounter.wasm": fx.kvcounter})
	// Without keep-alives, each request tells whether the server listens.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	// Port 0: the server logs the address it got.
	s := startServe(t, client, "--config", fx.config, "--plugins", dir, "--listen", "127.0.0.1:0")
	if !strings.HasPrefix(s.url, "http://127.0.0.1:") || strings.HasSuffix(s.url, ":0") {
		t.Fatalf("serving at %q", s.url)
	}
	s.waitReady(t)

	status, body, err := s.get(t, "/v1/plugins")
	if err != nil || status != http.StatusOK {
		t.Fatalf("/v1/plugins: %d %v", status, err)
	}
	var got struct {
		Plugins []host.PluginStatus `json:"plugins"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	var names []string
	for _, p := range got.Plugins {
		names = append(names, p.Name+" "+string(p.Status))
	}
	if want := []string{"basics OK", "kvcounter OK"}; !slices.Equal(names, want) {
		t.Errorf("plugins served: %v, want %v", names, want)
	}

	// A simulation run whose actor the greedy agent of basics plays.
	run := `{"model": "connections { hall -> lab { *: m } lab -> vault { *: m } }\nactors { eve { at hall; goals vault; } }", "agents": ["eve=greedy"]}`
	resp, err := client.Post(s.url+"/v1/sim/runs", "application/json", strings.NewReader(run))
	if err != nil {
		t.Fatal(err)
	}
	stream, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(stream), "event: goals\ndata: {\"tick\":1,\"actor\":\"eve\"}\n\nevent: end\n") {
		t.Errorf("POST /v1/sim/runs: %d\n%s", resp.StatusCode, stream)
	}
	s.stop(t)
}

// TestServeMutualTLS serves an empty plugin folder over TLS that requires
// client certificates.
func TestServeMutualTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certPEM, keyPEM, cert := selfSigned(t)
	config := writeFile(t, dir, "tls.yaml", fmt.Sprintf(`
cache_dir: %q
store: %q
log: {format: json}
tls: {cert: %q, key: %q, client_ca: %q}
diagnostics: {listen: 127.0.0.1:0}
`, filepath.Join(dir, "cache"), filepath.Join(dir, "store.db"), writeFile(t, dir, "tls.crt", certPEM), writeFile(t, dir, "tls.key", keyPEM), filepath.Join(dir, "tls.crt")))

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM([]byte(certPEM))
	client := func(certs ...tls.Certificate) *http.Client {
		return &http.Client{Transport: &http.Transport{
			DisableKeepAlives: true,
			TLSClientConfig:   &tls.Config{RootCAs: roots, Certificates: certs},
		}}
	}
	s := startServe(t, client(cert), "--config", config, "--plugins", filepath.Join(dir, "plugins"), "--listen", "127.0.0.1:0")
	if !strings.HasPrefix(s.url, "https://") {
		t.Fatalf("serving at %q, want https", s.url)
	}
	s.waitReady(t)

	anonymous := &serving{url: s.url, client: client()}
	if _, _, err := anonymous.get(t, "/healthz"); err == nil {
		t.Error("a client without a certificate is served")
	}
	s.waitFor(t, "the refused handshake in the log", func() bool {
		return strings.Contains(s.stderr.String(), "TLS handshake error")
	})

	// Probes reach the diagnostics listener without a certificate, and
	// only its routes.
	diagURL, _ := s.stderr.logged("serving diagnostics")["url"].(string)
	if !strings.HasPrefix(diagURL, "http://") {
		t.Fatalf("diagnostics at %q, want http\nstderr:\n%s", diagURL, s.stderr)
	}
	diag := &serving{url: diagURL, client: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}}
	for path, want := range map[string]int{"/healthz": http.StatusOK, "/readyz": http.StatusOK, "/metrics": http.StatusOK, "/v1/plugins": http.StatusNotFound} {
		status, body, err := diag.get(t, path)
		if err != nil || status != want {
			t.Errorf("diagnostics GET %s: %d %s, %v; want %d", path, status, body, err, want)
		}
	}
	s.stop(t)
	if _, _, err := diag.get(t, "/healthz"); err == nil {
		t.Error("the diagnostics listener still answers after serve returned")
	}
}

// selfSigned returns a self-signed certificate for 127.0.0.1, good for
// servers and clients, as PEM and parsed.
func selfSigned(t *testing.T) (certPEM, keyPEM string, cert tls.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "gatehouse test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	keyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	cert, err = tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
	if err != nil {
		t.Fatal(err)
	}
	return certPEM, keyPEM, cert
}

func TestServeRefuses(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	noKey := writeFile(t, dir, "tls.yaml", fmt.Sprintf("cache_dir: %q\ntls:\n  cert: %q\n  key: %q\n",
		wasmbuild.CacheDir(t, "wazero"), filepath.Join(dir, "missing.crt"), filepath.Join(dir, "missing.key")))
	console := writeFile(t, dir, "ui.yaml", fmt.Sprintf("cache_dir: %q\nstore: %q\nui: {enabled: true}\n",
		wasmbuild.CacheDir(t, "wazero"), filepath.Join(dir, "store.db")))
	consoleNoTokens := writeFile(t, dir, "ui-tokens.yaml", fmt.Sprintf("cache_dir: %q\nstore: %q\nui: {enabled: true, token_file: %q}\n",
		wasmbuild.CacheDir(t, "wazero"), filepath.Join(dir, "store.db"), filepath.Join(dir, "missing.tokens")))
	for _, tt := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"console without login on an open listener", []string{"--config", console, "--plugins", dir, "--listen", "0.0.0.0:0"}, "ui.token_file: the console on 0.0.0.0:0, which is not loopback, needs a login"},
		{"console tokens missing", []string{"--config", consoleNoTokens, "--plugins", dir, "--listen", "127.0.0.1:0"}, "ui.token_file: open " + filepath.Join(dir, "missing.tokens")},
		{"address in use", []string{"--config", fx.config, "--plugins", dir, "--listen", busy.Addr().String()}, "listen: "},
		{"certificate missing", []string{"--config", noKey, "--plugins", dir, "--listen", "127.0.0.1:0"}, "tls.cert and tls.key: open " + filepath.Join(dir, "missing.crt")},
		{"bad configuration", []string{"--config", writeFile(t, dir, "bad.yaml", "listen: [\n")}, "config "},
		{"arguments", []string{"--config", fx.config, "plugins"}, `unknown command "plugins" for "gatehouse serve"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, "", append([]string{"serve"}, tt.args...)...)
			r.check(t, cli.ExitUsage, tt.stderr)
		})
	}
}

// TestHelp checks that every command documents itself with examples.
func TestHelp(t *testing.T) {
	t.Parallel()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		path := strings.Fields(c.CommandPath())[1:] // without "gatehouse"
		t.Run(strings.Join(append([]string{"gatehouse"}, path...), " "), func(t *testing.T) {
			if c.Example == "" {
				t.Fatal("no Example")
			}
			r := run(t, "", append(path, "--help")...)
			r.check(t, cli.ExitOK)
			if !strings.Contains(r.stdout, "Examples:\n"+c.Example) {
				t.Errorf("--help has no Examples section:\n%s", r.stdout)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(cli.NewRootCommand())
}

func TestExitStatus(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no arguments", nil, cli.ExitOK, ""},
		{"unknown flag", []string{"--verbose"}, cli.ExitUsage, "unknown flag: --verbose"},
		{"unknown flag of a subcommand", []string{"plugin", "list", "--recursive"}, cli.ExitUsage, "unknown flag: --recursive"},
		{"unknown command", []string{"deploy"}, cli.ExitUsage, `unknown command "deploy" for "gatehouse"`},
		{"unknown subcommand", []string{"plugin", "lsit"}, cli.ExitUsage, `unknown command "lsit" for "gatehouse plugin"`},
		{"plugin alone", []string{"plugin"}, cli.ExitOK, ""},
		{"missing argument", []string{"plugin", "inspect"}, cli.ExitUsage, "accepts 1 arg(s), received 0"},
		{"missing configuration", []string{"plugin", "list", "--config", filepath.Join(t.TempDir(), "none.yaml")}, cli.ExitUsage, "read config"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, "", tt.args...)
			r.check(t, tt.code, tt.stderr)
			if tt.code != cli.ExitOK && !strings.HasPrefix(r.stderr, "gatehouse: ") {
				t.Errorf("stderr = %q, want it to start with gatehouse:", r.stderr)
			}
		})
	}
}

// Main runs one command and returns its exit status; here, listing an
// empty plugin folder and then one that does not exist.
func ExampleMain() {
	dir, err := os.MkdirTemp("", "gatehouse-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	config := filepath.Join(dir, "gatehouse.yaml")
	if err := os.WriteFile(config, []byte("cache_dir: "+filepath.Join(dir, "cache")+"\n"), 0o644); err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	code := cli.Main(ctx, []string{"plugin", "list", dir, "--config", config}, os.Stdin, os.Stdout, os.Stderr)
	fmt.Println("exit status", code)

	var stderr strings.Builder
	code = cli.Main(ctx, []string{"plugin", "list", "no-such-folder"}, os.Stdin, os.Stdout, &stderr)
	fmt.Print(stderr.String())
	fmt.Println("exit status", code)
	// Output:
	// PLUGIN  VERSION  BINDING  KIND  COMPONENT  STATUS  FILE
	// exit status 0
	// gatehouse: no-such-folder is not a folder
	// exit status 2
}

// TestVersion prints the versions gatehouse is built with, the same for
// version and --version. A test binary records no module versions, so
// TestVersionInfo checks where they come from.
func TestVersion(t *testing.T) {
	t.Parallel()
	r := run(t, "", "version")
	r.check(t, cli.ExitOK)
	for _, want := range []string{"gatehouse ", "\ncommit  ", "\ngo      " + strings.TrimPrefix(runtime.Version(), "go") + "\n",
		"\nwazero  ", "\nextism  ", "\nabi     " + abi.Version + " (gatehouse_abi_v1)\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("version has no %q:\n%s", want, r.stdout)
		}
	}
	if v := run(t, "", "--version"); v.stdout != r.stdout {
		t.Errorf("--version:\n%s\nversion:\n%s", v.stdout, r.stdout)
	}
	r = run(t, "", "version", "--output", "json")
	r.check(t, cli.ExitOK)
	var b map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &b); err != nil {
		t.Fatal(err)
	}
	if b["abi"] != abi.Version || b["go"] != runtime.Version() || b["wazero"] == "" || b["version"] == "" || b["commit"] == "" {
		t.Errorf("version --output json: %s", r.stdout)
	}
}
