package expr

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

// mapEnv serves attributes from one map per category, following dotted
// paths through nested maps. It counts the lookups.
type mapEnv struct {
	cats    map[Category]map[string]any
	lookups int
}

func (e *mapEnv) Attribute(a *Attribute) (any, bool, error) {
	e.lookups++
	var v any = e.cats[a.Category]
	for _, seg := range a.Segments {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false, nil
		}
		if v, ok = m[seg]; !ok {
			return nil, false, nil
		}
	}
	return v, true, nil
}

func env(subject, object, environment, access map[string]any) *mapEnv {
	return &mapEnv{cats: map[Category]map[string]any{Subject: subject, Object: object, Environment: environment, Access: access}}
}

// outcome is what an evaluation gave, for tables: "true", "false",
// "missing subject.x" or "error column N: ...".
func outcome(b bool, err error) string {
	var m *MissingError
	var e *Error
	switch {
	case errors.As(err, &m):
		return m.Error()
	case errors.As(err, &e):
		return "error " + e.Error()
	case err != nil:
		return "unexpected " + err.Error()
	}
	return fmt.Sprint(b)
}

func TestEval(t *testing.T) {
	subject := map[string]any{
		"email":    "admin@example.com",
		"name":     "fritz.mueller",
		"groups":   []any{"admin", "user", "group"},
		"tags":     []string{"a", "b"},
		"age":      float64(42), // as encoding/json decodes it
		"count":    7,
		"big":      int64(math.MaxInt64),
		"ratio":    0.5,
		"verified": true,
		"empty":    "",
		"none":     nil,
		"nested":   map[string]any{"deep": map[string]any{"leaf": "x"}},
		"claims":   map[string]string{"role": "ops"},
		"number":   json.Number("12"),
		"raw":      []byte("bytes"),
		"u":        uint64(math.MaxUint64),
		"nan":      math.NaN(),
		"list2":    []any{1, "a"},
	}
	object := map[string]any{"test": true, "path": "admin/x", "allowed": []any{"admin@example.com"}}
	access := map[string]any{
		"method":  "GET",
		"headers": map[string]any{"Authorization": "bla"},
		"n1":      map[string]any{"n2": map[string]any{"n3": map[string]any{"n4": "bla"}}},
	}
	environment := map[string]any{"time": "10:28", "hour": 10}
	for _, tt := range []struct{ src, want string }{
		// ARPOC's parser tests, as facts of its meaning.
		{"True", "true"},
		{"False", "false"},
		{"object.test == True", "true"},
		{"exists object.NotExisting", "false"},
		{`access.method == "GET"`, "true"},
		{`access.headers.Authorization == "bla"`, "true"},
		{`access.n1.n2.n3.n4 == "bla"`, "true"},
		{"environment.time < '10:30' and environment.time > '10:20'", "true"},
		{"exists subject.email", "true"},
		{"exists subject.NotExisting", "false"},
		{"environment.hour < 1000", "true"},
		{"exists environment.NotExisting", "false"},
		{`subject.name matches ".*\.mueller"`, "true"},
		{`"abcdef" startswith "abc"`, "true"},
		{"5 in [5,4,3]", "true"},
		{"'admin' in subject.groups", "true"},
		{`"root" in subject.groups`, "false"},
		{"'root' in subject.missing", "missing subject.missing"},
		{"True and True", "true"},
		{"5 < 6", "true"},
		{"6 == 7", "false"},
		{"6 < 6", "false"},
		{"subject.email == 'admin@example.com'", "true"},
		{"['5', 4, True]", "true"},
		{"subject.email in object.allowed", "true"},
		// Truth, as Python's bool().
		{"subject.email", "true"},
		{"subject.empty", "false"},
		{"subject.none", "missing subject.none"},
		{"subject.groups", "true"},
		{"subject.count", "true"},
		{"0", "false"},
		{"0.0", "false"},
		{"''", "false"},
		{"subject.nested", "true"},
		{"subject.nested.deep.leaf == 'x'", "true"},
		{"subject.nested.deep.leaf.more", "missing subject.nested.deep.leaf.more"},
		{"subject.email.x", "missing subject.email.x"},
		// Missing attributes.
		{"subject.missing", "missing subject.missing"},
		{"object.missing == 1", "missing object.missing"},
		{"environment.missing > 1", "missing environment.missing"},
		{"exists subject.missing", "false"},
		{"exists 'literal'", "true"},
		// Absent access attributes read as null.
		{"access.missing", "false"},
		{"exists access.missing", "false"},
		{"exists access.method", "true"},
		{"access.missing == 'x'", "false"},
		{"access.missing != 'x'", "false"},
		{"access.missing == access.other", "true"},
		{"access.missing != access.other", "false"},
		{"access.missing < 'x'", "false"},
		{"access.missing startswith 'x'", "false"},
		{"'x' in access.missing", "false"},
		{"access.missing in ['x']", "false"},
		{"access.missing < access.other", "false"},
		// Two nulls are equal, and every other comparison of them is false.
		{"access.missing in access.other", "false"},
		{"access.missing startswith access.other", "false"},
		{"access.missing matches access.other", "false"},
		{"not access.missing", "true"},
		// Short circuits.
		{"True or subject.missing", "true"},
		{"False and subject.missing", "false"},
		{"subject.missing or True", "missing subject.missing"},
		{"exists subject.age and subject.age > 18", "true"},
		{"exists subject.missing and subject.missing > 18", "false"},
		// not, >=, <=, floats and negatives.
		{"not subject.verified", "false"},
		{"not not subject.verified", "true"},
		{"not subject.email == 'x'", "true"},
		{"subject.age >= 42", "true"},
		{"subject.age <= 41.5", "false"},
		{"subject.age > -1", "true"},
		{"subject.ratio == 0.5", "true"},
		{"subject.ratio < 1", "true"},
		{"-2.5 < -2", "true"},
		// Numbers across types compare by value, exactly.
		{"subject.age == 42", "true"},
		{"subject.count == 7.0", "true"},
		{"subject.number == 12", "true"},
		{"subject.big == 9223372036854775807", "true"},
		{"subject.big < 9223372036854775808.0", "true"},
		{"subject.big > 9.2e18", "true"},
		{"subject.u > subject.big", "true"},
		{"subject.nan == subject.nan", "false"},
		{"subject.nan < 1", "false"},
		{"subject.nan >= 1", "false"},
		// Booleans count as 1 and 0 as in Python, in equality and order.
		{"True == 1", "true"},
		{"False == 0.0", "true"},
		{"subject.verified == 1", "true"},
		{"subject.verified > 0", "true"},
		{"subject.verified < 0.5", "false"},
		{"subject.verified > False", "true"},
		{"[True] > [0]", "true"},
		{"[True, 'a'] >= [1, 'a']", "true"},
		{"subject.verified > 'x'", "error column 18: > needs two numbers or booleans, two strings or two lists, not boolean True and string 'x'"},
		// Strings.
		{"subject.raw == 'bytes'", "true"},
		{"subject.raw startswith 'by'", "true"},
		{"'b' > 'a'", "true"},
		{"'é' > 'z'", "true"},
		{"subject.email startswith subject.missing", "missing subject.missing"},
		{"subject.count startswith 'x'", "error column 15: startswith needs two strings, not integer 7 and string 'x'"},
		{"subject.email matches subject.name", "false"},
		{"subject.email matches subject.pattern", "missing subject.pattern"},
		{"'a.b' matches subject.email", "false"},
		{"'(' matches 'x'", "false"},
		{"'x' matches access.headers.Authorization", "false"},
		{"'ab' matches 'a'", "false"},
		{"'a' matches 'a|ab'", "true"},
		{"'ab' matches 'a|ab'", "true"},
		// Lists and maps.
		{"'a' in subject.tags", "true"},
		{"'role' in subject.claims", "true"},
		{"'deep' in subject.nested", "true"},
		{"1 in subject.nested", "false"},
		{"'x' in subject.email", "error column 5: in needs a list or a map on its right, not string 'admin@example.com'"},
		{"subject.groups == ['admin', 'user', 'group']", "true"},
		{"subject.tags == ['a', 'b']", "true"},
		{"subject.tags < ['a', 'c']", "true"},
		{"[1, 2] < [1, 2, 0]", "true"},
		{"subject.list2 < [1, 'b']", "true"},
		{"subject.list2 < ['a']", "error column 15: < needs two numbers or booleans, two strings or two lists, not integer 1 and string 'a'"},
		{"subject.nested == subject.nested", "true"},
		{"subject.nested < subject.nested", "error column 16: < needs two numbers or booleans, two strings or two lists, not a map and a map"},
		{"1.0 in [True]", "true"},
		{"'1' in [1]", "false"},
		{"[] == []", "true"},
		{"subject.groups != []", "true"},
		// Equality across types is false, never an error.
		{"subject.email == 5", "false"},
		{"subject.groups == 'admin'", "false"},
		{"subject.nested == subject.claims", "false"},
	} {
		t.Run(tt.src, func(t *testing.T) {
			e, err := Parse(tt.src)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			b, err := e.Eval(env(subject, object, environment, access))
			if got := outcome(b, err); got != tt.want {
				t.Errorf("= %s, want %s", got, tt.want)
			}
		})
	}
}

