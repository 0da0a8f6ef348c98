package proxy_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/proxy"
)

// A proxy without providers guards two services: one whose policy set
// grants everyone, one whose policy set denies everyone.
func ExampleNew() {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "the origin of %s got %s", r.Header.Get("X-Gatehouse-Service"), r.URL.Path)
	}))
	defer origin.Close()

	engine := policy.NewEngine(policy.Load("testdata/entities"), policy.Config{})
	p, err := proxy.New(context.Background(), proxy.Config{
		Services: map[string]proxy.Service{
			"public": {ProxyURL: "/public", OriginURL: origin.URL + "/files", AC: "test.policysets.alwaysGrant"},
			"secret": {ProxyURL: "/secret", OriginURL: origin.URL, AC: "test.policysets.alwaysDeny"},
		},
	}, proxy.Options{Decider: engine, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, path := range []string{"/public/a.txt", "/secret/a.txt"} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Accept", "application/json")
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		body, _ := io.ReadAll(rec.Body)
		fmt.Printf("%s: %d %s\n", path, rec.Code, body)
	}
	// Output:
	// /public/a.txt: 200 the origin of public got /files/a.txt
	// /secret/a.txt: 403 {"code":"forbidden","message":"Service secret refused access.","service":"secret","reasons":["The policy denies this request."]}
}
