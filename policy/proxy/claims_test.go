package proxy

import (
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// TestHostileBigClaims checks that an integer claim beyond 64 bits stays
// exact from the provider's JSON to the decision, also after the session
// cookie carried it: 2^64+1 is not 2^64.
func TestHostileBigClaims(t *testing.T) {
	const token = `{"sub": "ann", "n": 18446744073709551617, "small": 5, "ratio": 0.5}`
	claims, err := claimsOf(func(v any) error { return json.Unmarshal([]byte(token), v) })
	if err != nil {
		t.Fatal(err)
	}
	want, _ := new(big.Int).SetString("18446744073709551617", 10)
	check := func(where string, claims map[string]any) {
		t.Helper()
		if n, ok := claims["n"].(*big.Int); !ok || n.Cmp(want) != 0 {
			t.Errorf("%s: claim n is %T %v, want %v", where, claims["n"], claims["n"], want)
		}
		if claims["small"] != int64(5) || claims["ratio"] != 0.5 {
			t.Errorf("%s: claims %v", where, claims)
		}
	}
	check("from the token", claims)

	st, err := store.Open(filepath.Join(t.TempDir(), "sessions.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := &Proxy{jar: cookieJar{sealer: testSealer(t, 1)}, cfg: Config{Cookie: Cookie{Name: "sess"}}, sessions: st.Namespace("sessions")}
	expires := time.Now().Add(time.Hour)
	value, err := p.jar.sealer.seal("sess", session{ID: "s1", Expires: expires.Unix(), Provider: "p", Claims: claims}, expires)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(&http.Cookie{Name: "sess", Value: value})
	subject, err := p.subjectOf(req)
	if err != nil {
		t.Fatal(err)
	}
	check("from the session cookie", subject)
}
