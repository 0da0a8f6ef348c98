package producer_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/tlsconf"
	"github.com/gatehouse/gatehouse/internal/tlsconf/tlstest"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/https"
	"github.com/gatehouse/gatehouse/openc2/producer"
)

// consumer is a TLS server whose answer each test sets; it records the last
// request.
type consumer struct {
	*httptest.Server
	mu     sync.Mutex
	answer func(w http.ResponseWriter, m *openc2.Message)
	last   *http.Request
	body   string
}

func newConsumer(t *testing.T, pki *tlstest.PKI) *consumer {
	t.Helper()
	c := &consumer{}
	c.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		m, err := openc2.DecodeMessage(b)
		if err != nil {
			t.Errorf("the client sent an invalid message: %v\n%s", err, b)
		}
		c.mu.Lock()
		c.last, c.body = r, string(b)
		answer := c.answer
		c.mu.Unlock()
		answer(w, m)
	}))
	var err error
	c.TLS, err = tlsconf.Server(pki.ServerCert, pki.ServerKey, pki.CA, [3]string{"cert", "key", "ca"})
	if err != nil {
		t.Fatal(err)
	}
	c.StartTLS()
	t.Cleanup(c.Close)
	return c
}

// set makes the server answer with answer.
func (c *consumer) set(answer func(http.ResponseWriter, *openc2.Message)) {
	c.mu.Lock()
	c.answer = answer
	c.mu.Unlock()
}

// request returns the last request and its body.
func (c *consumer) request() (*http.Request, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last, c.body
}

// reply answers with a response message of status, echoing request_id.
func reply(status int) func(http.ResponseWriter, *openc2.Message) {
	return func(w http.ResponseWriter, m *openc2.Message) {
		b, _ := openc2.EncodeMessage(&openc2.Message{Headers: &openc2.Headers{RequestID: m.Headers.RequestID}, Response: &openc2.Response{Status: status}})
		w.Header().Set("Content-Type", openc2.ContentType)
		w.WriteHeader(status)
		w.Write(b)
	}
}

