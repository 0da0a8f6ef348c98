package lang

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/sim/model"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func parseFile(t *testing.T, path string) *model.Model {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(src)
	if err != nil {
		t.Fatalf("%s:%v", path, err)
	}
	return m
}

// TestSeedFragment parses the model fragment of the framework's thesis as
// written and checks the re-mapped access policy.
func TestSeedFragment(t *testing.T) {
	m := parseFile(t, "testdata/seed.model")
	if got := m.Locations(); !reflect.DeepEqual(got, []string{"hallway", "office"}) {
		t.Errorf("locations = %v", got)
	}
	if p := m.Possessibles(); len(p) != 1 || p[0].Name != "key" || p[0].Kind != model.KindCredential || p[0].At != "" {
		t.Errorf("possessibles = %+v", p)
	}
	conns := m.Connections()
	if len(conns) != 1 || conns[0].From != "hallway" || conns[0].To != "office" {
		t.Fatalf("connections = %+v", conns)
	}
	got := stripped(conns[0].Policies)
	want := [model.NumActions][]model.Component{model.Move: {
		{Restrictions: model.Restrictions{Credentials: []string{"key"}}, Annotation: model.Annotation{Risk: 0, Time: 2}, Log: model.DefaultLog},
		{Annotation: model.Annotation{Risk: 10, Time: 5}},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("policies = %+v\nwant %+v", got, want)
	}
}

func TestFullModel(t *testing.T) {
	m := parseFile(t, "testdata/full.model")
	id, _ := m.ActorID("alice")
	alice := m.Actors()[id]
	want := model.Actor{Name: "alice", Roles: []string{"staff"}, At: "lobby", Holds: []string{"badge", "memo"}, Goals: []string{"server room"}}
	if !reflect.DeepEqual(alice, want) {
		t.Errorf("alice = %+v", alice)
	}
	if n := len(m.Connections()); n != 6 {
		t.Errorf("%d connections, want 6 (street <-> lobby makes two)", n)
	}
	lobby, _ := m.LocationID("lobby")
	guard := m.Out(lobby)[0].Conn.Policies[model.Move][1]
	if guard.Log != model.LogFields(model.LogAction, model.LogActor) || guard.Annotation.Risk != 0.5 || guard.Restrictions.Roles[0] != "guard" {
		t.Errorf("lobby -> hallway guard component = %+v", guard)
	}
	pid, _ := m.PossessibleID("plans")
	plans := m.Possessibles()[pid].Policies
	if len(plans[model.Read]) != 1 || len(plans[model.Take]) != 1 || len(plans[model.Drop]) != 1 || plans[model.Drop][0].Annotation != model.DefaultAnnotation {
		t.Errorf("plans policies = %+v", plans)
	}
	kid, _ := m.PossessibleID("key")
	if !reflect.DeepEqual(m.Possessibles()[kid].Policies, model.Policies{}) {
		t.Errorf("key { } should allow nothing: %+v", m.Possessibles()[kid].Policies)
	}
	mid, _ := m.PossessibleID("memo")
	if !reflect.DeepEqual(stripped(m.Possessibles()[mid].Policies), stripped(model.DefaultPolicies(model.KindDocument))) {
		t.Errorf("memo without a policy should get the default policies")
	}
}

// TestFormatGolden checks the printed form of the test models against
// golden files (go test -update rewrites them) and that each reads back
// into an equal model.
func TestFormatGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.model")
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			m := parseFile(t, file)
			out := Format(m)
			golden := strings.TrimSuffix(file, ".model") + ".golden"
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != string(want) {
				t.Errorf("Format() =\n%s\nwant\n%s", out, want)
			}
			back, err := Parse(out)
			if err != nil {
				t.Fatalf("printed model does not parse: %v\n%s", err, out)
			}
			if !back.Equal(m) {
				t.Errorf("parse(print(m)) differs from m:\n%s", out)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string // errors as line:col: message fragments
	}{
		{"unknown section", "places { a; }", []string{"1:1: expected a section"}},
		{"missing semicolon", "locations {\n  a\n}", []string{"3:1: expected \";\" after a location, found \"}\""}},
		{"keyword as name", "locations { at; }", []string{`1:13: expected a location, found the keyword "at"`}},
		{"unterminated block", "locations { a;", []string{"1:15: expected \"}\" to close after locations"}},
		{"unknown character", "locations { a# }", []string{"1:14: unexpected character '#'"}},
		{"invalid utf-8", "locations { a\xff; }", []string{"1:14: invalid UTF-8"}},
		{"unterminated quote", "locations { \"a; }", []string{"1:13: quoted name not terminated"}},
		{"bad escape", `locations { "a\n"; }`, []string{`1:15: unknown escape`}},
		{"empty quoted name", `locations { ""; }`, []string{"1:13: empty name"}},
		{"unterminated comment", "/* x\nlocations {}", []string{"1:1: comment not terminated"}},
		{"risk over 100", "connections { a -> b { *: m (101%, 1) } }", []string{"1:30: risk 101% is more than 100%"}},
		{"time zero", "connections { a -> b { *: m (1%, 0) } }", []string{"1:34: time 0 is less than 1 tick"}},
		{"fractional time", "connections { a -> b { *: m (1%, 1.5) } }", []string{"1:34: time 1.5 is not a whole number"}},
		{"missing percent", "connections { a -> b { *: m (1, 2) } }", []string{`1:31: expected "%" after the risk`}},
		{"unknown action", "connections { a -> b { *: fly } }", []string{"1:27: expected an action"}},
		{"unknown log field", "connections { a -> b { *: m log[who] } }", []string{`1:33: unknown log field "who"`}},
		{"log twice", "connections { a -> b { *: mlog log } }", []string{"1:32: log given twice"}},
		{"field twice", "connections { a -> b { *: m log[actor, actor] } }", []string{`1:40: log field "actor" named twice`}},
		{"duplicate location", "locations { a; b;\n a; }", []string{`2:2: "a" declared twice: first as a location at 1:13`}},
		{"duplicate across kinds", "locations { a; }\nroles { a; }", []string{`2:9: "a" declared twice: first as a location at 1:13`}},
		{"unknown location", "locations { a; }\nconnections { a -> b { } }", []string{`2:20: unknown location "b"`}},
		{"unknown requirement", "locations { a; b; }\npossessibles { credential k; }\nconnections { a -> b { kk: m } }", []string{`3:24: unknown credential or role "kk"`}},
		{"requirement is a location", "connections { a -> b { a: m } }", []string{`1:24: "a" is a location (declared at 1:15), not a credential or role`}},
		{"self loop", "connections { a -> a { } }", []string{`1:15: connection from "a" to itself`}},
		{"duplicate connection", "connections { a -> b { }\n b <-> a { } }", []string{`2:2: connection "a" -> "b" declared twice (first at 1:15)`}},
		{"take on a connection", "connections { a -> b { *: t } }", []string{"1:27: a connection's policy governs move, not take"}},
		{"move on a possessible", "possessibles { credential k at a; }\npolicies { k { *: m } }", []string{"2:19: a possessible's policy governs take, read and drop, not move"}},
		{"read a credential", "possessibles { credential k at a; }\npolicies { k { *: r } }", []string{`2:19: "k" is a credential, and only documents can be read`}},
		{"policy twice", "possessibles { credential k; }\npolicies { k { } k { } }", []string{`2:18: policy of "k" given twice (first at 2:12)`}},
		{"policy of a location", "locations { a; }\npolicies { a { } }", []string{`2:12: "a" is a location (declared at 1:13), not a possessible`}},
		{"actor without start", "actors { eve { goals x; } }", []string{`1:10: actor "eve" has no start location`, `1:22: unknown location or possessible "x"`}},
		{"start twice", "actors { eve { at a; at b; } }", []string{`1:22: actor "eve": start location given twice (first at 1:19)`}},
		{"holding lies elsewhere", "possessibles { credential k at a; }\nactors { eve { at a; holds k; } }", []string{`2:28: "k" is held or lies elsewhere already (at 1:32)`}},
		{"holding held twice", "possessibles { credential k; }\nactors { eve { at a; holds k; } bob { at a; holds k; } }", []string{`2:51: "k" is held or lies elsewhere already (at 2:28)`}},
		{"role named twice", "roles { r; }\nactors { eve { at a; roles r, r; } }", []string{`2:31: role "r" named twice (first at 2:28)`}},
		{"unknown role, roles always declared", "connections { a -> b { } }\nactors { eve { at a; roles boss; } }", []string{`2:28: unknown role "boss"`}},
		{"several errors in order", "locations { a; }\nconnections { a -> x { } y -> a { } }", []string{`2:20: unknown location "x"`, `2:26: unknown location "y"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src))
			var list ErrorList
			if err == nil {
				t.Fatal("no error")
			}
			list = err.(ErrorList)
			if len(list) != len(tc.want) {
				t.Fatalf("errors:\n%v\nwant %d: %q", err, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if got := list[i].Error(); !strings.HasPrefix(got, w) {
					t.Errorf("error %d = %q, want prefix %q", i, got, w)
				}
			}
		})
	}
}

func TestQuote(t *testing.T) {
	cases := map[string]string{
		"hallway":     "hallway",
		"server room": `"server room"`,
		"log":         `"log"`,
		"a->b":        `"a->b"`,
		"a-b.c_d":     "a-b.c_d",
		`say "hi" \o`: `"say \"hi\" \\o"`,
		"1st":         `"1st"`,
		"café":        "café",
	}
	for in, want := range cases {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
		m, err := Parse([]byte("locations { " + Quote(in) + "; }"))
		if err != nil || m.Locations()[0] != in {
			t.Errorf("location %s does not read back as %q: %v", Quote(in), in, err)
		}
	}
}
