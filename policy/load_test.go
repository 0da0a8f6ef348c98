package policy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeEntities writes files, by name, into a new folder and returns it.
func writeEntities(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loadText loads files from a new folder and returns the snapshot and its
// problems, with the folder cut from their file names.
func loadText(t *testing.T, files map[string]string) (*Snapshot, []string) {
	t.Helper()
	dir := writeEntities(t, files)
	s := Load(dir)
	var out []string
	for _, p := range s.Problems() {
		text := strings.ReplaceAll(p.Error(), dir+string(filepath.Separator), "")
		if p.Warning {
			text = "warning: " + text
		}
		out = append(out, text)
	}
	return s, out
}

func ids(s *Snapshot) []string {
	var out []string
	for _, e := range s.Entities() {
		out = append(out, e.Kind.String()+":"+e.ID)
	}
	return out
}

func TestLoadProblems(t *testing.T) {
	for _, tt := range []struct {
		name     string
		file     string
		problems []string
		loaded   []string
	}{
		{
			name: "every key, each of the wrong type",
			file: `{
"r": {"Type": "Rule", "Target": 5, "Condition": ["x"], "Effect": "PERMIT", "Obligations": "log", "Description": null},
"ok": {"Type": "Rule", "Condition": "True", "Effect": "DENY"}
}`,
			problems: []string{
				`e.json:2: rule "r": Description: must be a string, not null`,
				`e.json:2: rule "r": Obligations: must be a list of strings, not a string`,
				`e.json:2: rule "r": Target: must be a string, not a number`,
				`e.json:2: rule "r": Condition: must be a string, not a list`,
				`e.json:2: rule "r": Effect: "PERMIT" is not GRANT or DENY`,
			},
			loaded: []string{"Rule:ok"},
		},
		{
			name: "keys of other kinds, unknown and repeated keys",
			file: `{
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": [], "Condition": "True"},
"s": {"Type": "PolicySet", "Resolver": "AND", "Policies": [], "Extra": 1},
"r": {"Type": "Rule", "Condition": "True", "Condition": "False", "Effect": "GRANT"},
"t": {"Effect": "GRANT"}
}`,
			problems: []string{
				`e.json:2: policy "p": Condition: a policy has no Condition; rules have it`,
				`e.json:3: policy set "s": Extra: unknown key`,
				`e.json:4: entity "r": Condition: the key appears twice`,
				`e.json:5: entity "t": Type: missing; a policy set needs it`,
			},
		},
		{
			name: "required keys",
			file: `{
"p": {"Type": "Policy", "Rules": ["x"]},
"s": {"Type": "PolicySet", "Resolver": "ANY"},
"r": {"Type": "Rule", "Effect": "GRANT"},
"q": {"Type": "Policy", "Resolver": "ANY", "Rules": [""]}
}`,
			problems: []string{
				`e.json:2: policy "p": Resolver: missing; a policy needs it`,
				`e.json:3: policy set "s": a policy set needs PolicySets or Policies`,
				`e.json:4: rule "r": Condition: missing; a rule needs it`,
				`e.json:5: policy "q": Rules: item 1 is empty`,
			},
		},
		{
			name: "expressions",
			file: `{
"r1": {"Type": "Rule", "Target": "subject.a ==", "Condition": "subject.x > 'a' and", "Effect": "GRANT"},
"r2": {"Type": "Rule", "Target": "subject.a or subject.b and subject.c",
       "Condition": "subject.x matches '['", "Effect": "GRANT"},
"r3": {"Type": "Rule", "Condition": "subject.a and subject.b or subject.c", "Effect": "GRANT"},
"r4": {"Type": "Rule", "Condition": "subject.a matches '[[:alpha:]]{,8}'", "Effect": "GRANT"}
}`,
			problems: []string{
				`e.json:2: rule "r1": Target, column 13: unexpected end of expression; expected an attribute, a literal, exists, not or (`,
				`e.json:2: rule "r1": Condition, column 20: unexpected end of expression; expected an attribute, a literal, exists, not or (`,
				`warning: e.json:3: rule "r2": Target, column 11: and and or mixed without parentheses: read as and first, then or; ARPOC groups such expressions unpredictably, so add parentheses`,
				`e.json:4: rule "r2": Condition, column 11: bad regular expression '[': missing closing ]: ` + "`[`",
				`warning: e.json:5: rule "r3": Condition, column 25: and and or mixed without parentheses: read as and first, then or; ARPOC groups such expressions unpredictably, so add parentheses`,
				`warning: e.json:6: rule "r4": Condition, column 11: [:alpha:] in pattern '[[:alpha:]]{,8}' is a POSIX class in RE2 but a set of its characters in Python's re (ARPOC): write the characters, such as [a-zA-Z] for [:alpha:]`,
				`warning: e.json:6: rule "r4": Condition, column 11: {,8} in pattern '[[:alpha:]]{,8}' is literal text in RE2 but the repetition {0,8} in Python's re (ARPOC): write {0,8}, or \{,8} for the text`,
			},
			loaded: []string{"Rule:r3", "Rule:r4"},
		},
		{
			name:     "not an object of entities",
			file:     `["a"]`,
			problems: []string{`e.json:1:1: a file of entities holds one JSON object, the entities by id, not a list`},
		},
		{
			name:     "a lone surrogate",
			file:     "{\n\"r\": {\"Type\": \"Rule\", \"Condition\": \"subject.a == '\\ud83d'\", \"Effect\": \"GRANT\"}\n}",
			problems: []string{`e.json:2:51: invalid JSON: lone surrogate \ud83d, which is no character: escape a character beyond U+FFFF as a pair, such as \ud835\udd18`},
		},
		{
			name:     "empty",
			file:     ``,
			problems: []string{`e.json:1:1: invalid JSON: unexpected end of JSON input`},
		},
		{
			name:     "trailing data",
			file:     "{}\n{}",
			problems: []string{`e.json:2:1: invalid JSON: invalid character '{' after top-level value`},
		},
		{
			name: "an id twice in a file",
			file: `{
"r": {"Type": "Rule", "Condition": "True", "Effect": "GRANT"},
"r": {"Type": "Rule", "Condition": "False", "Effect": "GRANT"}
}`,
			problems: []string{`e.json:3: entity "r": is defined twice in this file; the definition at line 2 stays`},
			loaded:   []string{"Rule:r"},
		},
		{
			name: "references",
			file: `{
"s": {"Type": "PolicySet", "Resolver": "ANY", "PolicySets": ["r"], "Policies": ["gone", "bad"]},
"bad": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"], "Target": "("},
"r": {"Type": "Rule", "Condition": "True", "Effect": "GRANT"}
}`,
			problems: []string{
				`e.json:3: policy "bad": Target, column 2: unexpected end of expression; expected an attribute, a literal, exists, not or (`,
				`e.json:2: policy set "s": PolicySets: no policy set "r" is loaded; "r" is a rule`,
				`e.json:2: policy set "s": Policies: no policy "gone" is loaded`,
				`e.json:2: policy set "s": Policies: no policy "bad" is loaded; its definition was refused (e.json:3: policy "bad": Target, column 2: unexpected end of expression; expected an attribute, a literal, exists, not or ()`,
			},
			loaded: []string{"PolicySet:s", "Rule:r"},
		},
		{
			name: "cycles",
			file: `{
"a": {"Type": "PolicySet", "Resolver": "ANY", "PolicySets": ["b"]},
"b": {"Type": "PolicySet", "Resolver": "ANY", "PolicySets": ["c"],
      "Policies": []},
"c": {"Type": "PolicySet", "Resolver": "ANY", "PolicySets": ["a"]},
"self": {"Type": "PolicySet", "Resolver": "ANY", "PolicySets": ["self"]},
"top": {"Type": "PolicySet", "Resolver": "ANY", "PolicySets": ["a"]}
}`,
			problems: []string{
				`e.json:2: policy set "a": PolicySets: is part of a cycle: the policy sets "a", "b" and "c" contain one another; a policy set cannot contain itself`,
				`e.json:3: policy set "b": PolicySets: is part of a cycle: the policy sets "a", "b" and "c" contain one another; a policy set cannot contain itself`,
				`e.json:5: policy set "c": PolicySets: is part of a cycle: the policy sets "a", "b" and "c" contain one another; a policy set cannot contain itself`,
				`e.json:6: policy set "self": PolicySets: contains itself; a policy set cannot`,
				`e.json:7: policy set "top": PolicySets: no policy set "a" is loaded; its definition was refused (e.json:2: policy set "a": PolicySets: is part of a cycle: the policy sets "a", "b" and "c" contain one another; a policy set cannot contain itself)`,
			},
			loaded: []string{"PolicySet:top"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, problems := loadText(t, map[string]string{"e.json": tt.file})
			if !slices.Equal(problems, tt.problems) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(problems, "\n"), strings.Join(tt.problems, "\n"))
			}
			if got := ids(s); !slices.Equal(got, tt.loaded) {
				t.Errorf("loaded %v, want %v", got, tt.loaded)
			}
		})
	}
}

