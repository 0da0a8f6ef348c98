package cli_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/cli"
	"github.com/gatehouse/gatehouse/host/hosttest"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
	"github.com/gatehouse/gatehouse/plugins-src/tck"
)

// TestPluginTest runs the cases of basics against both its bindings: one
// file serves both.
func TestPluginTest(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	cases := filepath.Join(wasmbuild.ModuleRoot(t), "plugins-src/go/basics/cases.yaml")
	for name, file := range map[string]string{"basics": fx.basics, "basics-extism": fx.extism} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := run(t, "", "plugin", "test", file, "--cases", cases, "--config", fx.config)
			r.check(t, cli.ExitOK)
			lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
			for _, l := range lines[:len(lines)-1] {
				if !strings.HasPrefix(l, "PASS ") {
					t.Errorf("line %q, want PASS", l)
				}
			}
			if got := lines[len(lines)-1]; got != "8 passed, 0 failed" {
				t.Errorf("summary = %q\n%s", got, r.stdout)
			}
		})
	}

	t.Run("skip missing", func(t *testing.T) {
		t.Parallel()
		cases := writeFile(t, t.TempDir(), "partial.yaml", `
cases:
  - name: weekday
    component: weekday
    request: {key: month}
    error: {code: not_found}
  - name: elsewhere
    component: rs-only
    request: {}
    reply: {}
`)
		r := run(t, "", "plugin", "test", fx.basics, "--cases", cases, "--config", fx.config, "--skip-missing")
		r.check(t, cli.ExitOK)
		if want := "PASS weekday\nSKIP elsewhere: no plugin provides a component \"rs-only\"\n1 passed, 0 failed, 1 skipped\n"; r.stdout != want {
			t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
		}
		r = run(t, "", "plugin", "test", fx.basics, "--cases", cases, "--config", fx.config)
		r.check(t, cli.ExitFinding, "1 of 2 cases failed")
		none := writeFile(t, t.TempDir(), "none.yaml", "cases:\n  - {name: x, component: rs-only, reply: {}}\n")
		r = run(t, "", "plugin", "test", fx.basics, "--cases", none, "--config", fx.config, "--skip-missing")
		r.check(t, cli.ExitFinding, "every case was skipped")
	})

	failing := writeFile(t, t.TempDir(), "failing.yaml", `
cases:
  - name: right
    component: weekday
    request: {key: weekday, context: {environment: {time: 2026-11-22T23:30:00-01:00}}}
    reply: {value: Sunday}
  - name: wrong
    component: weekday
    request: {key: weekday, context: {environment: {time: 2026-11-22T23:30:00-01:00}}}
    reply: {value: Monday}
`)
	t.Run("a failure", func(t *testing.T) {
		t.Parallel()
		r := run(t, "", "plugin", "test", fx.basics, "--cases", failing, "--config", fx.config)
		r.check(t, cli.ExitFinding, "1 of 2 cases failed")
		want := "PASS right\nFAIL wrong\n    value: got \"Sunday\", want \"Monday\"\n1 passed, 1 failed\n"
		if r.stdout != want {
			t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
		}
	})
	t.Run("json", func(t *testing.T) {
		t.Parallel()
		r := run(t, "", "plugin", "test", fx.basics, "--cases", failing, "--config", fx.config, "--output", "json")
		r.check(t, cli.ExitFinding)
		var got struct {
			Results []struct {
				Name   string `json:"name"`
				Passed bool   `json:"passed"`
				Diff   string `json:"diff"`
			} `json:"results"`
			Passed, Failed int
		}
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("%v\n%s", err, r.stdout)
		}
		if got.Passed != 1 || got.Failed != 1 || len(got.Results) != 2 || !got.Results[0].Passed || got.Results[1].Diff == "" {
			t.Errorf("report = %+v", got)
		}
	})
	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no cases flag", []string{fx.basics}, cli.ExitUsage, `required flag(s) "cases" not set`},
		{"cases not valid", []string{fx.basics, "--cases", writeFile(t, t.TempDir(), "bad.yaml", "cases:\n  - name: x\n")},
			cli.ExitUsage, `bad.yaml:2: case "x": component is missing`},
		{"no cases file", []string{fx.basics, "--cases", "none.yaml"}, cli.ExitUsage, "read cases"},
		{"no plugin", []string{"none.wasm", "--cases", failing}, cli.ExitUsage, "read plugin"},
		{"plugin that does not load", []string{writeFile(t, t.TempDir(), "x.wasm", "no"), "--cases", failing}, cli.ExitFinding, "abi_mismatch"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, "", append([]string{"plugin", "test", "--config", fx.noGrants}, tt.args...)...)
			r.check(t, tt.code, tt.stderr)
		})
	}
}

// TestPluginTestBasicsSuite runs the suite every basics plugin passes
// through the command, on the basics plugin of every language and binding;
// the plugins with some of its components only run with --skip-missing.
func TestPluginTestBasicsSuite(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	basics := tck.Load(t, tck.BasicsSuite)
	suite := basics.Path(t)
	cases, err := hosttest.Load(suite)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range basics.Plugins {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			args := []string{"plugin", "test", p.Build(t), "--cases", suite, "--config", fx.noGrants}
			if p.Partial {
				args = append(args, "--skip-missing")
			}
			r := run(t, "", args...)
			r.check(t, cli.ExitOK)
			var passed, skipped int
			for _, l := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
				switch {
				case strings.HasPrefix(l, "PASS "):
					passed++
				case strings.HasPrefix(l, "SKIP "):
					skipped++
				}
			}
			want := fmt.Sprintf("%d passed, 0 failed\n", len(cases))
			if p.Partial {
				want = fmt.Sprintf("%d passed, 0 failed, %d skipped\n", passed, skipped)
			}
			if !strings.HasSuffix(r.stdout, want) || passed+skipped != len(cases) || passed == 0 {
				t.Errorf("stdout:\n%s\nwant every case passed or skipped, and %q", r.stdout, want)
			}
		})
	}
}
