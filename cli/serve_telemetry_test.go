package cli_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/telemetry/otlptest"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
	"github.com/gatehouse/gatehouse/openc2"
)

// telemetryServe serves the basics plugin and an entity file: policy set
// s asks the environment component echo of basics, admins asks no plugin
// and denies every subject but 0. extra is more YAML for the configuration.
func telemetryServe(t *testing.T, extra string) *serving {
	t.Helper()
	plugins := pluginDir(t, map[string]string{"basics.wasm": wasmbuild.Go(t, srcBasics)})
	entities := t.TempDir()
	writeFile(t, entities, "e.json", `{
"s": {"Type": "PolicySet", "Resolver": "AND", "Policies": ["p"]},
"p": {"Type": "Policy", "Resolver": "AND", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "environment.echo.subject == subject.id", "Effect": "GRANT"},
"admins": {"Type": "PolicySet", "Resolver": "AND", "Policies": ["admins-p"]},
"admins-p": {"Type": "Policy", "Resolver": "AND", "Rules": ["admins-r"]},
"admins-r": {"Type": "Rule", "Condition": "subject.id == 0", "Effect": "GRANT"}
}`)
	config := policyConfig(t, fmt.Sprintf("openc2: {store: %q}\npolicy: {entities: [%q]}\n%s",
		filepath.Join(t.TempDir(), "openc2.db"), entities, extra))
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	s := startServe(t, client, "--config", config, "--plugins", plugins, "--listen", "127.0.0.1:0")
	s.waitReady(t)
	return s
}

// openc2DenyAck is openc2Deny acknowledged at once and carried out after.
const openc2DenyAck = `{"headers": {"request_id": "t-2"}, "body": {"openc2": {"request": {"action": "deny", "target": {"ipv4_net": "10.0.0.2"}, "args": {"response_requested": "ack"}}}}}`

// openc2Deny is a command message the actuator echo of basics carries out.
const openc2Deny = `{"headers": {"request_id": "t-1"}, "body": {"openc2": {"request": {"action": "deny", "target": {"ipv4_net": "10.0.0.1"}}}}}`

