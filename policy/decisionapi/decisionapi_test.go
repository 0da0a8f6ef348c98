package decisionapi

import (
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
)

// TestQueryValue checks that queryValue reads a parameter of random
// query texts as url.Values.Get does: repeated, escaped, with bad
// escapes and semicolons.
func TestQueryValue(t *testing.T) {
	pieces := []string{"explain", "expl%61in", "ex+plain", "=", "&", ";", "none", "full", "n%6fne", "%", "%zz", "+", "a", "", "explain=none", "&explain=full"}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 20000 {
		var q strings.Builder
		for range rng.IntN(7) {
			q.WriteString(pieces[rng.IntN(len(pieces))])
		}
		want := (func() url.Values { v, _ := url.ParseQuery(q.String()); return v })().Get("explain")
		if got := queryValue(q.String(), "explain"); got != want {
			t.Fatalf("%q: %q, want %q", q.String(), got, want)
		}
	}
}
