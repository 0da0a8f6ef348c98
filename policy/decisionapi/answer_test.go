package decisionapi

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/jsonio"
	"github.com/gatehouse/gatehouse/policy"
)

// TestAppendDecision checks that appendDecision writes random decisions,
// with and without explanations, as encoding/json writes them.
func TestAppendDecision(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"a", "com.example", "é", "𝔘", `"`, `\`, "<>&", "\n", "\x00", "\u2028", "\xff", " "}
	str := func() string {
		var s strings.Builder
		for range rng.IntN(4) {
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
		l := make([]string, 1+rng.IntN(3))
		for i := range l {
			l[i] = str()
		}
		return l
	}
	var node func(depth int) *policy.Node
	node = func(depth int) *policy.Node {
		if rng.IntN(8) == 0 {
			return nil
		}
		n := &policy.Node{
			ID: str(), Kind: policy.Kind(rng.IntN(3)), Result: policy.Result(rng.IntN(3)),
			Incomplete: rng.IntN(2) == 0, Reason: policy.Reason(rng.IntN(5)), Detail: str(),
			Resolver: policy.Resolver(rng.IntN(6)),
		}
		if depth < 4 {
			for range rng.IntN(3) {
				n.Children = append(n.Children, node(depth+1))
			}
		}
		return n
	}
	for range 5000 {
		d := policy.Decision{
			PolicySet: str(), Result: policy.Result(rng.IntN(4)), Effect: policy.Result(rng.IntN(3)),
			Missing: strs(), Error: str(), Explanation: node(0),
		}
		for range rng.IntN(3) {
			d.Obligations = append(d.Obligations, policy.ObligationResult{Name: str(), Fulfilled: rng.IntN(2) == 0, Reason: str(), Entities: strs()})
		}
		var want bytes.Buffer
		if err := jsonio.Write(&want, d, ""); err != nil {
			t.Fatal(err)
		}
		if got := appendDecision(nil, &d); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("got\n%s\nwant\n%s", got, want.Bytes())
		}
	}
}