// TestServeMetrics serves HTTP requests, access decisions, an OpenC2
// command and a simulation run, and finds each counted at /metrics by
// route template, method, status, result, action and outcome, with
// nothing of what the client chose in a label.
func TestServeMetrics(t *testing.T) {
	t.Parallel()
	s := telemetryServe(t, "")
	for _, tt := range []struct{ path, body, want string }{
		{"/v1/decide", `{"policy_set": "s", "subject": {"id": 7}}`, `"result":"GRANT"`},
		{"/v1/decide", `{"policy_set": "admins", "subject": {"id": 7}}`, `"result":"DENY"`},
		{"/v1/decide", `{"policy_set": "nosuch-set", "subject": {"id": 7}}`, `policy_set`},
		{"/v1/sim/runs", `{"model": "connections { hall -> lab { *: m } }\nactors { eve { at hall; goals lab; } }", "agents": ["eve=greedy"]}`, "event: end"},
	} {
		if _, body := s.request(t, http.MethodPost, tt.path, tt.body, "Content-Type", "application/json"); !strings.Contains(body, tt.want) {
			t.Errorf("POST %s %s: %s, want %s", tt.path, tt.body, body, tt.want)
		}
	}
	if res, body := s.request(t, http.MethodPost, "/.well-known/openc2", openc2Deny, "Content-Type", openc2.ContentType); res.StatusCode != http.StatusOK {
		t.Errorf("OpenC2 deny: %d %s", res.StatusCode, body)
	}
	s.request(t, http.MethodGet, "/v1/plugins/secret-xyzzy", "")
	s.request(t, "XYZZY", "/v1/plugins", "")

	_, metrics := s.request(t, http.MethodGet, "/metrics", "")
	for _, want := range []string{
		`gatehouse_http_requests_total{code="200",method="POST",route="/v1/decide"} 2`,
		`gatehouse_http_requests_total{code="404",method="POST",route="/v1/decide"} 1`,
		`gatehouse_http_requests_total{code="200",method="POST",route="/.well-known/openc2"} 1`,
		`gatehouse_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`gatehouse_http_requests_total{code="405",method="other",route="/v1/plugins"} 1`,
		`gatehouse_http_request_duration_seconds_count{method="POST",route="/v1/sim/runs"} 1`,
		`gatehouse_decisions_total{result="grant",source="api"} 1`,
		`gatehouse_decisions_total{result="deny",source="api"} 1`,
		`gatehouse_decisions_total{result="error",source="api"} 1`,
		`gatehouse_decision_duration_seconds_count{source="api"} 3`,
		`gatehouse_openc2_commands_total{action="deny",status="200"} 1`,
		`gatehouse_sim_runs_total{outcome="completed"} 1`,
		`gatehouse_sim_run_duration_seconds_count{outcome="completed"} 1`,
		`gatehouse_plugin_calls_total{code="ok",component="echo",kind="environment",plugin="basics"} 1`,
	} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, chosen := range []string{"xyzzy", "XYZZY", "nosuch-set"} {
		if strings.Contains(metrics, chosen) {
			t.Errorf("/metrics holds %q, which the client chose", chosen)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", metrics)
	}
	s.stop(t)
}

// TestServeTracing serves with tracing on, sending to an in-process
// collector: a decision asked with a W3C traceparent and an OpenC2
// command are traced, the request's span continuing the caller's trace,
// the decision's span its child, and the plugin calls children of the
// decision and of the command.
func TestServeTracing(t *testing.T) {
	t.Parallel()
	collector := otlptest.New(t)
	s := telemetryServe(t, fmt.Sprintf("telemetry: {tracing: {endpoint: %q, service_name: gatehouse-test}}\n", collector.URL))
	const traceID, callerSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	if _, body := s.request(t, http.MethodPost, "/v1/decide", `{"policy_set": "s", "subject": {"id": 7}}`,
		"Content-Type", "application/json", "traceparent", "00-"+traceID+"-"+callerSpan+"-01"); !strings.Contains(body, `"result":"GRANT"`) {
		t.Errorf("/v1/decide: %s", body)
	}
	if res, body := s.request(t, http.MethodPost, "/.well-known/openc2", openc2Deny, "Content-Type", openc2.ContentType); res.StatusCode != http.StatusOK {
		t.Errorf("OpenC2 deny: %d %s", res.StatusCode, body)
	}
	if res, body := s.request(t, http.MethodPost, "/.well-known/openc2", openc2DenyAck, "Content-Type", openc2.ContentType); res.StatusCode != http.StatusOK {
		t.Errorf("OpenC2 deny, acknowledged: %d %s", res.StatusCode, body)
	}
	s.stop(t) // sends the spans left
	if err := collector.Err(); err != nil {
		t.Fatal(err)
	}
	spans := collector.Spans()
	find := func(name, parent string) otlptest.Span {
		t.Helper()
		for _, sp := range spans {
			if sp.Name == name && (parent == "" || sp.ParentSpanID == parent) {
				return sp
			}
		}
		var got []string
		for _, sp := range spans {
			got = append(got, fmt.Sprintf("%s %s/%s parent %s", sp.Name, sp.TraceID, sp.SpanID, sp.ParentSpanID))
		}
		t.Fatalf("no span %q with parent %q among:\n%s", name, parent, strings.Join(got, "\n"))
		return otlptest.Span{}
	}
	request := find("POST /v1/decide", callerSpan)
	if request.TraceID != traceID || request.Attr("http.route") != "/v1/decide" || request.Attr("http.response.status_code") != "200" || request.Service != "gatehouse-test" {
		t.Errorf("request span: trace %s, route %q, status %q, service %q", request.TraceID, request.Attr("http.route"), request.Attr("http.response.status_code"), request.Service)
	}
	decision := find("decide", request.SpanID)
	if decision.TraceID != traceID || decision.Attr("gatehouse.decision.result") != "grant" || decision.Attr("gatehouse.decision.source") != "api" {
		t.Errorf("decision span: trace %s, result %q, source %q", decision.TraceID, decision.Attr("gatehouse.decision.result"), decision.Attr("gatehouse.decision.source"))
	}
	call := find("plugin environment echo", decision.SpanID)
	if call.TraceID != traceID || call.Attr("gatehouse.plugin") != "basics" || call.Attr("gatehouse.export") != "gatehouse_environment" {
		t.Errorf("plugin call span: trace %s, plugin %q, export %q", call.TraceID, call.Attr("gatehouse.plugin"), call.Attr("gatehouse.export"))
	}

	// Each command, the one carried out after its acknowledgement too, is
	// a span of its request, and its actuator's call a span of its own.
	for _, status := range []string{"200", "102"} {
		var command, request otlptest.Span
		for _, sp := range spans {
			if sp.Name == "openc2 deny" && sp.Attr("openc2.status") == status {
				command = sp
			}
		}
		for _, sp := range spans {
			if sp.SpanID == command.ParentSpanID {
				request = sp
			}
		}
		if command.Span == nil || request.Span == nil || request.Name != "POST /.well-known/openc2" || request.TraceID == traceID {
			t.Fatalf("the command answered %s: span %v, its parent %v", status, command.Span, request.Span)
		}
		if actuate := find("plugin actuator echo", command.SpanID); actuate.TraceID != command.TraceID {
			t.Errorf("actuate span in trace %s, its command's in %s", actuate.TraceID, command.TraceID)
		}
	}
}
