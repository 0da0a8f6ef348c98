package model

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// office returns a builder of a small valid model: two rooms joined both
// ways, a key lying in the hall and an actor holding a badge.
func office() *Builder {
	b := NewBuilder()
	for _, l := range []string{"office", "hall"} {
		must(b.AddLocation(l))
	}
	must(b.AddRole("staff"))
	must(b.AddPossessible(Possessible{Name: "key", Kind: KindCredential, At: "hall", Policies: DefaultPolicies(KindCredential)}))
	must(b.AddPossessible(Possessible{Name: "badge", Kind: KindCredential, Policies: DefaultPolicies(KindCredential)}))
	must(b.AddActor(Actor{Name: "eve", At: "hall", Roles: []string{"staff"}, Holds: []string{"badge"}, Goals: []string{"office"}}))
	must(b.AddConnection(Connection{From: "hall", To: "office", Policies: Policies{Move: {
		{Restrictions: Restrictions{Credentials: []string{"key"}}, Annotation: Annotation{Risk: 0, Time: 2}, Log: DefaultLog},
		{Annotation: Annotation{Risk: 10, Time: 5}},
	}}}))
	must(b.AddConnection(Connection{From: "office", To: "hall", Policies: Policies{Move: {{Annotation: DefaultAnnotation}}}}))
	return b
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func TestBuildSortsAndIndexes(t *testing.T) {
	m, err := office().Build()
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Locations(); !reflect.DeepEqual(got, []string{"hall", "office"}) {
		t.Errorf("Locations() = %v", got)
	}
	if got := m.Possessibles(); got[0].Name != "badge" || got[1].Name != "key" {
		t.Errorf("Possessibles() not sorted: %v", got)
	}
	hall, _ := m.LocationID("hall")
	office, _ := m.LocationID("office")
	arcs := m.Out(hall)
	if len(arcs) != 1 || arcs[0].To != office || arcs[0].Conn.To != "office" {
		t.Fatalf("Out(hall) = %+v", arcs)
	}
	if in := m.In(office); len(in) != 1 || in[0] != arcs[0] {
		t.Errorf("In(office) = %+v", in)
	}
	key, _ := m.PossessibleID("key")
	badge, _ := m.PossessibleID("badge")
	if got := m.LyingAt(hall); !reflect.DeepEqual(got, []int{key}) {
		t.Errorf("LyingAt(hall) = %v", got)
	}
	if m.Holder(badge) != 0 || m.Holder(key) != -1 {
		t.Errorf("holders: badge %d, key %d", m.Holder(badge), m.Holder(key))
	}
	e, err := m.Graph().Edge("hall", "office")
	if err != nil || e.Properties.Data.(*Connection) != arcs[0].Conn {
		t.Errorf("graph edge hall -> office = %+v, %v", e, err)
	}
	if k, ok := m.Kind("staff"); !ok || k != KindRole {
		t.Errorf("Kind(staff) = %v, %v", k, ok)
	}
}

func TestComponentAllows(t *testing.T) {
	m, err := office().Build()
	if err != nil {
		t.Fatal(err)
	}
	hall, _ := m.LocationID("hall")
	c := &m.Out(hall)[0].Conn.Policies[Move][0]
	none := NewSet(len(m.Possessibles()))
	if c.Allows(none, nil) {
		t.Error("the key component allows an actor without the key")
	}
	if !c.Allows(m.Holdings([]string{"key", "badge"}), nil) {
		t.Error("the key component refuses an actor with the key")
	}
	open := &m.Out(hall)[0].Conn.Policies[Move][1]
	if !open.Allows(nil, nil) {
		t.Error("the * component refuses anyone")
	}
}

func TestBuildErrors(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Builder) error
		want string
	}{
		{"duplicate across kinds", func(b *Builder) error { return b.AddRole("hall") }, `role "hall": declared twice (already a location)`},
		{"duplicate connection", func(b *Builder) error { return b.AddConnection(Connection{From: "hall", To: "office"}) }, `declared twice`},
		{"empty name", func(b *Builder) error { return b.AddLocation("") }, "empty name"},
		{"control character", func(b *Builder) error { return b.AddLocation("a\nb") }, "control character"},
		{"unknown start", func(b *Builder) error {
			return b.AddActor(Actor{Name: "bob", At: "roof"})
		}, `actor "bob" starts at "roof", which is not a location`},
		{"no start", func(b *Builder) error { return b.AddActor(Actor{Name: "bob"}) }, `actor "bob" has no start location`},
		{"holding lies elsewhere", func(b *Builder) error {
			return b.AddActor(Actor{Name: "bob", At: "hall", Holds: []string{"key"}})
		}, `actor "bob" holds "key", which lies at "hall"`},
		{"holding held twice", func(b *Builder) error {
			return b.AddActor(Actor{Name: "bob", At: "hall", Holds: []string{"badge"}})
		}, `actor "eve" holds "badge", which actor "bob" holds`},
		{"goal is a role", func(b *Builder) error {
			return b.AddActor(Actor{Name: "bob", At: "hall", Goals: []string{"staff"}})
		}, `goal "staff" is a role`},
		{"role named twice", func(b *Builder) error {
			return b.AddActor(Actor{Name: "bob", At: "hall", Roles: []string{"staff", "staff"}})
		}, `role "staff" named twice`},
		{"self loop", func(b *Builder) error { return b.AddConnection(Connection{From: "hall", To: "hall"}) }, "two different locations"},
		{"take on a connection", func(b *Builder) error {
			return b.AddConnection(Connection{From: "office", To: "lobby", Policies: Policies{Take: {{Annotation: DefaultAnnotation}}}})
		}, `"lobby" is not a location`},
		{"read a credential", func(b *Builder) error {
			return b.AddPossessible(Possessible{Name: "pin", Kind: KindCredential, Policies: Policies{Read: {{Annotation: DefaultAnnotation}}}})
		}, "only documents can be read"},
		{"risk over 100", func(b *Builder) error {
			return b.AddPossessible(Possessible{Name: "memo", Kind: KindDocument, Policies: Policies{Take: {{Annotation: Annotation{Risk: 101, Time: 1}}}}})
		}, "risk 101% is not between"},
		{"zero time", func(b *Builder) error {
			return b.AddPossessible(Possessible{Name: "memo", Kind: KindDocument, Policies: Policies{Take: {{Annotation: Annotation{}}}}})
		}, "time 0 is not between 1 and"},
		{"credential restriction is a document", func(b *Builder) error {
			must(b.AddPossessible(Possessible{Name: "memo", Kind: KindDocument, Policies: Policies{Take: {{Restrictions: Restrictions{Credentials: []string{"memo"}}, Annotation: DefaultAnnotation}}}}))
			return nil
		}, `possessible "memo": take: credential "memo" is a document`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := office()
			err := tc.edit(b)
			if err == nil {
				_, err = b.Build()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	if err := office().AddLocation("hall"); !errors.Is(err, ErrDuplicate) {
		t.Errorf("AddLocation(hall) = %v, want ErrDuplicate", err)
	}
}

func TestBuildDoesNotKeepInputs(t *testing.T) {
	b := office()
	roles := []string{"staff"}
	must(b.AddActor(Actor{Name: "bob", At: "office", Roles: roles}))
	m, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	roles[0] = "changed"
	id, _ := m.ActorID("bob")
	if got := m.Actors()[id].Roles[0]; got != "staff" {
		t.Errorf("the model kept the caller's slice: role %q", got)
	}
}

func TestSet(t *testing.T) {
	var s Set
	s.Add(3)
	s.Add(130)
	if !s.Has(3) || !s.Has(130) || s.Has(4) || s.Has(1000) {
		t.Errorf("Has wrong on %v", s)
	}
	if got := s.Members(); !reflect.DeepEqual(got, []int{3, 130}) {
		t.Errorf("Members() = %v", got)
	}
	sub := NewSet(4)
	sub.Add(3)
	if !s.Contains(sub) || sub.Contains(s) || !s.Contains(nil) {
		t.Error("Contains wrong")
	}
	c := s.Clone()
	c.Remove(130)
	if !s.Has(130) || c.Has(130) || !reflect.DeepEqual(c.Members(), []int{3}) {
		t.Error("Clone shares memory or Remove is wrong")
	}
}

func TestLogRules(t *testing.T) {
	if got, _ := DefaultLog.MarshalText(); string(got) != "action,source,target,possessible,credentials" {
		t.Errorf("DefaultLog = %s", got)
	}
	r := LogFields(LogActor, LogAction)
	if got := r.Fields(); !reflect.DeepEqual(got, []LogField{LogAction, LogActor}) {
		t.Errorf("Fields() = %v", got)
	}
	if f, ok := ParseLogField("credentials"); !ok || f != LogCredentials {
		t.Error("ParseLogField(credentials)")
	}
}
