package policy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// arpocDir holds ARPOC's sample configuration and the entity files of its
// tests (see conformance/README.md).
const arpocDir = "../conformance/arpoc"

// loadARPOC loads paths below arpocDir, failing when one is missing.
func loadARPOC(t testing.TB, paths ...string) *Snapshot {
	t.Helper()
	full := make([]string, len(paths))
	for i, p := range paths {
		full[i] = filepath.Join(arpocDir, p)
		if _, err := os.Stat(full[i]); err != nil {
			t.Fatal(err)
		}
	}
	return Load(full...)
}

// problemsOf returns the problems of s as text, with the folder of the
// conformance data cut.
func problemsOf(s *Snapshot) []string {
	var out []string
	for _, p := range s.Problems() {
		out = append(out, strings.TrimPrefix(p.Error(), arpocDir+"/"))
	}
	return out
}

// TestConformanceConfig loads ARPOC's sample configuration: every entity
// loads, and every service names a loaded policy set.
func TestConformanceConfig(t *testing.T) {
	s := loadARPOC(t, "config")
	if p := problemsOf(s); len(p) > 0 {
		t.Errorf("problems:\n%s", strings.Join(p, "\n"))
	}
	counts := map[Kind]int{}
	for _, e := range s.Entities() {
		counts[e.Kind]++
	}
	if counts[KindPolicySet] != 6 || counts[KindPolicy] != 7 || counts[KindRule] != 8 {
		t.Errorf("loaded %v, want 6 policy sets, 7 policies and 8 rules", counts)
	}

	b, err := os.ReadFile(filepath.Join(arpocDir, "config", "config.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Services map[string]struct {
			AC          string         `yaml:"AC"`
			Obligations map[string]any `yaml:"obligations"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Services) != 9 {
		t.Fatalf("config.yml: %d services, want 9", len(cfg.Services))
	}
	for name, svc := range cfg.Services {
		if _, ok := s.Entity(KindPolicySet, svc.AC); !ok {
			t.Errorf("service %s: AC %q is not a loaded policy set", name, svc.AC)
		}
	}
}

// TestConformanceTests loads the entity files of ARPOC's tests: every
// entity loads but the two its tests call broken, and the references to
// missing entities are reported.
func TestConformanceTests(t *testing.T) {
	s := loadARPOC(t, "tests")
	want := []string{
		`tests/entities.json:299: rule "rule_broken_syntax": Target, column 1: unknown word "something": an attribute starts with subject., object., environment. or access.`,
		`tests/entities.json:301: rule "rule_broken_syntax": Condition, column 1: unknown word "something": an attribute starts with subject., object., environment. or access.`,
		`tests/entities.json:310: policy "policy_no_cr": Resolver: "missing" is not one of ANY, AND, deny-overrides, permit-overrides, first-applicable`,
		`tests/entities.json:75: policy set "com.example.policysets.default2": Policies: no policy "com.example.policies.default2" is loaded`,
		`tests/missing_entity.json:6: policy "policy_with_missing_rule": Rules: no rule "not-existing" is loaded`,
		`tests/missing_entity.json:16: policy set "policyset_with_missing_policyset": PolicySets: no policy set "not-existing" is loaded`,
		`tests/missing_entity.json:25: policy set "policyset_with_missing_policy": Policies: no policy "not-existing" is loaded`,
	}
	if got := problemsOf(s); !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := len(s.Entities()); n != 37 {
		t.Errorf("%d entities loaded, want 37 (39 defined, 2 broken)", n)
	}
}

// TestConformanceBroken loads each broken file of ARPOC's tests together
// with the good ones: each is refused with a clear problem naming the file
// and the entity, and the good files load all the same.
func TestConformanceBroken(t *testing.T) {
	for _, tt := range []struct {
		file string
		want []string
	}{
		{"broken_json", []string{
			`tests/broken_json:1:27: invalid JSON: invalid character ':' after top-level value`,
		}},
		{"broken_definitions", []string{
			`tests/broken_definitions:2: policy "policy_with_missing_rule": Rules: missing; a policy needs it`,
			`tests/broken_definitions:10: entity "policyset_with_missing_policyset": Type: "not-existing" is not PolicySet, Policy or Rule`,
		}},
		{"json_no_ac_format", []string{
			`tests/json_no_ac_format:2: entity "key1": a definition is a JSON object, not a string`,
			`tests/json_no_ac_format:3: entity "key2": a definition is a JSON object, not a number`,
		}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			s := loadARPOC(t, "config", filepath.Join("tests", tt.file))
			if got := problemsOf(s); !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if n := len(s.Entities()); n != 21 {
				t.Errorf("%d entities loaded, want the 21 of config", n)
			}
		})
	}
}

// fulfil is an ObligationRunner that fulfils every obligation but those
// in refuse, and records what it ran.
type fulfil struct {
	refuse []string
	ran    []string
	effect Result
}

func (f *fulfil) Oblige(_ context.Context, name string, effect Result, _ *Attributes, _ map[string]any) (bool, string, error) {
	f.ran = append(f.ran, name)
	f.effect = effect
	if slices.Contains(f.refuse, name) {
		return false, "refused by the test", nil
	}
	return true, "", nil
}

// decideCase is a decision over ARPOC's entities and what it must give.
type decideCase struct {
	name      string
	policySet string
	attrs     Attributes
	refuse    []string // obligations the runner refuses
	result    Result
	effect    Result
	obliged   []string // obligations run, in order
	missing   []string
	err       string // part of Decision.Error
}

func (tt decideCase) run(t *testing.T, e *Engine, f *fulfil) {
	t.Helper()
	*f = fulfil{refuse: tt.refuse}
	d, err := e.Decide(t.Context(), Request{PolicySet: tt.policySet, Attributes: tt.attrs})
	if err != nil {
		t.Fatal(err)
	}
	if d.Result != tt.result || d.Effect != tt.effect {
		t.Errorf("result %s, effect %s; want %s, %s\n%s", d.Result, d.Effect, tt.result, tt.effect, d.Explain())
	}
	if !slices.Equal(f.ran, tt.obliged) {
		t.Errorf("obligations run %v, want %v", f.ran, tt.obliged)
	}
	if len(f.ran) > 0 && f.effect != tt.effect {
		t.Errorf("obligations told %s, want %s", f.effect, tt.effect)
	}
	if !slices.Equal(d.Missing, tt.missing) {
		t.Errorf("missing %v, want %v", d.Missing, tt.missing)
	}
	if !strings.Contains(d.Error, tt.err) || (tt.err == "") != (d.Error == "") {
		t.Errorf("error %q, want %q", d.Error, tt.err)
	}
}

// TestConformanceDecisions decides requests over ARPOC's sample entities
// (config/), as ARPOC's documentation says they are decided.
func TestConformanceDecisions(t *testing.T) {
	f := &fulfil{}
	e := NewEngine(loadARPOC(t, "config"), Config{Obligations: f})
	email := map[string]any{"email": "someone@example.com"}
	for _, tt := range []decideCase{
		{name: "always grant", policySet: "com.example.policysets.alwaysGrant", result: Grant, effect: Grant},
		{name: "always deny", policySet: "com.example.policysets.alwaysDeny", result: Deny, effect: Deny},
		{name: "working time, inside", policySet: "com.example.policysets.default",
			attrs: Attributes{Environment: map[string]any{"time": "10:25:00"}}, result: Grant, effect: Grant},
		{name: "working time, after", policySet: "com.example.policysets.default",
			attrs: Attributes{Environment: map[string]any{"time": "10:31:00"}}, result: Deny, effect: Deny},
		{name: "working time, unknown", policySet: "com.example.policysets.default",
			result: Deny, effect: Deny, missing: []string{"environment.time"}},
		{name: "logged in", policySet: "com.example.policysets.loggedIn",
			attrs:  Attributes{Subject: email, Object: map[string]any{"path": "docs/a"}},
			result: Grant, effect: Grant, obliged: []string{"obl_log_successful", "obl_log"}},
		{name: "logged in, an obligation unfulfilled", policySet: "com.example.policysets.loggedIn",
			attrs:  Attributes{Subject: email, Object: map[string]any{"path": "docs/a"}},
			refuse: []string{"obl_log"}, result: Deny, effect: Grant, obliged: []string{"obl_log_successful", "obl_log"}},
		{name: "not logged in", policySet: "com.example.policysets.loggedIn",
			attrs:  Attributes{Object: map[string]any{"path": "docs/a"}},
			result: Deny, effect: Deny, obliged: []string{"obl_log"}, missing: []string{"subject.email"}},
		{name: "empty email", policySet: "com.example.policysets.loggedIn",
			attrs:  Attributes{Subject: map[string]any{"email": ""}, Object: map[string]any{"path": "docs/a"}},
			result: Deny, effect: Deny, obliged: []string{"obl_log_successful", "obl_log"}},
		{name: "admin pages, old enough", policySet: "com.example.policysets.loggedIn",
			attrs:  Attributes{Subject: map[string]any{"email": "a@example.com", "age": 10}, Object: map[string]any{"path": "admin/users"}},
			result: Grant, effect: Grant, obliged: []string{"obl_log_successful", "obl_log"}},
		{name: "admin pages, too young", policySet: "com.example.policysets.loggedIn",
			attrs:  Attributes{Subject: map[string]any{"email": "a@example.com", "age": 9.0}, Object: map[string]any{"path": "admin/users"}},
			result: Deny, effect: Deny, obliged: []string{"obl_log_successful", "obl_log"}},
		{name: "admin pages, no age", policySet: "com.example.policysets.loggedIn",
			attrs:  Attributes{Subject: email, Object: map[string]any{"path": "admin/users"}},
			result: Deny, effect: Deny, obliged: []string{"obl_log_successful", "obl_log"}, missing: []string{"subject.age"}},
		{name: "no path", policySet: "com.example.policysets.loggedIn",
			attrs:  Attributes{Subject: email},
			result: Grant, effect: Grant, obliged: []string{"obl_log_successful", "obl_log"}, missing: []string{"object.path"}},
		{name: "age of the wrong type", policySet: "com.example.policysets.loggedIn",
			attrs:  Attributes{Subject: map[string]any{"email": "a@example.com", "age": "10"}, Object: map[string]any{"path": "admin"}},
			result: Deny, effect: Deny,
			err: `rule "com.example.rules.is_admin": Condition, column 13: > needs two numbers or booleans, two strings or two lists, not string '10' and integer 9`},
		{name: "in the test group", policySet: "com.example.policysets.inTestGroup",
			attrs: Attributes{Subject: map[string]any{"groups": []any{"/test1", "/admins"}}}, result: Grant, effect: Grant},
		{name: "not in the test group", policySet: "com.example.policysets.inTestGroup",
			attrs: Attributes{Subject: map[string]any{"groups": []any{"/test"}}}, result: Deny, effect: Deny},
		{name: "no groups", policySet: "com.example.policysets.inTestGroup",
			result: Deny, effect: Deny, missing: []string{"subject.groups"}},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, e, f) })
	}
	if _, err := e.Decide(t.Context(), Request{PolicySet: "not-existing"}); !errors.Is(err, ErrUnknownPolicySet) {
		t.Errorf("unknown policy set: error %v, want ErrUnknownPolicySet", err)
	}
}

// evaluateEntity evaluates any entity of s, not only a policy set, as
// ARPOC's tests do, and returns its node and the missing attributes and
// the obligations of the evaluation.
func evaluateEntity(t *testing.T, s *Snapshot, kind Kind, id string, attrs Attributes) (*Node, []string, []string) {
	t.Helper()
	e := s.byKind[kind][id]
	if e == nil {
		t.Fatalf("no %s %q", kind.word(), id)
	}
	ev := startEvaluation(t.Context(), &Config{}, s, e, Request{Attributes: attrs})
	defer ev.finish()
	n := ev.evaluate(e)
	if ev.err != nil {
		t.Fatal(ev.err)
	}
	var obligations []string
	for _, o := range ev.obligations() {
		obligations = append(obligations, o.Name)
	}
	return n, ev.missing, obligations
}

// TestConformanceEntities evaluates the entities of ARPOC's tests one by
// one, with the results ARPOC's tests give them.
func TestConformanceEntities(t *testing.T) {
	s := loadARPOC(t, "tests")
	empty := Attributes{Subject: map[string]any{}, Object: map[string]any{}, Environment: map[string]any{}}
	user := func(email, url string) Attributes {
		return Attributes{Subject: map[string]any{"email": email}, Object: map[string]any{"url": url}}
	}
	for _, tt := range []struct {
		kind        Kind
		id          string
		attrs       Attributes
		result      Result
		incomplete  bool
		missing     []string
		obligations []string
	}{
		{KindPolicySet, "com.example.policysets.alwaysGrant", empty, Grant, false, nil, nil},
		{KindPolicySet, "policyset_with_obligation", empty, Grant, false, nil, []string{"obl_log_failed"}},
		{KindPolicySet, "com.example.policysets.loggedIn", user("admin@example.com", "notSecure"), Grant, false, nil, nil},
		{KindPolicySet, "com.example.policysets.loggedIn", user("admin@example.com", "admin"), Grant, false, nil, nil},
		{KindPolicySet, "com.example.policysets.loggedIn", user("normaluser@example.com", "admin"), Deny, false, nil, nil},
		{KindPolicy, "policy_with_missing_rule", empty, NotApplicable, true, nil, nil},
		{KindPolicySet, "policyset_with_missing_policyset", empty, NotApplicable, true, nil, nil},
		{KindPolicySet, "policyset_with_missing_policy", empty, NotApplicable, true, nil, nil},
		{KindPolicy, "policy_target_missing_subject_attr", empty, NotApplicable, true, []string{"subject.missing"}, nil},
		{KindPolicy, "policy_target_missing_object_attr", empty, NotApplicable, true, []string{"object.missing"}, nil},
		{KindPolicy, "policy_target_missing_environment_attr", empty, NotApplicable, true, []string{"environment.missing"}, nil},
		{KindPolicySet, "policyset_contain_missing_target_policy", empty, Grant, false, []string{"subject.missing"}, nil},
		{KindRule, "rule_target_missing_subject_attr", empty, NotApplicable, true, []string{"subject.missing"}, nil},
		{KindRule, "rule_target_missing_object_attr", empty, NotApplicable, true, []string{"object.missing"}, nil},
		{KindRule, "rule_target_missing_environment_attr", empty, NotApplicable, true, []string{"environment.missing"}, nil},
		{KindRule, "rule_condition_missing_subject_attr", empty, Deny, true, []string{"subject.missing"}, nil},
		{KindRule, "rule_condition_missing_object_attr", empty, Deny, true, []string{"object.missing"}, nil},
		{KindRule, "rule_condition_missing_environment_attr", empty, Deny, true, []string{"environment.missing"}, nil},
		{KindPolicy, "policy_contain_rule_missing_subject_attr_condition", empty, Deny, false, []string{"subject.missing"}, nil},
		{KindPolicy, "policy_contain_rule_missing_subject_attr_target", empty, Grant, false, []string{"subject.missing"}, nil},
	} {
		t.Run(tt.id, func(t *testing.T) {
			n, missing, obligations := evaluateEntity(t, s, tt.kind, tt.id, tt.attrs)
			if n.Result != tt.result || n.Incomplete != tt.incomplete {
				t.Errorf("result %s (incomplete %v), want %s (%v)", n.Result, n.Incomplete, tt.result, tt.incomplete)
			}
			if !slices.Equal(missing, tt.missing) {
				t.Errorf("missing %v, want %v", missing, tt.missing)
			}
			if !slices.Equal(obligations, tt.obligations) {
				t.Errorf("obligations %v, want %v", obligations, tt.obligations)
			}
		})
	}
}