var uuid4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestSend(t *testing.T) {
	pki := tlstest.New(t)
	srv := newConsumer(t, pki)
	tlsCfg, err := tlsconf.Client(pki.CA, pki.ClientCert, pki.ClientKey, false, [3]string{"ca", "cert", "key"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := producer.New(producer.Config{URL: srv.URL, TLS: tlsCfg, From: "producer.test"})
	if err != nil {
		t.Fatal(err)
	}
	cmd := &openc2.Command{Action: openc2.ActionQuery, Target: openc2.Target{Name: openc2.TargetFeatures, Value: []openc2.Feature{}}}

	srv.set(reply(200))
	r, err := c.Send(t.Context(), cmd)
	if err != nil {
		t.Fatal(err)
	}
	if !uuid4.MatchString(r.RequestID) || r.HTTPStatus != 200 || r.Message.Response.Status != 200 {
		t.Errorf("result %+v", r)
	}
	last, body := srv.request()
	h := last.Header
	if last.URL.Path != https.Path || h.Get("Content-Type") != openc2.ContentType || h.Get("Accept") != openc2.ContentType ||
		h.Get(https.RequestIDHeader) != r.RequestID || !strings.Contains(body, `"from":"producer.test"`) || !strings.Contains(body, `"request_id":"`+r.RequestID+`"`) {
		t.Errorf("request %s %v\n%s", last.URL, h, body)
	}

	// The caller's headers are kept.
	r, err = c.SendMessage(t.Context(), &openc2.Message{Headers: &openc2.Headers{RequestID: "mine", From: "other"}, Request: cmd})
	if _, body := srv.request(); err != nil || r.RequestID != "mine" || !strings.Contains(body, `"from":"other"`) {
		t.Errorf("SendMessage: %+v, %v\n%s", r, err, body)
	}

	// Error statuses are results, not errors.
	srv.set(reply(404))
	if r, err := c.Send(t.Context(), cmd); err != nil || r.HTTPStatus != 404 || r.Message.Response.Status != 404 {
		t.Errorf("404: %+v, %v", r, err)
	}

	// No response.
	srv.set(func(w http.ResponseWriter, _ *openc2.Message) { w.WriteHeader(200) })
	if r, err := c.Send(t.Context(), cmd); err != nil || r.Message != nil {
		t.Errorf("none: %+v, %v", r, err)
	}

	for _, tt := range []struct {
		name   string
		answer func(http.ResponseWriter, *openc2.Message)
		err    string
	}{
		{"not OpenC2", func(w http.ResponseWriter, _ *openc2.Message) { http.Error(w, "no such page", 404) },
			`HTTP 404: the response is "text/plain; charset=utf-8", not an OpenC2 message: no such page`},
		{"malformed", func(w http.ResponseWriter, _ *openc2.Message) {
			w.Header().Set("Content-Type", openc2.ContentType)
			w.Write([]byte(`{"body":{"openc2":{"response":{"status":"ok"}}}}`))
		}, "HTTP 200: the response is not a valid OpenC2 message: body.openc2.response.status: expected an integer, got string"},
		{"a command", func(w http.ResponseWriter, _ *openc2.Message) {
			w.Header().Set("Content-Type", openc2.ContentType)
			w.Write([]byte(`{"body":{"openc2":{"request":{"action":"query","target":{"features":[]}}}}}`))
		}, "HTTP 200: the consumer answered with a message that holds no response"},
		{"another request_id", func(w http.ResponseWriter, _ *openc2.Message) {
			w.Header().Set("Content-Type", openc2.ContentType)
			w.Write([]byte(`{"headers":{"request_id":"other"},"body":{"openc2":{"response":{"status":404,"status_text":"no such rule"}}}}`))
		}, `the response's request_id "other" is not the command's "fixed"; the consumer answered 404 no such rule`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv.set(tt.answer)
			_, err := c.SendMessage(t.Context(), &openc2.Message{Headers: &openc2.Headers{RequestID: "fixed"}, Request: cmd})
			if err == nil || err.Error() != tt.err {
				t.Errorf("error %v, want %s", err, tt.err)
			}
		})
	}
}

// TestHeaders checks the headers every command carries: Date, and from
// defaulting to the host name.
func TestHeaders(t *testing.T) {
	pki := tlstest.New(t)
	srv := newConsumer(t, pki)
	srv.set(reply(200))
	tlsCfg, err := tlsconf.Client(pki.CA, pki.ClientCert, pki.ClientKey, false, [3]string{"cacert", "cert", "key"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := producer.New(producer.Config{URL: srv.URL, TLS: tlsCfg})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(t.Context(), &openc2.Command{Action: openc2.ActionQuery, Target: openc2.Target{Name: openc2.TargetFeatures, Value: []openc2.Feature{}}}); err != nil {
		t.Fatal(err)
	}
	last, body := srv.request()
	host, _ := os.Hostname()
	if _, err := http.ParseTime(last.Header.Get("Date")); err != nil || !strings.Contains(body, `"from":"`+host+`"`) {
		t.Errorf("Date %q (%v), body %s, want from %q", last.Header.Get("Date"), err, body, host)
	}
}

// TestFinalProcessing has a consumer answer HTTP 102 as its final status
// and close: the error says so, rather than only that the connection broke.
func TestFinalProcessing(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		body := `{"body":{"openc2":{"response":{"status":102}}}}`
		fmt.Fprintf(buf, "HTTP/1.1 102 Processing\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s", openc2.ContentType, len(body), body)
		buf.Flush()
	}))
	defer srv.Close()
	c, err := producer.New(producer.Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Send(t.Context(), &openc2.Command{Action: openc2.ActionQuery, Target: openc2.Target{Name: openc2.TargetFeatures, Value: []openc2.Feature{}}})
	if err == nil || !strings.Contains(err.Error(), "the consumer answered HTTP 102 Processing as its final status") {
		t.Errorf("error %v", err)
	}
}

func TestTLSAndTimeout(t *testing.T) {
	pki := tlstest.New(t)
	srv := newConsumer(t, pki)
	release := make(chan struct{})
	srv.set(func(w http.ResponseWriter, m *openc2.Message) { <-release; reply(200)(w, m) })
	defer close(release)
	cmd := &openc2.Command{Action: openc2.ActionQuery, Target: openc2.Target{Name: openc2.TargetFeatures, Value: []openc2.Feature{}}}

	// Without the CA the server is not trusted.
	c, _ := producer.New(producer.Config{URL: srv.URL})
	if _, err := c.Send(t.Context(), cmd); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted server: %v", err)
	}
	// A consumer that does not answer in time.
	tlsCfg, _ := tlsconf.Client(pki.CA, pki.ClientCert, pki.ClientKey, false, [3]string{"ca", "cert", "key"})
	c, _ = producer.New(producer.Config{URL: srv.URL + "/", TLS: tlsCfg, Timeout: 50 * time.Millisecond})
	if _, err := c.Send(context.Background(), cmd); err == nil || !strings.Contains(err.Error(), "no answer within 50ms") {
		t.Errorf("timeout: %v", err)
	}
	for _, u := range []string{"", "fw1:443", "ftp://fw1", "https://"} {
		if _, err := producer.New(producer.Config{URL: u}); err == nil || !strings.Contains(err.Error(), "is not an absolute http:// or https:// URL") {
			t.Errorf("URL %q: %v", u, err)
		}
	}
	if _, err := c.SendMessage(t.Context(), &openc2.Message{Response: &openc2.Response{Status: 200}}); err == nil || err.Error() != "the message holds no command" {
		t.Errorf("no command: %v", err)
	}
}

// TestToken sends Config.Token as a bearer token, and no Authorization
// header without one.
func TestToken(t *testing.T) {
	pki := tlstest.New(t)
	srv := newConsumer(t, pki)
	srv.set(reply(200))
	tlsCfg, err := tlsconf.Client(pki.CA, pki.ClientCert, pki.ClientKey, false, [3]string{"ca", "cert", "key"})
	if err != nil {
		t.Fatal(err)
	}
	cmd := &openc2.Command{Action: openc2.ActionQuery, Target: openc2.Target{Name: openc2.TargetFeatures, Value: []openc2.Feature{}}}
	for token, want := range map[string]string{"abc.def.ghi": "Bearer abc.def.ghi", "": ""} {
		c, err := producer.New(producer.Config{URL: srv.URL, TLS: tlsCfg, Token: token})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Send(t.Context(), cmd); err != nil {
			t.Fatal(err)
		}
		if req, _ := srv.request(); req.Header.Get("Authorization") != want {
			t.Errorf("token %q: Authorization %q, want %q", token, req.Header.Get("Authorization"), want)
		}
	}
}
