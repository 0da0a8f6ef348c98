package cli_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/cli"
	"github.com/gatehouse/gatehouse/internal/slpftest"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// arpoc is the folder of ARPOC's files (see conformance/README.md).
const arpoc = "../conformance/arpoc"

func TestPolicyCheck(t *testing.T) {
	t.Parallel()
	t.Run("ARPOC's sample", func(t *testing.T) {
		t.Parallel()
		r := run(t, "", "policy", "check", arpoc+"/config")
		r.check(t, cli.ExitOK)
		if r.stdout != "6 policy sets, 7 policies, 8 rules; 0 errors, 0 warnings\n" {
			t.Errorf("stdout:\n%s", r.stdout)
		}
	})
	t.Run("every problem", func(t *testing.T) {
		t.Parallel()
		r := run(t, "", "policy", "check", arpoc+"/tests", arpoc+"/tests/broken_definitions", arpoc+"/tests/json_no_ac_format")
		r.check(t, cli.ExitFinding, "gatehouse: 11 problems in the entity files")
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		if len(lines) != 12 || lines[11] != "11 policy sets, 13 policies, 13 rules; 11 errors, 0 warnings" {
			t.Fatalf("stdout:\n%s", r.stdout)
		}
		for _, want := range []string{
			`error: ` + arpoc + `/tests/entities.json:299: rule "rule_broken_syntax": Target, column 1: unknown word "something"`,
			`error: ` + arpoc + `/tests/broken_definitions:10: entity "policyset_with_missing_policyset": Type: "not-existing" is not PolicySet, Policy or Rule`,
			`error: ` + arpoc + `/tests/json_no_ac_format:2: entity "key1": a definition is a JSON object, not a string`,
			`error: ` + arpoc + `/tests/missing_entity.json:6: policy "policy_with_missing_rule": Rules: no rule "not-existing" is loaded`,
		} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
			}
		}
	})
	t.Run("json and warnings", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		writeFile(t, dir, "e.json", `{"r": {"Type": "Rule", "Condition": "subject.a and subject.b or subject.c", "Effect": "GRANT"}}`)
		r := run(t, "", "policy", "check", dir, "--output", "json")
		r.check(t, cli.ExitOK)
		var rep struct {
			Rules, Errors, Warnings int
			Problems                []struct {
				Entity, Field string
				Column        int
				Warning       bool
			}
		}
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("%v\n%s", err, r.stdout)
		}
		if rep.Rules != 1 || rep.Errors != 0 || rep.Warnings != 1 || len(rep.Problems) != 1 ||
			rep.Problems[0].Entity != "r" || rep.Problems[0].Field != "Condition" || rep.Problems[0].Column != 25 || !rep.Problems[0].Warning {
			t.Errorf("report %+v\n%s", rep, r.stdout)
		}
	})
	t.Run("the configured entities", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		config := writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf("policy:\n  entities: [%q]\n", arpoc+"/config"))
		run(t, "", "policy", "check", "--config", config).check(t, cli.ExitOK)
		run(t, "", "policy", "check", "--config", writeFile(t, dir, "empty.yaml", "")).check(t, cli.ExitUsage, "no entity files")
	})
}

