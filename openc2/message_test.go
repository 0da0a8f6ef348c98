package openc2

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

const exampleRequest = `{
  "headers": {
    "request_id": "d1ac0489-ed51-4345-9175-f3078f30afe5",
    "created": 1545257700000,
    "from": "oc2producer.company.net",
    "to": ["oc2consumer.company.net"]
  },
  "body": {"openc2": {"request": {"action": "deny", "target": {"file": {"hashes": {"sha256": "22fe72a34f006ea67d26bb7004e2b6941b5c3953d43ae7ec24d41b1a928a6973"}}}}}}
}`

func TestDecodeMessage(t *testing.T) {
	m, err := DecodeMessage([]byte(exampleRequest))
	if err != nil {
		t.Fatal(err)
	}
	want := Headers{RequestID: "d1ac0489-ed51-4345-9175-f3078f30afe5", Created: 1545257700000, From: "oc2producer.company.net", To: []string{"oc2consumer.company.net"}}
	if !reflect.DeepEqual(*m.Headers, want) {
		t.Errorf("headers = %+v, want %+v", *m.Headers, want)
	}
	if m.Request == nil || m.Request.Action != ActionDeny || m.Request.Target.Name != TargetFile || m.Response != nil {
		t.Errorf("content = %+v / %+v", m.Request, m.Response)
	}

	enc, err := EncodeMessage(m)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := DecodeMessage(enc)
	if err != nil {
		t.Fatalf("re-decode %s: %v", enc, err)
	}
	if !reflect.DeepEqual(m, m2) {
		t.Errorf("round trip changed the message:\n%+v\n%+v", m, m2)
	}
}

func TestDecodeMessageResponse(t *testing.T) {
	in := `{"headers":{"request_id":"r1"},"body":{"openc2":{"response":{"status":200,"results":{"slpf":{"rule_number":7}}}}},"signature":"abc"}`
	m, err := DecodeMessage([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if m.Response == nil || *m.Response.Results.SLPF.RuleNumber != 7 || m.Signature != "abc" || m.Headers.RequestID != "r1" {
		t.Fatalf("decoded %+v", m)
	}
	enc, err := EncodeMessage(m)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(generic(t, enc), generic(t, []byte(in))) {
		t.Errorf("encode = %s, want %s", enc, in)
	}
}

func TestDecodeMessageErrors(t *testing.T) {
	const cmd = `{"action":"deny","target":{"ipv4_net":"10.0.0.0/8"}}`
	for _, tt := range []struct{ name, in, err string }{
		{"not an object", `[]`, "expected an object, got array"},
		{"no body", `{"headers":{"request_id":"a"}}`, "body: missing required field"},
		{"unknown top field", `{"body":{"openc2":{"request":` + cmd + `}},"extra":1}`, "extra: unknown field"},
		{"duplicate body", `{"body":{"openc2":{"request":` + cmd + `}},"body":{}}`, "body: duplicate key"},
		{"body not object", `{"body":"x"}`, "body: expected an object, got string"},
		{"no openc2", `{"body":{}}`, "body.openc2: missing required field"},
		{"unknown body field", `{"body":{"openc2":{"request":` + cmd + `},"stix":{}}}`, "body.stix: unknown field"},
		{"empty content", `{"body":{"openc2":{}}}`, "body.openc2: must hold exactly one of request and response, got none"},
		{"both", `{"body":{"openc2":{"request":` + cmd + `,"response":{"status":200}}}}`, "body.openc2: must hold exactly one of request and response, got 2 (request, response)"},
		{"notification", `{"body":{"openc2":{"notification":{}}}}`, "body.openc2.notification: notifications are not supported: LS v1.0 defines no event content"},
		{"unknown content", `{"body":{"openc2":{"event":{}}}}`, "body.openc2.event: unknown content: must be request or response"},
		{"bad command", `{"body":{"openc2":{"request":{"action":"deny","target":{"ipv4_net":"10.0.0.0/33"}}}}}`, `body.openc2.request.target.ipv4_net: "10.0.0.0/33": prefix length 33 exceeds 32`},
		{"command missing action", `{"body":{"openc2":{"request":{"target":{"ipv4_net":"10.0.0.1"}}}}}`, "body.openc2.request.action: missing required field"},
		{"bad response", `{"body":{"openc2":{"response":{"status":201}}}}`, "body.openc2.response.status: 201: not a status code of LS v1.0 (102, 200, 400, 401, 403, 404, 500, 501, 503)"},
		{"empty headers", `{"headers":{},"body":{"openc2":{"request":` + cmd + `}}}`, "headers: must hold at least one header"},
		{"unknown header", `{"headers":{"request_id":"a","priority":1},"body":{"openc2":{"request":` + cmd + `}}}`, "headers.priority: unknown field"},
		{"empty request id", `{"headers":{"request_id":""},"body":{"openc2":{"request":` + cmd + `}}}`, "headers.request_id: must not be empty"},
		{"request id number", `{"headers":{"request_id":5},"body":{"openc2":{"request":` + cmd + `}}}`, "headers.request_id: expected a string, got number"},
		{"empty from", `{"headers":{"from":""},"body":{"openc2":{"request":` + cmd + `}}}`, "headers.from: must not be empty"},
		{"created float", `{"headers":{"created":1.5},"body":{"openc2":{"request":` + cmd + `}}}`, "headers.created: expected an integer, got 1.5"},
		{"created negative", `{"headers":{"created":-1},"body":{"openc2":{"request":` + cmd + `}}}`, "headers.created: must be a time after the Unix epoch in milliseconds, got -1"},
		{"to not list", `{"headers":{"to":"a"},"body":{"openc2":{"request":` + cmd + `}}}`, "headers.to: expected an array, got string"},
		{"to empty item", `{"headers":{"to":["a",""]},"body":{"openc2":{"request":` + cmd + `}}}`, "headers.to[1]: must not be empty"},
		{"signature number", `{"signature":1,"body":{"openc2":{"request":` + cmd + `}}}`, "signature: expected a string, got number"},
		{"trailing data", `{"body":{"openc2":{"request":` + cmd + `}}} x`, "invalid JSON"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.in)
			orig := bytes.Clone(in)
			m, err := DecodeMessage(in)
			if !bytes.Equal(in, orig) {
				t.Fatal("input was modified")
			}
			if err == nil {
				t.Fatalf("accepted: %+v", m)
			}
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %#v is not an *Error", err)
			}
			if got := err.Error(); got != tt.err && !(tt.err == "invalid JSON" && bytes.HasPrefix([]byte(got), []byte("invalid JSON"))) {
				t.Errorf("error = %q, want %q", got, tt.err)
			}
		})
	}
}

