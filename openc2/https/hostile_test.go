package https_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/consumer"
	"github.com/gatehouse/gatehouse/openc2/https"
)

// plain serves the transfer over plain HTTP with h as its handler.
func plain(t *testing.T, h https.Handler) *httptest.Server {
	t.Helper()
	e := echo.New()
	https.Register(e, h, https.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

// TestHostileRequestIDNotUTF8 sends a command whose only identifier is an
// X-Request-ID that is not UTF-8: it is refused with 400 before anything
// runs, rather than carried out and answered 500 because its identifier
// cannot go into the response.
func TestHostileRequestIDNotUTF8(t *testing.T) {
	fw := &firewall{}
	c, err := consumer.New(fw, consumer.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	srv := plain(t, c)
	deny := `{"request":{"action":"deny","target":{"ipv4_net":"192.0.2.1"}}}`
	for _, xid := range []string{"\xff\xfe", "a\xc3", "\xef\xbf\xbe"} { // invalid, truncated, a noncharacter
		r := post(t, srv.Client(), srv.URL, openc2.ContentType, xid, envelope("", deny))
		if r.status != http.StatusBadRequest {
			t.Errorf("X-Request-ID %q: HTTP %d %s, want 400", xid, r.status, r.body)
		}
		if m := response(t, r.body); m.Response.Status != 400 || r.header.Get(https.RequestIDHeader) != "" {
			t.Errorf("X-Request-ID %q: %s, headers %v", xid, r.body, r.header)
		}
		// With an identifier in the message, a bad header is refused too.
		r = post(t, srv.Client(), srv.URL, openc2.ContentType, xid, envelope(`{"request_id":"r-1"}`, deny))
		if m := response(t, r.body); r.status != http.StatusBadRequest || requestIDOf(m) != "r-1" {
			t.Errorf("X-Request-ID %q beside request_id: HTTP %d %s", xid, r.status, r.body)
		}
	}
	if n := fw.rules.Load(); n != 0 {
		t.Errorf("the actuator carried out %d commands", n)
	}
}

// unencodable answers every command with a response whose request_id
// cannot be encoded, as a handler with a bug might.
type unencodable struct{ ran int }

func (u *unencodable) Handle(_ context.Context, msg *openc2.Message) *openc2.Message {
	u.ran++
	return &openc2.Message{Headers: &openc2.Headers{RequestID: "\xff"}, Response: &openc2.Response{Status: 200, StatusText: "done \xff"}}
}

// TestHostileResponseNotEncodable checks that a command that ran is never
// answered 500 for a response that cannot be encoded: its status stands.
func TestHostileResponseNotEncodable(t *testing.T) {
	u := &unencodable{}
	srv := plain(t, u)
	r := post(t, srv.Client(), srv.URL, openc2.ContentType, "", envelope(`{"request_id":"r-1"}`, `{"request":{"action":"deny","target":{"ipv4_net":"192.0.2.1"}}}`))
	if u.ran != 1 || r.status != http.StatusOK {
		t.Fatalf("ran %d times, HTTP %d %s", u.ran, r.status, r.body)
	}
	if m := response(t, r.body); m.Response.Status != 200 || m.Response.StatusText != "the response could not be encoded; its status stands" {
		t.Errorf("response %s", r.body)
	}
}

// TestHostileUndecodableEchoesRequestID sends messages that do not decode
// but whose headers can be read, without X-Request-ID: the 400 carries
// their request_id (HTTPS transfer v1.1 section 3.3.3).
func TestHostileUndecodableEchoesRequestID(t *testing.T) {
	srv := plain(t, &unencodable{})
	for _, body := range []string{
		envelope(`{"request_id":"r-7"}`, `{"request":{"action":"smash","target":{"ipv4_net":"192.0.2.1"}}}`),
		envelope(`{"request_id":"r-7","created":-1}`, `{"request":{"action":"deny","target":{"ipv4_net":"192.0.2.1"}}}`),
		`{"headers":{"request_id":"r-7"},"body":{"openc2":{}},"extra":1}`,
	} {
		r := post(t, srv.Client(), srv.URL, openc2.ContentType, "", body)
		if m := response(t, r.body); r.status != http.StatusBadRequest || requestIDOf(m) != "r-7" {
			t.Errorf("%s: HTTP %d %s, want 400 with request_id r-7", body, r.status, r.body)
		}
	}
	// Headers that cannot be read give no request_id.
	r := post(t, srv.Client(), srv.URL, openc2.ContentType, "", `{"headers":{"request_id":"r-7"`)
	if m := response(t, r.body); r.status != http.StatusBadRequest || requestIDOf(m) != "" {
		t.Errorf("truncated: HTTP %d %s", r.status, r.body)
	}
}
