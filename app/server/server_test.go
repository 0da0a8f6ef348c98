package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/syncbuf"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/app/server"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// fixture is a host on a plugin folder of its own, not yet started, and
// the server of its routes.
type fixture struct {
	h   *host.Host
	dir string
	e   *echo.Echo
	srv *httptest.Server
	log *syncbuf.Buffer // the server's and the host's logs
}

// newFixture returns a fixture whose plugin folder holds the plugins
// built from srcs, named after their package folders.
func newFixture(t *testing.T, srcs ...string) *fixture {
	t.Helper()
	f := &fixture{dir: t.TempDir(), log: &syncbuf.Buffer{}}
	for _, src := range srcs {
		copyPlugin(t, wasmbuild.Go(t, src), filepath.Join(f.dir, filepath.Base(src)+".wasm"))
	}
	logger := slog.New(slog.NewTextHandler(f.log, nil))
	reg := prometheus.NewRegistry()
	h, err := host.New(host.Config{
		PluginDir: f.dir,
		CacheDir:  wasmbuild.CacheDir(t, "wazero"),
		// Loads under the race detector on a busy machine are slow.
		Limits: host.Limits{Timeout: time.Minute},
		Logger: logger,
	}, reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	f.h, f.e = h, server.New(h, reg, logger)
	f.srv = httptest.NewServer(f.e)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) start(t *testing.T) {
	t.Helper()
	if err := f.h.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// do sends a request and returns the status and the body.
func (f *fixture) do(t *testing.T, method, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, body
}

// getJSON sends a request, checks its status and decodes the JSON body.
func (f *fixture) getJSON(t *testing.T, method, path string, wantStatus int, v any) {
	t.Helper()
	status, body := f.do(t, method, path)
	if status != wantStatus {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, path, status, wantStatus, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("%s %s: %v; body %s", method, path, err, body)
	}
}

func copyPlugin(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "plugins-src/go/basics")
	var body map[string]string
	f.getJSON(t, http.MethodGet, "/healthz", http.StatusOK, &body)
	if body["status"] != "ok" {
		t.Errorf("/healthz = %v", body)
	}
	f.getJSON(t, http.MethodGet, "/readyz", http.StatusServiceUnavailable, &body)
	if body["status"] != "loading plugins" {
		t.Errorf("/readyz before Start = %v", body)
	}
	f.start(t)
	f.getJSON(t, http.MethodGet, "/readyz", http.StatusOK, &body)
	if body["status"] != "ready" {
		t.Errorf("/readyz after Start = %v", body)
	}
	f.getJSON(t, http.MethodGet, "/healthz", http.StatusOK, &body)
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "plugins-src/go/basics")
	f.start(t)
	rep, err := f.h.Environment(t.Context(), "echo", abi.EnvironmentRequest{Key: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Value == nil {
		t.Fatalf("environment echo = %+v", rep)
	}
	status, body := f.do(t, http.MethodGet, "/metrics")
	if status != http.StatusOK {
		t.Fatalf("/metrics: status %d", status)
	}
	for _, want := range []string{
		"# TYPE gatehouse_plugin_calls_total counter",
		`gatehouse_plugin_calls_total{code="ok",component="echo",kind="environment",plugin="basics"} 1`,
		"# TYPE gatehouse_plugin_instances gauge",
		`gatehouse_plugin_instances{plugin="basics"} `,
		`gatehouse_plugin_reloads_total{result="loaded"} 1`,
		`gatehouse_plugin_call_duration_seconds_count{component="echo",kind="environment",plugin="basics"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestPlugins(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "plugins-src/go/basics")
	f.start(t)
	ctx := t.Context()
	if _, err := f.h.Environment(ctx, "weekday", abi.EnvironmentRequest{Key: "weekday"}); err != nil {
		t.Fatal(err)
	}
	_, err := f.h.Environment(ctx, "weekday", abi.EnvironmentRequest{Key: "month"})
	if !errors.Is(err, &abi.Error{Code: abi.CodeNotFound}) {
		t.Fatalf("weekday of month: error %v, want not_found", err)
	}

	// Decode into generic values: the test is of the JSON shape.
	var got struct {
		Plugins []map[string]any `json:"plugins"`
	}
	f.getJSON(t, http.MethodGet, "/v1/plugins", http.StatusOK, &got)
	if len(got.Plugins) != 1 {
		t.Fatalf("plugins = %v, want basics only", got.Plugins)
	}
	p := got.Plugins[0]
	for _, tt := range []struct {
		key  string
		want any
	}{
		{"name", "basics"},
		{"version", "1.0.0"},
		{"file", filepath.Join(f.dir, "basics.wasm")},
		{"binding", "native"},
		{"status", "OK"},
		{"calls", 2.0},
		{"instances", 1.0},
	} {
		t.Run(tt.key, func(t *testing.T) {
			if p[tt.key] != tt.want {
				t.Errorf("%s = %#v, want %#v", tt.key, p[tt.key], tt.want)
			}
		})
	}
	if sum, _ := p["sha256"].(string); len(sum) != 64 {
		t.Errorf("sha256 = %#v, want 64 hex digits", p["sha256"])
	}
	if last, _ := p["last_error"].(string); !strings.Contains(last, "not_found") || !strings.Contains(last, "weekday") {
		t.Errorf("last_error = %#v, want the not_found of weekday", p["last_error"])
	}
	kinds := map[string]int{}
	components, _ := p["components"].([]any)
	for _, c := range components {
		c, _ := c.(map[string]any)
		kind, _ := c["kind"].(string)
		if name, _ := c["name"].(string); name == "" {
			t.Errorf("component without a name: %v", c)
		}
		kinds[kind]++
	}
	want := map[string]int{"actuator": 1, "obligation": 1, "environment": 2, "object": 1, "agent": 3}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Errorf("components by kind = %v, want %v", kinds, want)
	}
}

func TestReload(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.start(t)
	var got struct {
		Plugins []host.PluginStatus `json:"plugins"`
	}
	f.getJSON(t, http.MethodGet, "/v1/plugins", http.StatusOK, &got)
	if len(got.Plugins) != 0 {
		t.Fatalf("plugins of an empty folder = %+v", got.Plugins)
	}

	copyPlugin(t, wasmbuild.Go(t, "plugins-src/go/basics"), filepath.Join(f.dir, "basics.wasm"))
	if err := os.WriteFile(filepath.Join(f.dir, "broken.wasm"), []byte("not wasm"), 0o644); err != nil {
		t.Fatal(err)
	}
	f.getJSON(t, http.MethodPost, "/v1/plugins/reload", http.StatusOK, &got)
	if len(got.Plugins) != 2 {
		t.Fatalf("plugins after reload = %+v, want basics and broken", got.Plugins)
	}
	basics, broken := got.Plugins[0], got.Plugins[1]
	if basics.Name != "basics" || basics.Status != host.StatusOK {
		t.Errorf("basics after reload = %+v", basics)
	}
	if broken.Status != host.StatusError || !strings.Contains(broken.Message, string(abi.CodeABIMismatch)) {
		t.Errorf("broken.wasm after reload = %+v, want ERROR with abi_mismatch", broken)
	}
	if _, err := f.h.Oblige(t.Context(), "require-reason", abi.ObligeRequest{}); err != nil {
		t.Errorf("call after reload: %v", err)
	}

	// A folder that is gone is the server's failure, not the client's.
	if err := os.RemoveAll(f.dir); err != nil {
		t.Fatal(err)
	}
	var p server.ErrorBody
	f.getJSON(t, http.MethodPost, "/v1/plugins/reload", http.StatusInternalServerError, &p)
	if p != (server.ErrorBody{Code: "internal", Message: "internal error"}) {
		t.Errorf("reload of a missing folder = %+v", p)
	}
	if log := f.log.String(); !strings.Contains(log, "request failed") || !strings.Contains(log, "read plugin folder") {
		t.Errorf("the internal error is not logged in full:\n%s", log)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// Domain packages add their routes to the server; their errors go
	// through the same handler.
	var routeErr error
	f.e.GET("/fail", func(echo.Context) error { return routeErr })
	callErr := &host.CallError{Plugin: "p", Kind: abi.KindActuator, Component: "c", Err: abi.Errorf(abi.CodeDenied, "no")}

	for _, tt := range []struct {
		name   string
		method string
		path   string
		err    error // returned by /fail
		status int
		want   server.ErrorBody
		logged bool
	}{
		{name: "unknown route", method: http.MethodGet, path: "/v2/nothing",
			status: 404, want: server.ErrorBody{Code: "not_found", Message: "Not Found"}},
		{name: "wrong method", method: http.MethodDelete, path: "/v1/plugins",
			status: 405, want: server.ErrorBody{Code: "method_not_allowed", Message: "Method Not Allowed"}},
		{name: "reload is POST", method: http.MethodGet, path: "/v1/plugins/reload",
			status: 405, want: server.ErrorBody{Code: "method_not_allowed", Message: "Method Not Allowed"}},
		{name: "echo error with a message", method: http.MethodGet, path: "/fail", err: echo.NewHTTPError(400, "bad input"),
			status: 400, want: server.ErrorBody{Code: "invalid_request", Message: "bad input"}},
		{name: "echo error without an ABI code", method: http.MethodGet, path: "/fail", err: echo.NewHTTPError(413),
			status: 413, want: server.ErrorBody{Code: "request_entity_too_large", Message: "Request Entity Too Large"}},
		{name: "abi error", method: http.MethodGet, path: "/fail", err: abi.Errorf(abi.CodeTimeout, "too slow"),
			status: 504, want: server.ErrorBody{Code: "timeout", Message: "timeout: too slow"}},
		{name: "call error", method: http.MethodGet, path: "/fail", err: callErr,
			status: 403, want: server.ErrorBody{Code: "denied", Message: callErr.Error()}},
		{name: "wrapped abi error", method: http.MethodGet, path: "/fail", err: fmt.Errorf("route: %w", abi.Errorf(abi.CodeNoComponent, "none")),
			status: 404, want: server.ErrorBody{Code: "no_component", Message: "route: no_component: none"}},
		{name: "other error", method: http.MethodGet, path: "/fail", err: errors.New("secret detail"),
			status: 500, want: server.ErrorBody{Code: "internal", Message: "internal error"}, logged: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			routeErr = tt.err
			var p server.ErrorBody
			f.getJSON(t, tt.method, tt.path, tt.status, &p)
			if p != tt.want {
				t.Errorf("problem = %+v, want %+v", p, tt.want)
			}
			if got := strings.Contains(f.log.String(), "secret detail"); got != tt.logged {
				t.Errorf("error logged = %v, want %v", got, tt.logged)
			}
		})
	}

	t.Run("HEAD has no body", func(t *testing.T) {
		status, body := f.do(t, http.MethodHead, "/v2/nothing")
		if status != 404 || len(body) != 0 {
			t.Errorf("HEAD of an unknown route = %d %q, want 404 without a body", status, body)
		}
	})
}

func TestStatusOf(t *testing.T) {
	for _, tt := range []struct {
		code abi.Code
		want int
	}{
		{abi.CodeInvalidRequest, http.StatusBadRequest},
		{abi.CodeNotFound, http.StatusNotFound},
		{abi.CodeNoComponent, http.StatusNotFound},
		{abi.CodeDenied, http.StatusForbidden},
		{abi.CodeCapabilityDenied, http.StatusForbidden},
		{abi.CodeUnsupported, http.StatusNotImplemented},
		{abi.CodeUnavailable, http.StatusServiceUnavailable},
		{abi.CodeQuarantined, http.StatusServiceUnavailable},
		{abi.CodeTimeout, http.StatusGatewayTimeout},
		{abi.CodeInternal, http.StatusInternalServerError},
		{abi.CodeTrap, http.StatusInternalServerError},
		{abi.CodeMemory, http.StatusInternalServerError},
		{abi.CodeMalformedReply, http.StatusInternalServerError},
		{abi.CodeReplyTooLarge, http.StatusInternalServerError},
		{abi.CodeABIMismatch, http.StatusInternalServerError},
		{abi.CodeBadManifest, http.StatusInternalServerError},
		{"", http.StatusInternalServerError},
		{"made_up", http.StatusInternalServerError},
	} {
		t.Run(string(tt.code), func(t *testing.T) {
			if got := server.StatusOf(tt.code); got != tt.want {
				t.Errorf("StatusOf(%q) = %d, want %d", tt.code, got, tt.want)
			}
		})
	}
}

// A host with no plugin folder is ready once started; the server reports
// it as the orchestrator's probes see it.
func ExampleNew() {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	h, err := host.New(host.Config{}, reg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer h.Close(ctx)
	srv := httptest.NewServer(server.New(h, reg, slog.Default()))
	defer srv.Close()

	get := func(path string) {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			fmt.Println(err)
			return
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		fmt.Printf("GET %s: %d %s", path, res.StatusCode, body)
	}
	get("/readyz")
	if err := h.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	get("/readyz")
	get("/v1/plugins")
	get("/v1/nothing")
	// Output:
	// GET /readyz: 503 {"status":"loading plugins"}
	// GET /readyz: 200 {"status":"ready"}
	// GET /v1/plugins: 200 {"plugins":[]}
	// GET /v1/nothing: 404 {"code":"not_found","message":"Not Found"}
}

// TestReloadOutlivesServerTimeouts reloads a folder whose plugin takes
// longer to load than the server's read and write timeouts (its start
// function loops until the init timeout stops it): the reload finishes
// and answers instead of being cancelled and cut.
func TestReloadOutlivesServerTimeouts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const initTimeout = time.Second
	h, err := host.New(host.Config{
		PluginDir: dir,
		CacheDir:  wasmbuild.CacheDir(t, "wazero"),
		Limits:    host.Limits{Timeout: initTimeout, InitTimeout: initTimeout},
		Logger:    slog.New(slog.DiscardHandler),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	if err := h.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(server.New(h, prometheus.NewRegistry(), slog.New(slog.DiscardHandler)))
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = initTimeout/10, initTimeout/10
	srv.Start()
	t.Cleanup(srv.Close)
	copyPlugin(t, wasmbuild.WAT(t, readWAT(t, "startloop.wat")), filepath.Join(dir, "startloop.wasm"))

	res, err := srv.Client().Post(srv.URL+"/v1/plugins/reload", "application/json", nil)
	if err != nil {
		t.Fatalf("POST /v1/plugins/reload: %v", err)
	}
	defer res.Body.Close()
	var got struct {
		Plugins []host.PluginStatus `json:"plugins"`
	}
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("POST /v1/plugins/reload: %d %v", res.StatusCode, err)
	}
	if len(got.Plugins) != 1 || got.Plugins[0].Status != host.StatusError || !strings.Contains(got.Plugins[0].Message, string(abi.CodeTimeout)) {
		t.Errorf("plugins after reload = %+v, want the looping one refused with a timeout", got.Plugins)
	}
}

// readWAT returns a module of host/testdata/hostile-wat.
func readWAT(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(wasmbuild.ModuleRoot(t), "host", "testdata", "hostile-wat", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
