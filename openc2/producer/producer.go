// Package producer is the OpenC2 producer side of the HTTPS transfer v1.1: a
// client that posts command messages to a consumer's /.well-known/openc2 and
// returns its response messages.
package producer

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/https"
	"github.com/gatehouse/gatehouse/openc2/internal/bufpool"
)

// DefaultTimeout bounds one command, connection and response included,
// unless Config says otherwise.
const DefaultTimeout = 30 * time.Second

// maxResponseBytes bounds a response message.
const maxResponseBytes = 4 << 20

// Config configures a Client.
type Config struct {
	// URL is the consumer: "https://host:port", to which Path is added, or
	// the full URL of its OpenC2 endpoint.
	URL string
	// TLS configures HTTPS (package tlsconf builds one); nil uses the
	// system's roots and no client certificate.
	TLS *tls.Config
	// Timeout bounds one command; 0 means DefaultTimeout.
	Timeout time.Duration
	// From is the producer's identifier, sent as headers.from when a
	// message has none. Default: the host name.
	From string
	// Token, if set, is sent as a bearer token (RFC 6750) in the
	// Authorization header of every command.
	Token string
}

// Client sends commands to one consumer. It is safe for concurrent use and
// keeps connections alive between commands. It follows no redirects: a
// consumer's OpenC2 endpoint does not move, and a command is not re-sent
// elsewhere.
type Client struct {
	url     string
	rt      http.RoundTripper
	timeout time.Duration
	from    string
	auth    []string // the Authorization header, if any
}

// New returns a client for cfg.URL.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("consumer URL %q is not an absolute http:// or https:// URL", cfg.URL)
	}
	if !strings.HasSuffix(u.Path, https.Path) {
		u.Path = strings.TrimSuffix(u.Path, "/") + https.Path
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = cfg.TLS
	tr.MaxIdleConnsPerHost = 64
	// Messages are small and consumers answer them plainly: asking for
	// gzip would only add a header to every request and a check to every
	// response.
	tr.DisableCompression = true
	// The transport is called directly rather than through an http.Client:
	// with no redirects to follow, the client would only copy the headers
	// and arm a timer of its own for every command.
	if cfg.From == "" {
		cfg.From, _ = os.Hostname() // none when it cannot be told
	}
	c := &Client{url: u.String(), rt: tr, timeout: cfg.Timeout, from: cfg.From}
	if cfg.Token != "" {
		c.auth = []string{"Bearer " + cfg.Token}
	}
	return c, nil
}

// Header values of every request; net/http only reads them, so they are
// shared rather than allocated per request.
var (
	contentType = []string{openc2.ContentType}
	noCache     = []string{"no-cache"}
)

// lastDate is the Date header of the last second a command was sent in.
var lastDate atomic.Pointer[dated]

// dated is a Date header value and the second it names.
type dated struct {
	sec   int64
	value []string
}

// dateHeader returns the Date header value for now, formatted once a
// second: like contentType, the slice is shared by requests and never
// changed.
func dateHeader(now time.Time) []string {
	sec := now.Unix()
	if d := lastDate.Load(); d != nil && d.sec == sec {
		return d.value
	}
	d := &dated{sec: sec, value: []string{now.UTC().Format(http.TimeFormat)}}
	lastDate.Store(d)
	return d.value
}

// requestIDKey is https.RequestIDHeader as net/http keys it.
var requestIDKey = http.CanonicalHeaderKey(https.RequestIDHeader)

// Result is the outcome of one command.
type Result struct {
	// RequestID is the command's identifier.
	RequestID string
	// HTTPStatus is the status of the HTTP response.
	HTTPStatus int
	// Message is the consumer's response message; nil when the command asked
	// for no response (response_requested "none").
	Message *openc2.Message
}

// Send sends cmd in a message of its own, with a new request_id.
func (c *Client) Send(ctx context.Context, cmd *openc2.Command) (*Result, error) {
	return c.SendMessage(ctx, &openc2.Message{Request: cmd})
}

