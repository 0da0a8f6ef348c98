package expr

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi/jsonnum"
)

// TestHostileBigIntegers checks that integers beyond 64 bits compare
// exactly, never as the float nearest to them, whether written in the
// expression, decoded from JSON, held as json.Number or as uint64.
func TestHostileBigIntegers(t *testing.T) {
	subject, err := jsonnum.DecodeObject([]byte(`{"a": 18446744073709551617, "b": 18446744073709551616,
		"neg": -9223372036854775809, "f": 18446744073709551616.0}`))
	if err != nil {
		t.Fatal(err)
	}
	subject["n1"] = json.Number("18446744073709551617")
	subject["n2"] = json.Number("18446744073709551616")
	subject["u"] = uint64(math.MaxUint64)
	e := env(subject, nil, nil, nil)
	for _, tt := range []struct{ src, want string }{
		{"18446744073709551617 == 18446744073709551616", "false"},
		{"18446744073709551617 > 18446744073709551616", "true"},
		{"18446744073709551617 != 18446744073709551617", "false"},
		{"-9223372036854775809 < -9223372036854775808", "true"},
		{"18446744073709551616 == 18446744073709551616.0", "true"},
		{"18446744073709551617 > 18446744073709551616.0", "true"},
		{"subject.a == subject.b", "false"},
		{"subject.a > subject.b", "true"},
		{"subject.a == 18446744073709551617", "true"},
		{"subject.a == subject.f", "false"},
		{"subject.b == subject.f", "true"},
		{"subject.a > subject.f", "true"},
		{"subject.neg < -9223372036854775808", "true"},
		{"subject.neg == -9223372036854775808.0", "false"},
		{"subject.n1 == subject.n2", "false"},
		{"subject.n1 == subject.a", "true"},
		{"subject.u == 18446744073709551615", "true"},
		{"subject.u < subject.f", "true"},
		{"subject.u > 9223372036854775807", "true"},
		{"subject.a in [18446744073709551616, 18446744073709551617]", "true"},
		{"subject.b in [18446744073709551617]", "false"},
		{"subject.a > 'x'", "error column 11: > needs two numbers or booleans, two strings or two lists, not integer 18446744073709551617 and string 'x'"},
	} {
		x, err := Parse(tt.src)
		if err != nil {
			t.Errorf("%s: %v", tt.src, err)
			continue
		}
		if got := outcome(x.Eval(e)); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.src, got, tt.want)
		}
	}
}

// TestIntegerDigits checks the bound on the digits of an integer, in an
// expression and in JSON, and that an integer printed reads back the same.
func TestIntegerDigits(t *testing.T) {
	long := strings.Repeat("9", jsonnum.MaxIntegerDigits)
	x, err := Parse("subject.a == " + long)
	if err != nil {
		t.Fatal(err)
	}
	if got := x.String(); got != "subject.a == "+long {
		t.Errorf("printed %.40s...", got)
	}
	if _, err := Parse("subject.a == -" + long + "9"); err == nil || !strings.Contains(err.Error(), "integer of 4301 digits: at most 4300 are allowed") {
		t.Errorf("Parse of 4301 digits: %v", err)
	}
	if _, err := jsonnum.DecodeObject([]byte(`{"a": [` + long + `9]}`)); err == nil || err.Error() != "integer of 4301 digits: at most 4300 are allowed" {
		t.Errorf("DecodeObject of 4301 digits: %v", err)
	}
	if got := outcome(x.Eval(env(map[string]any{"a": "x"}, nil, nil, nil))); got != "false" {
		t.Errorf("string == long integer: %s", got)
	}
}

// TestIntegerCompareAllocs checks that comparing integers in int64's range,
// and them with floats, allocates nothing.
func TestIntegerCompareAllocs(t *testing.T) {
	x, err := Parse("subject.a == 5 and subject.a < 9223372036854775807 and subject.b > 2.5 and subject.a != subject.b")
	if err != nil {
		t.Fatal(err)
	}
	e := env(map[string]any{"a": int64(5), "b": 3.5}, nil, nil, nil)
	if allocs := testing.AllocsPerRun(100, func() {
		if ok, err := x.Eval(e); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}); allocs != 0 {
		t.Errorf("%v allocations per evaluation", allocs)
	}
}
