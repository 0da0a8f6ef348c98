package decisionlog

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/policy"
)

// TestAppendEntry checks that appendEntry writes random entries, with
// their attributes as they are and masked, as encode writes them (the
// attributes masked by Mask.Apply), and that it declines the values encode
// writes otherwise or not at all.
func TestAppendEntry(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	pieces := []string{"a", "email", "token", "é", "𝔘", `"`, `\`, "<>&", "\n", "\x00", "\u2028", "\xff", " "}
	str := func() string {
		var s strings.Builder
		for range rng.IntN(3) {
			s.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return s.String()
	}
	strs := func() []string {
		switch rng.IntN(3) {
		case 0:
			return nil
		case 1:
			return []string{}
		}
		return []string{str(), str()}
	}
	floats := []float64{0, math.Copysign(0, -1), 1, -2.5, 1e-7, 1e-6, 123456789, 1e20, 1e21, 1.5e300, -3e-9, 0.1}
	var value func(depth int) any
	value = func(depth int) any {
		switch k := rng.IntN(11); {
		case k == 0:
			return nil
		case k == 1:
			return str()
		case k == 2:
			return rng.IntN(2) == 0
		case k == 3:
			return rng.Int64() - rng.Int64()
		case k == 4:
			return floats[rng.IntN(len(floats))]
		case k == 5:
			return strs()
		case k <= 7 && depth < 3:
			l := make([]any, rng.IntN(3))
			for i := range l {
				l[i] = value(depth + 1)
			}
			return l
		case depth < 3:
			m := map[string]any{}
			for range rng.IntN(4) {
				m[pieces[rng.IntN(3)]] = value(depth + 1)
			}
			return m
		}
		return "x"
	}
	category := func() map[string]any {
		if rng.IntN(4) == 0 {
			return nil
		}
		m, _ := value(2).(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		m["email"] = value(1)
		return m
	}
	mask, err := NewMask([]string{"subject.email", "subject.a.token", "access.token", "object"})
	if err != nil {
		t.Fatal(err)
	}
	zones := []*time.Location{time.UTC, time.FixedZone("east", 5*3600+1800), time.FixedZone("west", -8*3600)}
	for i := range 5000 {
		e := &Entry{
			Time:      time.Date(2026, 12, 8, 2, 0, 0, rng.IntN(1e9), zones[rng.IntN(len(zones))]),
			Source:    str(),
			PolicySet: str(),
			Result:    str(),
			Effect:    str(),
			Missing:   strs(),
			Error:     str(),
			Path:      str(),
		}
		for range rng.IntN(3) {
			e.Obligations = append(e.Obligations, policy.ObligationResult{Name: str(), Fulfilled: rng.IntN(2) == 0, Reason: str(), Entities: strs()})
		}
		c := policy.Attributes{Subject: category(), Object: category(), Environment: category(), Access: category()}
		masked := *e
		masked.Attributes = mask.Apply(c)
		e.Attributes = masked.Attributes
		for _, masking := range []bool{true, false} {
			var got []byte
			var ok bool
			if masking {
				got, ok = appendEntry(nil, e, &c, mask)
			} else {
				got, ok = appendEntry(nil, e, nil, mask)
			}
			var want bytes.Buffer
			if err := encode(&want, &masked); err != nil {
				t.Fatal(err)
			}
			if !ok || !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("entry %d (masking %v): %v\n%s\nwant\n%s", i, masking, ok, got, want.Bytes())
			}
		}
	}
	for _, v := range []any{math.NaN(), math.Inf(1), json.Number("1"), map[string]string{"a": "b"}, []int{1}, uint8(1)} {
		e := &Entry{Attributes: map[string]any{"subject": map[string]any{"v": v}}}
		if _, ok := appendEntry(nil, e, nil, mask); ok {
			t.Errorf("%T %v: written, want left to encode", v, v)
		}
	}
}

// TestRecordAllocs checks that recording a decision allocates only the
// subject's text that the index keeps: the line is written without
// copies of the attributes or encoding/json's values.
func TestRecordAllocs(t *testing.T) {
	l, err := New(io.Discard, []string{"subject.email", "access.headers.authorization"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	req := &policy.Request{PolicySet: "s", Path: "/a", Attributes: policy.Attributes{
		Subject: map[string]any{"role": "admin", "email": "ann@example.com", "age": int64(42), "groups": []any{"/a", "/b"}},
		Access:  map[string]any{"method": "GET", "headers": map[string]any{"authorization": "Bearer x"}},
	}}
	d := &policy.Decision{PolicySet: "s", Result: policy.Deny, Effect: policy.Grant, Missing: []string{"subject.x"},
		Obligations: []policy.ObligationResult{{Name: "o", Reason: "r", Entities: []string{"s"}}}}
	if allocs := testing.AllocsPerRun(100, func() {
		if err := l.Record("api", req, d, nil); err != nil {
			t.Fatal(err)
		}
	}); allocs > 1 && !raceEnabled {
		t.Errorf("Record allocates %v times, want at most 1", allocs)
	}
	if got, want := l.Index().Size(), RecentSize; got != want {
		t.Fatalf("index of %d, want %d", got, want)
	}
	list, _ := l.Index().Query(Query{Limit: 1})
	if want := "age=42, email=[masked], role=admin"; len(list) != 1 || list[0].Subject != want {
		t.Errorf("index: %+v, want the subject %q", list, want)
	}
}