// TestEvalLazily checks that and and or read only the attributes they need.
func TestEvalLazily(t *testing.T) {
	for _, tt := range []struct {
		src     string
		lookups int
	}{
		{"subject.a or subject.b or subject.c", 1},
		{"subject.z and subject.a and subject.b", 1},
		{"subject.a and subject.z and subject.b", 2},
		{"exists subject.a", 1},
		{"True", 0},
	} {
		e, err := Parse(tt.src)
		if err != nil {
			t.Fatal(err)
		}
		en := env(map[string]any{"a": true, "b": true, "c": true, "z": false}, nil, nil, nil)
		if _, err := e.Eval(en); err != nil {
			t.Fatal(err)
		}
		if en.lookups != tt.lookups {
			t.Errorf("%s: %d lookups, want %d", tt.src, en.lookups, tt.lookups)
		}
	}
}

// TestEvalEnvError checks that an error of the environment stops the
// evaluation and comes back as it is.
func TestEvalEnvError(t *testing.T) {
	boom := errors.New("plugin failed")
	e, err := Parse("exists environment.time or True")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Eval(errEnv{boom}); err != boom {
		t.Errorf("Eval error = %v, want %v", err, boom)
	}
}

type errEnv struct{ err error }

func (e errEnv) Attribute(*Attribute) (any, bool, error) { return nil, false, e.err }