// SendMessage sends the command message m. A message without request_id
// gets a new version 4 UUID (LS v1.0 section 3.2), and one without from
// gets Config.From; m itself is not changed. The request_id goes in the
// X-Request-ID header too (HTTPS transfer v1.1 section 3.3.3).
//
// The error is nil whenever the consumer answered with an OpenC2 response,
// whatever its status. A response that is not a valid OpenC2 response
// message for this command (wrong content type, a malformed body, another
// request_id) is an error.
func (c *Client) SendMessage(ctx context.Context, m *openc2.Message) (*Result, error) {
	body, h, err := openc2.EncodeRequest(m, c.from)
	if err != nil {
		return nil, err
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.timeout) // reading the response included
	defer cancel()
	// timedOut names the timeout when it, not the caller, ended the command.
	timedOut := func(err error) error {
		if errors.Is(err, context.DeadlineExceeded) && parent.Err() == nil {
			return fmt.Errorf("no answer within %v (Config.Timeout): %w", c.timeout, err)
		}
		return err
	}
	// interim is the 1xx status the consumer answered, if any: a consumer
	// that sends 102 as its final status leaves net/http waiting for a
	// final response that never comes.
	var interim int
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		Got1xxResponse: func(code int, _ textproto.MIMEHeader) error { interim = code; return nil },
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header["Content-Type"] = contentType
	req.Header["Accept"] = contentType
	req.Header["Cache-Control"] = noCache
	req.Header[requestIDKey] = []string{h.RequestID}
	req.Header["Date"] = dateHeader(time.Now()) // RFC 9110 section 6.6.1
	if c.auth != nil {
		req.Header["Authorization"] = c.auth
	}
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		if interim != 0 {
			err = fmt.Errorf("the consumer answered HTTP %d %s as its final status, which HTTP keeps for interim responses: "+
				"an OpenC2 102 travels in HTTP 200 (HTTPS transfer v1.1 section 3.3.2): %w", interim, http.StatusText(interim), err)
		}
		return nil, &url.Error{Op: "Post", URL: c.url, Err: timedOut(err)} // as http.Client reports it
	}
	defer resp.Body.Close()
	// The decoded message keeps no reference to the body, so the buffer goes
	// back to the pool when SendMessage returns.
	buf := bufpool.Get()
	defer bufpool.Put(buf)
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxResponseBytes+1)); err != nil {
		return nil, fmt.Errorf("read the response: %w", timedOut(err))
	}
	b := buf.Bytes()
	r := &Result{RequestID: h.RequestID, HTTPStatus: resp.StatusCode}
	if len(b) == 0 && resp.StatusCode == http.StatusOK {
		return r, nil
	}
	if len(b) > maxResponseBytes {
		return nil, fmt.Errorf("HTTP %d: the response is larger than %d bytes", resp.StatusCode, maxResponseBytes)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/openc2+json") {
		return nil, fmt.Errorf("HTTP %d: the response is %q, not an OpenC2 message: %s", resp.StatusCode, ct, snippet(b))
	}
	if r.Message, err = openc2.DecodeMessage(b); err != nil {
		return nil, fmt.Errorf("HTTP %d: the response is not a valid OpenC2 message: %w", resp.StatusCode, err)
	}
	if r.Message.Response == nil {
		return nil, fmt.Errorf("HTTP %d: the consumer answered with a message that holds no response", resp.StatusCode)
	}
	if id := r.Message.Headers; id != nil && id.RequestID != "" && id.RequestID != h.RequestID {
		resp := r.Message.Response
		answered := strings.TrimSpace(fmt.Sprintf("%d %s", resp.Status, resp.StatusText))
		return nil, fmt.Errorf("the response's request_id %q is not the command's %q; the consumer answered %s", id.RequestID, h.RequestID, answered)
	}
	return r, nil
}

// snippet returns the start of b for an error message.
func snippet(b []byte) string {
	const n = 200
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(bytes.TrimSpace(b))
}
