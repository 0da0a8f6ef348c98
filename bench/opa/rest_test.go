package opa

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkREST posts the first request of BenchmarkLoggedIn over HTTP to
// the decision APIs of servers that run as processes of their own, as a
// load generator such as wrk or hey measures them: one client, one
// kept-alive connection, the request's bytes written and the answer read
// with http.ReadResponse. GATEHOUSE_URL is a `gatehouse serve` with
// ARPOC's entities (POST /v1/decide?explain=none), OPA_URL an `opa run
// --server` with arpoc.rego (POST /v1/data/arpoc/loggedin/decision); a
// server without its variable is skipped. healthz is each server's route
// that does nothing (GET /healthz, GET /health), the floor. With
// GATEHOUSE_PID and OPA_PID it reports the server process's CPU time per
// request (server-cpu-us/op, from /proc, in steps of 10 ms: run at least
// 20,000 requests).
func BenchmarkREST(b *testing.B) {
	in := input(requests[0])
	gatehouse := map[string]any{"policy_set": setID}
	for k, v := range in {
		if v != nil {
			gatehouse[k] = v
		}
	}
	for _, s := range []struct {
		name, env, pid, decide, health string
		body                           any
		effect                         string
	}{
		{"gatehouse", "GATEHOUSE_URL", "GATEHOUSE_PID", "/v1/decide?explain=none", "/healthz", gatehouse, `"effect":"GRANT"`},
		{"opa", "OPA_URL", "OPA_PID", "/v1/data/arpoc/loggedin/decision", "/health", map[string]any{"input": in}, `"effect":"GRANT"`},
	} {
		base := os.Getenv(s.env)
		body, err := json.Marshal(s.body)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(s.name+"/decide", func(b *testing.B) {
			if base == "" {
				b.Skip(s.env + " is not set")
			}
			u, err := url.Parse(base)
			if err != nil {
				b.Fatal(err)
			}
			req := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", s.decide, u.Host, len(body), body)
			rawRequests(b, u.Host, req, s.effect, os.Getenv(s.pid))
		})
		b.Run(s.name+"/healthz", func(b *testing.B) {
			if base == "" {
				b.Skip(s.env + " is not set")
			}
			u, err := url.Parse(base)
			if err != nil {
				b.Fatal(err)
			}
			rawRequests(b, u.Host, fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", s.health, u.Host), "", os.Getenv(s.pid))
		})
	}
}

// rawRequests sends the HTTP/1.1 text req to addr, on one connection,
// once per iteration, and checks that each answer is 200 and holds want.
// With the server's pid it reports the server's CPU time per request.
func rawRequests(b *testing.B, addr, req, want, pid string) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	cpu, n := processCPU(b, pid), 0
	b.ReportAllocs()
	for b.Loop() {
		if _, err := io.WriteString(conn, req); err != nil {
			b.Fatal(err)
		}
		res, err := http.ReadResponse(r, nil)
		if err != nil {
			b.Fatal(err)
		}
		got, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK || !strings.Contains(string(got), want) {
			b.Fatalf("%s %s %v", res.Status, got, err)
		}
		n++
	}
	if pid != "" {
		b.ReportMetric(float64(processCPU(b, pid)-cpu)/float64(time.Microsecond)/float64(n), "server-cpu-us/op")
	}
}

// processCPU returns the user and system time the process pid has used,
// from /proc, or 0 without a pid.
func processCPU(b *testing.B, pid string) time.Duration {
	if pid == "" {
		return 0
	}
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		b.Fatal(err)
	}
	// The fields after the command's name, which is in parentheses:
	// utime and stime are the 12th and 13th, in clock ticks of 10 ms.
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	var ticks int64
	for _, f := range fields[11:13] {
		t, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		ticks += t
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}