// TestLoadFiles checks which files of a folder load, in which order, and
// that an id defined in two files keeps its first definition.
func TestLoadFiles(t *testing.T) {
	rule := func(cond string) string {
		return `{"r": {"Type": "Rule", "Condition": "` + cond + `", "Effect": "GRANT"}}`
	}
	dir := writeEntities(t, map[string]string{
		"a.json":     rule("True"),
		"b.json":     rule("False"),
		"notes.txt":  "not entities",
		"c.json.bak": "{",
	})
	if err := os.Mkdir(filepath.Join(dir, "sub.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	s := Load(dir, filepath.Join(dir, "missing"))
	var problems []string
	for _, p := range s.Problems() {
		problems = append(problems, strings.ReplaceAll(p.Error(), dir, "DIR"))
	}
	want := []string{
		`DIR/missing: stat DIR/missing: no such file or directory`,
		`DIR/b.json:1: rule "r": is defined again; the first definition, at DIR/a.json:1, stays`,
	}
	if !slices.Equal(problems, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(problems, "\n"), strings.Join(want, "\n"))
	}
	if e, _ := s.Entity(KindRule, "r"); e.Condition != "True" || e.File != filepath.Join(dir, "a.json") {
		t.Errorf("rule r = %+v, want the one of a.json", e)
	}
	// A file given by name loads whatever its name.
	s = Load(filepath.Join(dir, "notes.txt"))
	if got := s.Problems(); len(got) != 1 || !strings.Contains(got[0].Error(), "invalid JSON") {
		t.Errorf("notes.txt: problems %v", got)
	}
}

// TestEntityFields checks what Entities reports of each kind.
func TestEntityFields(t *testing.T) {
	s, problems := loadText(t, map[string]string{"e.json": `{
"s": {"Type": "PolicySet", "Description": "d", "Resolver": "first-applicable", "PolicySets": [], "Policies": ["p"], "Obligations": ["log"]},
"p": {"Type": "Policy", "Target": "exists subject.x", "Resolver": "deny-overrides", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "True", "Effect": "DENY"}
}`})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	got := s.Entities()
	dir := filepath.Dir(got[0].File)
	want := []Entity{
		{ID: "s", Kind: KindPolicySet, File: filepath.Join(dir, "e.json"), Line: 2, Description: "d", Target: "True", Resolver: FirstApplicable, PolicySets: []string{}, Policies: []string{"p"}, Obligations: []string{"log"}},
		{ID: "p", Kind: KindPolicy, File: filepath.Join(dir, "e.json"), Line: 3, Target: "exists subject.x", Resolver: DenyOverrides, Rules: []string{"r"}},
		{ID: "r", Kind: KindRule, File: filepath.Join(dir, "e.json"), Line: 4, Target: "True", Condition: "True", Effect: Deny},
	}
	for i := range want {
		if !entityEqual(got[i], want[i]) {
			t.Errorf("entity %d = %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if sets := s.PolicySets(); !slices.Equal(sets, []string{"s"}) {
		t.Errorf("PolicySets() = %v", sets)
	}
}

func entityEqual(a, b Entity) bool {
	return a.ID == b.ID && a.Kind == b.Kind && a.File == b.File && a.Line == b.Line && a.Description == b.Description &&
		a.Target == b.Target && a.Condition == b.Condition && a.Effect == b.Effect && a.Resolver == b.Resolver &&
		slices.Equal(a.PolicySets, b.PolicySets) && slices.Equal(a.Policies, b.Policies) && slices.Equal(a.Rules, b.Rules) &&
		slices.Equal(a.Obligations, b.Obligations)
}