func TestConstant(t *testing.T) {
	for src, want := range map[string]string{
		"True":            "true true",
		"1 < 2 == False":  "error",
		"(1 < 2) == True": "true true",
		"[]":              "false true",
		"subject.x":       "false false",
		"exists 5":        "false false",
	} {
		e, err := Parse(src)
		if err != nil {
			if want != "error" {
				t.Errorf("%s: %v", src, err)
			}
			continue
		}
		truth, ok := e.Constant()
		if got := fmt.Sprint(truth, ok); got != want {
			t.Errorf("%s: Constant() = %s, want %s", src, got, want)
		}
	}
}

// TestEvalDoesNotMutate checks that evaluation leaves the attributes as
// they were.
func TestEvalDoesNotMutate(t *testing.T) {
	subject := map[string]any{"groups": []any{"b", "a"}, "m": map[string]any{"k": []any{1}}}
	before := fmt.Sprint(subject)
	for _, src := range []string{"'a' in subject.groups", "subject.groups < ['c']", "subject.m == subject.m", "'k' in subject.m"} {
		e, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Eval(env(subject, nil, nil, nil)); err != nil {
			t.Fatal(err)
		}
	}
	if after := fmt.Sprint(subject); after != before || !reflect.DeepEqual(subject["groups"], []any{"b", "a"}) {
		t.Errorf("attributes changed: %s, were %s", after, before)
	}
	if !strings.Contains(before, "groups") {
		t.Fatal("test is broken")
	}
}