func TestPolicyEval(t *testing.T) {
	t.Parallel()
	set := "com.example.policysets.loggedIn"
	for _, tt := range []struct {
		name    string
		args    []string
		stdin   string
		code    int
		stdout  string
		stderr  string
		context string
	}{
		{
			name: "granted", code: cli.ExitOK,
			args:    []string{"--policy-set", "com.example.policysets.inTestGroup"},
			context: `{"subject": {"groups": ["/test1"]}}`,
			stdout: `GRANT
policy set com.example.policysets.inTestGroup: GRANT (ANY)
  policy com.example.policies.inTestGroup: GRANT (ANY)
    rule com.example.rules.inTestGroup: GRANT (condition is true)
`,
		},
		{
			name: "not granted for want of obligations", code: cli.ExitFinding, stderr: "gatehouse: access not granted: DENY",
			args:    []string{"--policy-set", set},
			context: "subject: {email: ann@example.com, age: 12}\nobject: {path: admin/users}\n",
			stdout: `DENY (the policy set yielded GRANT)
policy set com.example.policysets.loggedIn: GRANT (AND)
  policy com.example.policies.loggedIn: GRANT (ANY)
    rule com.example.rules.loggedIn: GRANT (condition is true)
  policy com.example.policies.adminpages: GRANT (ANY)
    rule com.example.rules.is_admin: GRANT (condition is true)
obligation obl_log_successful (com.example.rules.loggedIn): not fulfilled: no obligation can run: no obligation runner is configured
obligation obl_log (com.example.policysets.loggedIn): not fulfilled: no obligation can run: no obligation runner is configured
`,
		},
		{
			name: "a type error", code: cli.ExitFinding,
			args:    []string{"--policy-set", set},
			context: `{"subject": {"email": "a@example.com", "age": "12"}, "object": {"path": "admin"}}`,
			stdout: `DENY
policy set com.example.policysets.loggedIn: DENY (AND failed)
  policy com.example.policies.loggedIn: GRANT (ANY)
    rule com.example.rules.loggedIn: GRANT (condition is true)
  policy com.example.policies.adminpages: DENY (ANY failed)
    rule com.example.rules.is_admin: DENY (failed: rule "com.example.rules.is_admin": Condition, column 13: > needs two numbers or booleans, two strings or two lists, not string '12' and integer 9)
error: rule "com.example.rules.is_admin": Condition, column 13: > needs two numbers or booleans, two strings or two lists, not string '12' and integer 9
`,
		},
		{
			name: "from standard input", code: cli.ExitOK,
			args:  []string{"--policy-set", "com.example.policysets.alwaysGrant", "--context", "-"},
			stdin: "{}",
		},
		{
			name: "unknown policy set", code: cli.ExitUsage,
			args:    []string{"--policy-set", "nope"},
			context: "{}",
			stderr:  `policy set "nope": no such policy set is loaded; the policy sets are: com.example.policysets.alwaysDeny, com.example.policysets.alwaysGrant`,
		},
		{
			name: "unknown key in the context", code: cli.ExitUsage,
			args:    []string{"--policy-set", set},
			context: "subject: {}\nsubjects: {}\n",
			stderr:  "line 2: field subjects not found",
		},
		{
			name: "missing context", code: cli.ExitUsage,
			args:   []string{"--policy-set", set, "--context", "/nonexistent/request.json"},
			stderr: "read context: open /nonexistent/request.json",
		},
		{
			name: "no policy set", code: cli.ExitUsage,
			args:   []string{"--context", "-"},
			stderr: `--policy-set: required, unless the context holds policy_set`,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"policy", "eval", "--entities", arpoc + "/config"}, tt.args...)
			if tt.context != "" {
				args = append(args, "--context", writeFile(t, t.TempDir(), "request.yaml", tt.context))
			}
			r := run(t, tt.stdin, args...)
			r.check(t, tt.code, tt.stderr)
			if tt.stdout != "" && r.stdout != tt.stdout {
				t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, tt.stdout)
			}
		})
	}
	t.Run("json", func(t *testing.T) {
		t.Parallel()
		r := run(t, `{"subject": {"groups": ["/x"]}}`, "policy", "eval", "--entities", arpoc+"/config",
			"--policy-set", "com.example.policysets.inTestGroup", "--context", "-", "--output", "json")
		r.check(t, cli.ExitFinding)
		var d struct {
			Result, Effect string
			Explanation    struct {
				ID       string
				Children []struct{ Reason string }
			}
		}
		if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
			t.Fatalf("%v\n%s", err, r.stdout)
		}
		if d.Result != "DENY" || d.Explanation.ID != "com.example.policysets.inTestGroup" || d.Explanation.Children[0].Reason != "combined" {
			t.Errorf("decision %+v\n%s", d, r.stdout)
		}
	})
}