func TestEncodeMessageValidates(t *testing.T) {
	cmd := &Command{Action: ActionQuery, Target: Target{Name: TargetFeatures, Value: []Feature{}}}
	for _, tt := range []struct {
		name string
		m    Message
		err  string
	}{
		{"no content", Message{}, "body.openc2: must hold exactly one of request and response, got 0"},
		{"both", Message{Request: cmd, Response: &Response{Status: 200}}, "body.openc2: must hold exactly one of request and response, got 2"},
		{"empty headers", Message{Headers: &Headers{}, Request: cmd}, "headers: must hold at least one header"},
		{"bad response", Message{Response: &Response{Status: 299}}, "body.openc2.response.status: 299: not a status code of LS v1.0 (102, 200, 400, 401, 403, 404, 500, 501, 503)"},
		{"bad command", Message{Request: &Command{Action: "jump", Target: cmd.Target}}, `body.openc2.request.action: unknown action "jump"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := EncodeMessage(&tt.m); err == nil || err.Error() != tt.err {
				t.Errorf("error = %v, want %s", err, tt.err)
			}
		})
	}
	b, err := EncodeMessage(&Message{Headers: &Headers{RequestID: "r"}, Request: cmd})
	if want := `{"headers":{"request_id":"r"},"body":{"openc2":{"request":{"action":"query","target":{"features":[]}}}}}`; err != nil || string(b) != want {
		t.Errorf("encode = %s, %v; want %s", b, err, want)
	}
}

func TestNames(t *testing.T) {
	for s, want := range map[string]bool{"ipv4_net": true, "slpf:rule_number": true, "x-acme:thing": true, "slpf:other": false, "ip_addr": false, "": false} {
		if got := IsTargetName(s); got != want {
			t.Errorf("IsTargetName(%q) = %v", s, got)
		}
	}
	for s, want := range map[string]bool{"slpf": true, "x-echo": true, "x-a_b": true, "echo": false, "x-": false, "x-toolongtoolongtoolong": false} {
		if got := IsNsid(s); got != want {
			t.Errorf("IsNsid(%q) = %v", s, got)
		}
	}
}

// TestDecodeMessageKeepsNoReference overwrites the input after decoding: a
// transfer reads messages into buffers it reuses.
func TestDecodeMessageKeepsNoReference(t *testing.T) {
	in := []byte(`{"headers":{"request_id":"r-1","from":"p","to":["c"]},"body":{"openc2":{"request":{"action":"deny",` +
		`"target":{"ipv4_connection":{"src_addr":"10.0.0.1","protocol":"tcp"}},"args":{"x-acme":{"k":"v"}},` +
		`"actuator":{"x-acme":{"id":"a"}},"command_id":"c-1"}}},"signature":"s"}`)
	m, err := DecodeMessage(in)
	if err != nil {
		t.Fatal(err)
	}
	want, err := EncodeMessage(m)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		in[i] = 'x'
	}
	if got, err := EncodeMessage(m); err != nil || !bytes.Equal(got, want) {
		t.Errorf("after the input changed: %s, %v; want %s", got, err, want)
	}
}

func TestAppendMessage(t *testing.T) {
	m := &Message{Headers: &Headers{RequestID: "r-1"}, Response: &Response{Status: StatusOK}}
	want, err := EncodeMessage(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := AppendMessage([]byte("prefix"), m)
	if err != nil || string(got) != "prefix"+string(want) {
		t.Errorf("AppendMessage = %s, %v; want prefix%s", got, err, want)
	}
	bad := &Message{Response: &Response{Status: 299}}
	if got, err := AppendMessage([]byte("prefix"), bad); err == nil || string(got) != "prefix" {
		t.Errorf("AppendMessage of an invalid message = %q, %v; want prefix and an error", got, err)
	}
}
