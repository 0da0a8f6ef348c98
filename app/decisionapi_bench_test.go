package app_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/app/server"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/cputime"
	"github.com/gatehouse/gatehouse/internal/telemetry"
	"github.com/gatehouse/gatehouse/policy/decisionapi"
	"github.com/gatehouse/gatehouse/policy/pdp"
)

// The decision requests of the benchmarks, over ARPOC's sample entities.
const (
	benchInTestGroup = `{"policy_set": "com.example.policysets.inTestGroup", "subject": {"email": "ann@example.com", "groups": ["/test1", "/staff"]}, "access": {"method": "GET"}}`
	benchAlwaysDeny  = `{"policy_set": "com.example.policysets.alwaysDeny"}`
)

// BenchmarkDecideHTTP posts decision requests over loopback HTTP, with
// keep-alive, to the decision API over ARPOC's sample entities, without
// plugins: with net/http's client, the answer with its explanation (the
// default) and without (?explain=none), and with a client that writes
// the request's bytes on one connection and reads the answer, as a load
// generator does (raw-client). healthz is the floor: GET /healthz, which
// does nothing, with either client. Besides the time it reports the process's CPU
// time per request, the client's included.
func BenchmarkDecideHTTP(b *testing.B) {
	h, err := host.New(host.Config{Logger: discard}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close(b.Context())
	url := serve(b, h, filepath.Join(arpoc, "config"))
	for _, bc := range []struct{ name, query, body string }{
		{"inTestGroup", "", benchInTestGroup},
		{"alwaysDeny", "", benchAlwaysDeny},
		{"inTestGroup/explain=none", "?explain=none", benchInTestGroup},
	} {
		b.Run(bc.name, func(b *testing.B) {
			benchRequests(b, func() (*http.Response, error) {
				return http.Post(url+decisionapi.DecidePath+bc.query, "application/json", strings.NewReader(bc.body))
			})
		})
	}
	for _, bc := range []struct{ name, request string }{
		{"inTestGroup/raw-client", rawPost(decisionapi.DecidePath, benchInTestGroup)},
		{"inTestGroup/explain=none/raw-client", rawPost(decisionapi.DecidePath+"?explain=none", benchInTestGroup)},
		{"healthz/raw-client", "GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			r := bufio.NewReader(conn)
			benchRequests(b, func() (*http.Response, error) {
				if _, err := io.WriteString(conn, bc.request); err != nil {
					return nil, err
				}
				return http.ReadResponse(r, nil)
			})
		})
	}
	b.Run("healthz", func(b *testing.B) {
		benchRequests(b, func() (*http.Response, error) { return http.Get(url + "/healthz") })
	})
}

// rawPost returns the HTTP/1.1 text of a POST of the JSON body to target.
func rawPost(target, body string) string {
	return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", target, len(body), body)
}

// benchRequests sends requests with send, each answered with 200.
func benchRequests(b *testing.B, send func() (*http.Response, error)) {
	b.ReportAllocs()
	cpu, n := cputime.Used(b), 0
	for b.Loop() {
		res, err := send()
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatal(res.Status)
		}
		n++
	}
	b.ReportMetric(float64(cputime.Used(b)-cpu)/float64(time.Microsecond)/float64(n), "cpu-us/op")
}

// BenchmarkDecideParts takes a decision of BenchmarkDecideHTTP
// (inTestGroup) apart: reading the request, deciding, and the whole route
// through echo's router and the middleware without the network, also with
// the telemetry's middleware that the application adds to every route.
// Writing the answer is decisionapi's BenchmarkAppendDecision; the layers
// serve wraps around the decision are BenchmarkDecideLayers.
func BenchmarkDecideParts(b *testing.B) {
	p, err := pdp.Start(pdp.Config{Entities: []string{filepath.Join(arpoc, "config")}, Logger: discard})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	dr, err := decisionapi.ReadRequest([]byte(benchInTestGroup), "body")
	if err != nil {
		b.Fatal(err)
	}
	req := dr.PolicyRequest(nil, nil)
	ctx := context.Background()
	b.Run("read", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decisionapi.ReadRequest([]byte(benchInTestGroup), "body"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decide", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.Decide(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	e := server.New(nil, prometheus.NewRegistry(), discard)
	decisionapi.Register(e, decisionapi.Options{Decider: p})
	// et is the server as the application has it, with the telemetry's
	// middleware (metrics; tracing is off unless configured).
	tel, err := telemetry.New(telemetry.Config{}, telemetry.Options{Registerer: prometheus.NewRegistry(), Logger: discard})
	if err != nil {
		b.Fatal(err)
	}
	et := server.New(nil, prometheus.NewRegistry(), discard)
	et.Use(tel.Middleware())
	decisionapi.Register(et, decisionapi.Options{Decider: p})
	for _, r := range []struct {
		name, query string
		e           *echo.Echo
	}{{"route", "", e}, {"route/explain=none", "?explain=none", e}, {"route/telemetry", "", et}} {
		e, query := r.e, r.query
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, decisionapi.DecidePath+query, strings.NewReader(benchInTestGroup))
				r.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				e.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatal(w.Code, w.Body)
				}
			}
		})
	}
}