// TestPolicyEvalPlugins decides with the C reference plugin c-basics as
// environment source, object setter and obligation, named through the
// configuration.
func TestPolicyEvalPlugins(t *testing.T) {
	t.Parallel()
	plugins := pluginDir(t, map[string]string{"c-basics.wasm": wasmbuild.C.Plugin(t, "c-basics")})
	dir := t.TempDir()
	writeFile(t, dir, "e.json", `{
"s": {"Type": "PolicySet", "Resolver": "AND", "Policies": ["p"], "Obligations": ["obl_reason"]},
"p": {"Type": "Policy", "Resolver": "AND", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "environment.echo.subject == subject.id and object.resource == 'files'", "Effect": "GRANT"}
}`)
	config := writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf(`
cache_dir: %q
limits: {timeout: 1m}
policy:
  obligations: {obl_reason: c-basics/require-reason}
`, wasmbuild.CacheDir(t, "wazero")))
	args := func(reason string) []string {
		return []string{"policy", "eval", "--entities", dir, "--policy-set", "s", "--plugins", plugins, "--config", config,
			"--path", "/files/a", "--context", writeFile(t, t.TempDir(), "r.json", `{"subject": {"id": 7}, "access": {"reason": "`+reason+`"}}`)}
	}
	r := run(t, "", args("audit")...)
	r.check(t, cli.ExitOK)
	if !strings.HasPrefix(r.stdout, "GRANT\n") || !strings.Contains(r.stdout, "obligation obl_reason (s): fulfilled") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	r = run(t, "", args("")...)
	r.check(t, cli.ExitFinding)
	if !strings.Contains(r.stdout, "obligation obl_reason (s): not fulfilled: access.reason is empty") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	run(t, "", "policy", "eval", "--entities", dir, "--policy-set", "s", "--context", "-", "--plugins", filepath.Join(dir, "e.json")).
		check(t, cli.ExitUsage, "is not a folder")
}

// TestPolicyEvalStartsNoPlugin decides with a plugin folder that holds an
// SLPF actuator beside the attribute plugin: a one-shot command serves no
// actuator, so it must not start one, which would restore packet filter
// rules from a store the command does not open.
func TestPolicyEvalStartsNoPlugin(t *testing.T) {
	t.Parallel()
	plugins := pluginDir(t, map[string]string{"c-basics.wasm": wasmbuild.C.Plugin(t, "c-basics"), "slpf-nftables.wasm": slpftest.Actuators[0].Build(t)})
	dir := t.TempDir()
	writeFile(t, dir, "e.json", `{
"s": {"Type": "PolicySet", "Resolver": "AND", "Policies": ["p"]},
"p": {"Type": "Policy", "Resolver": "AND", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "environment.echo.subject == subject.id", "Effect": "GRANT"}
}`)
	config := writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf("cache_dir: %q\nlimits: {timeout: 1m}\n", wasmbuild.CacheDir(t, "wazero")))
	r := run(t, "", "policy", "eval", "--entities", dir, "--policy-set", "s", "--plugins", plugins, "--config", config,
		"--context", writeFile(t, t.TempDir(), "r.json", `{"subject": {"id": 7}}`))
	r.check(t, cli.ExitOK)
	if !strings.HasPrefix(r.stdout, "GRANT\n") || r.stderr != "" {
		t.Errorf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
}

