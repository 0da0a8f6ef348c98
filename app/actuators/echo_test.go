package actuators_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/app/actuators"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/consumer"
	"github.com/gatehouse/gatehouse/openc2/https"
)

// TestHostileEchoActuators sends commands over the OpenC2 route to the
// reference actuator echo of every kit: each must answer LS v1.0, its
// echo under its profile's namespace, rather than results the consumer
// refuses with 500.
func TestHostileEchoActuators(t *testing.T) {
	kits := map[string]func(t *testing.T) string{
		"basics":        func(t *testing.T) string { return wasmbuild.Go(t, "plugins-src/go/basics") },
		"basics-extism": func(t *testing.T) string { return wasmbuild.Go(t, "plugins-src/go/basics-extism") },
		"c-basics":      func(t *testing.T) string { return wasmbuild.C.Plugin(t, "c-basics") },
		"rs-basics":     func(t *testing.T) string { return wasmbuild.Rust.Plugin(t, "rs-basics") },
		"zig-basics":    func(t *testing.T) string { return wasmbuild.Zig.Plugin(t, "zig-basics") },
		"as-basics":     func(t *testing.T) string { return wasmbuild.AssemblyScript.Plugin(t, "as-basics") },
	}
	for name, build := range kits {
		t.Run(name, func(t *testing.T) {
			wasm := build(t)
			quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
			h, err := host.New(host.Config{CacheDir: wasmbuild.CacheDir(t, "wazero"), Logger: quiet}, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { h.Close(context.Background()) })
			if err := h.LoadFile(t.Context(), wasm); err != nil {
				t.Fatal(err)
			}
			c, err := consumer.New(actuators.New(h), consumer.Config{Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			e := echo.New()
			https.Register(e, c, https.Options{Logger: quiet})
			srv := httptest.NewServer(e)
			t.Cleanup(srv.Close)

			for _, tt := range []struct{ cmd, want string }{
				{`{"action":"allow","target":{"ipv4_net":"10.0.0.0/8"},"actuator":{"x-echo":{}}}`,
					`{"status":200,"results":{"x-echo":{"action":"allow","target":{"ipv4_net":"10.0.0.0/8"}}}}`},
				{`{"action":"deny","target":{"ipv6_net":"2001:db8::/32"},"args":{"response_requested":"complete"}}`,
					`{"status":200,"results":{"x-echo":{"action":"deny","target":{"ipv6_net":"2001:db8::/32"}}}}`},
				{`{"action":"query","target":{"features":["versions","profiles"]},"actuator":{"x-echo":{}}}`,
					`{"status":200,"results":{"profiles":["x-echo"],"versions":["1.0"]}}`},
			} {
				body := `{"headers":{"request_id":"r-1"},"body":{"openc2":{"request":` + tt.cmd + `}}}`
				req, _ := http.NewRequest(http.MethodPost, srv.URL+https.Path, strings.NewReader(body))
				req.Header.Set("Content-Type", openc2.ContentType)
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				m, err := openc2.DecodeMessage(b)
				if err != nil || m.Response == nil {
					t.Fatalf("%s: HTTP %d, not a response: %v\n%s", tt.cmd, resp.StatusCode, err, b)
				}
				got, _ := openc2.EncodeResponse(m.Response)
				if resp.StatusCode != http.StatusOK || string(got) != tt.want {
					t.Errorf("%s\n got HTTP %d %s\nwant %s", tt.cmd, resp.StatusCode, got, tt.want)
				}
			}
		})
	}
}
