package app_test

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/policy/decisionapi"
)

// BenchmarkDecideHTTP posts decision requests over loopback HTTP, with
// keep-alive, to the decision API over ARPOC's sample entities, without
// plugins.
func BenchmarkDecideHTTP(b *testing.B) {
	h, err := host.New(host.Config{Logger: discard}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close(b.Context())
	url := serve(b, h, filepath.Join(arpoc, "config"))
	for _, bc := range []struct{ name, body string }{
		{"inTestGroup", `{"policy_set": "com.example.policysets.inTestGroup", "subject": {"email": "ann@example.com", "groups": ["/test1", "/staff"]}, "access": {"method": "GET"}}`},
		{"alwaysDeny", `{"policy_set": "com.example.policysets.alwaysDeny"}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := http.Post(url+decisionapi.DecidePath, "application/json", strings.NewReader(bc.body))
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Fatal(res.Status)
				}
			}
		})
	}
}