func TestPolicyTest(t *testing.T) {
	t.Parallel()
	cases, err := filepath.Abs("../policy/testdata/arpoc-config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the project's cases", func(t *testing.T) {
		t.Parallel()
		r := run(t, "", "policy", "test", cases)
		r.check(t, cli.ExitOK)
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		for _, l := range lines[:len(lines)-1] {
			if !strings.HasPrefix(l, "PASS ") {
				t.Errorf("line %q, want PASS", l)
			}
		}
		if got := lines[len(lines)-1]; got != fmt.Sprintf("%d passed, 0 failed", len(lines)-1) || len(lines) < 10 {
			t.Errorf("summary %q", got)
		}
	})

	dir := t.TempDir()
	writeFile(t, dir, "e.json", `{
"s": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"]},
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "subject.age >= 18", "Effect": "GRANT"}
}`)
	failing := writeFile(t, dir, "failing.yaml", `entities: [e.json]
cases:
  - name: adult
    policy_set: s
    context: {subject: {age: 18}}
    want: {decision: GRANT}
  - name: child
    policy_set: s
    context: {subject: {age: 12}}
    want: {decision: GRANT, missing: [subject.age]}
`)
	t.Run("a failure", func(t *testing.T) {
		t.Parallel()
		r := run(t, "", "policy", "test", failing)
		r.check(t, cli.ExitFinding, "1 of 2 cases failed")
		want := fmt.Sprintf("PASS adult\nFAIL child (%s:7)\n    decision: got DENY, want GRANT\n    missing: got [], want [subject.age]\n1 passed, 1 failed\n", failing)
		if r.stdout != want {
			t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
		}
	})
	t.Run("json", func(t *testing.T) {
		t.Parallel()
		r := run(t, "", "policy", "test", failing, cases, "--output", "json")
		r.check(t, cli.ExitFinding)
		var rep struct {
			Results []struct {
				Name   string
				Passed bool
			}
			Passed, Failed int
		}
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("%v\n%s", err, r.stdout)
		}
		if rep.Failed != 1 || rep.Passed != len(rep.Results)-1 || rep.Results[1].Name != "child" {
			t.Errorf("report %+v", rep)
		}
	})
	t.Run("bad files", func(t *testing.T) {
		t.Parallel()
		bad := writeFile(t, dir, "bad.yaml", "entities: [e.json]\ncases:\n  - name: x\n    policy_set: s\n    want: {decision: MAYBE}\n")
		run(t, "", "policy", "test", bad).check(t, cli.ExitUsage, `"MAYBE" is not GRANT, DENY or NOT_APPLICABLE`)
		writeFile(t, dir, "broken.json", `{"b": {"Type": "Rule", "Condition": "(", "Effect": "GRANT"}}`)
		broken := writeFile(t, dir, "broken.yaml", "entities: [e.json, broken.json]\ncases:\n  - {name: x, policy_set: s, want: {decision: GRANT}}\n")
		run(t, "", "policy", "test", broken).check(t, cli.ExitFinding, `rule "b": Condition, column 2: unexpected end of expression`)
		run(t, "", "policy", "test").check(t, cli.ExitUsage, "requires at least 1 arg")
	})
}

// TestPolicyHelp checks that each policy command explains itself with
// examples.
func TestPolicyHelp(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"check", "eval", "test"} {
		r := run(t, "", "policy", cmd, "--help")
		r.check(t, cli.ExitOK)
		if !strings.Contains(r.stdout, "Examples:\n  gatehouse policy "+cmd) {
			t.Errorf("policy %s --help has no example:\n%s", cmd, r.stdout)
		}
	}
}

// TestPolicyEvalReadsAndWritesAsHTTP checks that the context is read by
// the decision API's reader and the decision written by its writer: a
// surrogate pair, as Python's json.dump writes a character beyond U+FFFF,
// reads as the character; a lone surrogate is refused with its byte; a
// policy set nested 5,000 deep is written as JSON; and the context may be
// the body of POST /v1/decide, policy_set and path included.
func TestPolicyEvalReadsAndWritesAsHTTP(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const depth = 5000
	var b strings.Builder
	b.WriteString("{\n")
	for i := range depth {
		fmt.Fprintf(&b, "%q: {\"Type\": \"PolicySet\", \"Resolver\": \"AND\", \"PolicySets\": [\"s%d\"]},\n", fmt.Sprintf("s%d", i), i+1)
	}
	fmt.Fprintf(&b, "\"s%d\": {\"Type\": \"PolicySet\", \"Resolver\": \"AND\", \"Policies\": [\"p\"]},\n", depth)
	b.WriteString(`"p": {"Type": "Policy", "Resolver": "AND", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "subject.name == '𝔘'", "Effect": "GRANT"}
}`)
	entities := writeFile(t, dir, "e.json", b.String())
	eval := func(context string, args ...string) result {
		return run(t, context, append([]string{"policy", "eval", "--entities", entities, "--context", "-"}, args...)...)
	}

	r := eval(`{"subject": {"name": "\ud835\udd18"}}`, "--policy-set", "s0", "--output", "json")
	r.check(t, cli.ExitOK)
	if !strings.HasPrefix(r.stdout, "{\n  \"policy_set\": \"s0\",\n  \"result\": \"GRANT\"") ||
		len(regexp.MustCompile(`"id": ?"s\d+"`).FindAllString(r.stdout, -1)) != depth+1 {
		t.Errorf("stdout:\n%.300s", r.stdout)
	}

	eval(`{"policy_set": "s0", "subject": {"name": "\ud835\udd18"}, "path": "/a"}`).check(t, cli.ExitOK)
	eval(`{"policy_set": "s0"}`, "--policy-set", "s1").check(t, cli.ExitUsage, `--policy-set "s1" and the context's "s0" differ`)
	eval(`{"subject": {"name": "\ud835"}}`, "--policy-set", "s0").
		check(t, cli.ExitUsage, `context -: invalid JSON at byte 23: lone surrogate \ud835, which is no character`)
	eval(`{"subject": {"name": "x"}, "subjects": {}}`, "--policy-set", "s0").
		check(t, cli.ExitUsage, `context -: unknown field "subjects"`)
}

// aclPlugins are the access-control reference plugins of every language,
// as task plugins builds them into plugins/.
var aclPlugins = []string{"acl-basics", "acl-jsonsetter", "c-acl-basics", "c-acl-jsonsetter", "rs-acl-basics", "rs-acl-jsonsetter"}

// aclPluginDir returns a folder of the aclPlugins.
func aclPluginDir(t *testing.T) string {
	t.Helper()
	files := map[string]string{}
	for _, name := range aclPlugins {
		src, _ := wasmbuild.Reference(t, name)
		files[name+".wasm"] = src
	}
	return pluginDir(t, files)
}

// TestPolicyEvalConfig decides offline with the object setters and the
// obligations' configuration of serve's --config, on a folder of the
// reference plugins of every language, which all provide urlmap and
// obl_log: the embedded policy.providers chooses the Go ones, and a
// --config can choose others.
func TestPolicyEvalConfig(t *testing.T) {
	t.Parallel()
	plugins := aclPluginDir(t)
	dir := t.TempDir()
	entities := writeFile(t, dir, "e.json", `{
"s": {"Type": "PolicySet", "Resolver": "AND", "Policies": ["p"], "Obligations": ["obl_log"]},
"p": {"Type": "Policy", "Resolver": "AND", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "object.path == 'admin/users'", "Effect": "GRANT"}
}`)
	config := func(extra string) string {
		return writeFile(t, t.TempDir(), "gatehouse.yaml", fmt.Sprintf(`
cache_dir: %q
limits: {timeout: 1m}
policy:
  entities: [%q]
  decision_api:
    object_setters:
      urlmap: {mappings: ["(?P<path>admin/.*)"]}
    obligations:
      obl_log: {log_format: "checked {}"}
%s`, wasmbuild.CacheDir(t, "wazero"), entities, extra))
	}
	eval := func(config string) result {
		return run(t, `{"subject": {"email": "ann@example.com"}}`, "policy", "eval", "--entities", entities, "--policy-set", "s",
			"--plugins", plugins, "--config", config, "--path", "/admin/users", "--context", "-")
	}
	r := eval(config(""))
	r.check(t, cli.ExitOK)
	if !strings.HasPrefix(r.stdout, "GRANT\n") || !strings.Contains(r.stdout, "obligation obl_log (s): fulfilled") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	r = eval(config("  providers: {urlmap: rs-acl-basics, obligation:obl_log: c-acl-basics}\n"))
	r.check(t, cli.ExitOK)
	r = eval(config("  providers: null\n"))
	r.check(t, cli.ExitUsage, `policy.decision_api.object_setters: object setter "urlmap": provided by acl-basics/urlmap, c-acl-basics/urlmap, rs-acl-basics/urlmap; choose one in policy.providers (urlmap: acl-basics)`)
}
