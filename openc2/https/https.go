// Package https is the consumer side of the OpenC2 HTTPS transfer v1.1: the
// route POST /.well-known/openc2 on an echo server, which takes a command
// message, has a Handler (the consumer) carry it out and returns the
// response message.
//
// What it checks, in order, and what it answers (the HTTP status, and the
// status of the OpenC2 response in the body):
//
//   - X-Request-ID, when given, must be UTF-8 text that I-JSON allows,
//     since it goes into the response: else 400, before anything runs.
//   - Content-Type must be application/openc2+json;version=1.0 (section
//     3.3.1): else 415, and 400 in the body.
//   - The body must fit Options.MaxBytes: else 413, and 400 in the body.
//   - The body must be a valid message holding a command (section 3.3.2):
//     else 400, with the codec's error, which names the JSON path, and the
//     request_id of the body's headers when they can be read (section
//     3.3.3).
//   - The command must carry an identifier, in headers.request_id or the
//     X-Request-ID header (section 3.3.3): else 400. A message without
//     request_id gets the X-Request-ID one.
//   - Options.Authorizer must allow the command: else 403 in both.
//
// Then the Handler answers, and the HTTP status is the OpenC2 status (LS v1.0
// section 3.3.2.1; HTTPS transfer v1.1 section 4.2.1), but 200 for 102
// Processing, which HTTP reserves for interim responses. A command that asked
// for no response gets 200 and an empty body. Every response carries
// Cache-Control: no-cache (section 3.2.1) and the X-Request-ID of the command.
//
// TLS, and mutual TLS, are the server's (package tlsconf); the Authorizer
// sees the client certificate.
package https

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/internal/guard"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/consumer"
	"github.com/gatehouse/gatehouse/openc2/internal/bufpool"
)

// Path is where a consumer takes commands (HTTPS transfer v1.1 section
// 3.2.2).
const Path = "/.well-known/openc2"

// RequestIDHeader is the HTTP header that carries a command's identifier
// beside headers.request_id (HTTPS transfer v1.1 section 3.3.3).
const RequestIDHeader = "X-Request-ID"

// DefaultMaxBytes is the largest command message accepted unless Options
// say otherwise: 64 KiB.
const DefaultMaxBytes = 64 << 10

// Handler carries out a command message and returns the response message,
// or nil when the command asked for none. *consumer.Consumer is one.
type Handler interface {
	Handle(ctx context.Context, msg *openc2.Message) *openc2.Message
}

// Recorder is a Handler that also keeps an account of the commands the
// transfer refuses once it has read them: those the Authorizer refused
// (403, or 401 for an unknown producer). *consumer.Consumer is one, in its
// history.
type Recorder interface {
	Refused(ctx context.Context, msg *openc2.Message, resp *openc2.Response)
}

// Authorizer decides whether a command may be carried out. A policy engine
// plugs in here.
type Authorizer interface {
	// Authorize returns nil to allow the command, or an error whose message
	// says why it is refused; the producer gets it in a 403 response, or in
	// a 401 response when the error is ErrUnauthenticated, wrapped.
	Authorize(ctx context.Context, req Request) error
}

// ErrUnauthenticated is the error of an Authorizer that could not tell who
// the producer is, such as for a bearer token that does not verify.
var ErrUnauthenticated = errors.New("unauthenticated")

// Request is what an Authorizer decides on.
type Request struct {
	// Message is the command message, with request_id filled in.
	Message *openc2.Message
	// Peer is the client's verified certificate under mutual TLS, else nil.
	Peer *x509.Certificate
	// RemoteAddr is the client's network address.
	RemoteAddr string
	// Token is the bearer token of the request's Authorization header, if
	// it has one (RFC 6750), unverified.
	Token string
}

// Options configure the route. The zero Options are usable.
type Options struct {
	// MaxBytes bounds a command message; 0 means DefaultMaxBytes.
	MaxBytes int64
	// Authorizer decides on each command; nil allows every command.
	Authorizer Authorizer
	// Logger receives refused requests at debug level; nil uses
	// slog.Default().
	Logger *slog.Logger
}

// Register adds POST Path to e, carrying commands out with h.
func Register(e *echo.Echo, h Handler, opts Options) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	t := &transfer{h: h, opts: opts}
	e.POST(Path, t.serve)
}

type transfer struct {
	h    Handler
	opts Options
}

// refusal is a request the transfer answers itself.
type refusal struct {
	kind refusalKind
	text string
}

type refusalKind int

const (
	badMediaType refusalKind = iota
	tooLarge
	badMessage
	forbidden
	unauthenticated
)

// statuses maps each refusal to its HTTP status and the status of the
// OpenC2 response in the body: the one place where transfer errors meet
// HTTP.
var statuses = map[refusalKind]struct{ http, openc2 int }{
	badMediaType: {http.StatusUnsupportedMediaType, openc2.StatusBadRequest},
	tooLarge:     {http.StatusRequestEntityTooLarge, openc2.StatusBadRequest},
	badMessage:   {http.StatusBadRequest, openc2.StatusBadRequest},
	forbidden:    {http.StatusForbidden, openc2.StatusForbidden},
	// OpenC2 has no status of its own for it (LS v1.0, section 3.3.2.1).
	unauthenticated: {http.StatusUnauthorized, openc2.StatusForbidden},
}

// httpStatus returns the HTTP status that carries an OpenC2 response of
// status s: s itself, but 200 for 102.
func httpStatus(s int) int {
	if s == openc2.StatusProcessing {
		return http.StatusOK
	}
	return s
}

// Header values every response carries; net/http only reads them, so they
// are shared rather than allocated per response.
var (
	noCache     = []string{"no-cache"}
	contentType = []string{openc2.ContentType}
)

// canonicalRequestID is RequestIDHeader as net/http keys it.
var canonicalRequestID = http.CanonicalHeaderKey(RequestIDHeader)

func (t *transfer) serve(c echo.Context) error {
	req := c.Request()
	xids := req.Header[canonicalRequestID]
	var xid string
	if len(xids) > 0 {
		xid = xids[0]
	}
	hdr := c.Response().Header()
	hdr["Cache-Control"] = noCache
	var badXID *refusal
	if xid != "" {
		if !openc2.ValidString(xid) {
			// Refused before anything runs: it could not be echoed in the
			// response, whose strings must be I-JSON text.
			badXID = &refusal{badMessage, "the X-Request-ID header is not UTF-8 text that I-JSON allows (RFC 7493 section 2.1)"}
			xid = ""
		} else {
			hdr[canonicalRequestID] = xids[:1] // the request's value, read only
		}
	}
	origin := &consumer.Origin{}
	if req.TLS != nil && len(req.TLS.PeerCertificates) > 0 {
		origin.Requester = req.TLS.PeerCertificates[0].Subject.String()
	}
	ctx := consumer.WithOrigin(req.Context(), origin)
	msg, ref := t.read(req, xid)
	if badXID != nil && (ref == nil || ref.kind == badMessage) {
		ref = badXID
	}
	if ref == nil {
		ref = t.authorize(ctx, req, msg)
	}
	if ref != nil {
		t.opts.Logger.Debug("openc2 request refused", "remote", req.RemoteAddr, "request_id", xid, "error", ref.text)
		if ref.kind == unauthenticated {
			hdr["Www-Authenticate"] = bearerChallenge
		}
		st := statuses[ref.kind]
		out := &openc2.Message{Response: &openc2.Response{Status: st.openc2, StatusText: ref.text}}
		if rec, ok := t.h.(Recorder); ok && (ref.kind == forbidden || ref.kind == unauthenticated) {
			if origin.Decision == "" {
				origin.Decision = ref.text
			}
			rec.Refused(ctx, msg, out.Response)
		}
		if id := requestID(msg, xid); id != "" {
			out.Headers = &openc2.Headers{RequestID: id, Created: time.Now().UnixMilli()}
		}
		return t.send(c, st.http, out)
	}
	out := t.h.Handle(ctx, msg)
	if out == nil {
		return c.NoContent(http.StatusOK)
	}
	return t.send(c, httpStatus(out.Response.Status), out)
}

// readRefusal returns the refusal of a body whose reading failed with err:
// too large when it passed maxBytes.
func readRefusal(err error, maxBytes int64) *refusal {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &refusal{tooLarge, fmt.Sprintf("the message is larger than %d bytes", maxBytes)}
	}
	return &refusal{badMessage, "read the message: " + err.Error()}
}

// read returns the command message of req with request_id filled in.
func (t *transfer) read(req *http.Request, xid string) (*openc2.Message, *refusal) {
	if ct := req.Header.Get(echo.HeaderContentType); !isContentType(ct) {
		return nil, &refusal{badMediaType, fmt.Sprintf("Content-Type %q is not %s (HTTPS transfer v1.1 section 3.3.1)", ct, openc2.ContentType)}
	}
	// The decoded message keeps no reference to the body, so the buffer goes
	// back to the pool at once.
	body := bufpool.Get()
	defer bufpool.Put(body)
	if _, err := body.ReadFrom(http.MaxBytesReader(nil, req.Body, t.opts.MaxBytes)); err != nil {
		return nil, readRefusal(err, t.opts.MaxBytes)
	}
	msg, err := openc2.DecodeMessage(body.Bytes())
	if err != nil {
		return headersOf(body.Bytes()), &refusal{badMessage, err.Error()}
	}
	if msg.Request == nil {
		return msg, &refusal{badMessage, "body.openc2: a consumer takes a request, not a response"}
	}
	if msg.Headers == nil || msg.Headers.RequestID == "" {
		if xid == "" {
			return msg, &refusal{badMessage, "the command has no identifier: set headers.request_id or the X-Request-ID header (HTTPS transfer v1.1 section 3.3.3)"}
		}
		if msg.Headers == nil {
			msg.Headers = &openc2.Headers{}
		}
		msg.Headers.RequestID = xid
	}
	return msg, nil
}

// authorize asks the Authorizer, if any, about msg; ctx carries the
// consumer.Origin the Authorizer may complete, whose Decision is "allowed"
// unless it says more.
func (t *transfer) authorize(ctx context.Context, req *http.Request, msg *openc2.Message) *refusal {
	if t.opts.Authorizer == nil {
		return nil
	}
	ar := Request{Message: msg, RemoteAddr: req.RemoteAddr, Token: guard.BearerToken(req.Header.Get(echo.HeaderAuthorization))}
	if req.TLS != nil && len(req.TLS.PeerCertificates) > 0 {
		ar.Peer = req.TLS.PeerCertificates[0]
	}
	err := t.opts.Authorizer.Authorize(ctx, ar)
	switch {
	case errors.Is(err, ErrUnauthenticated):
		return &refusal{unauthenticated, err.Error()}
	case err != nil:
		return &refusal{forbidden, "forbidden: " + err.Error()}
	}
	if o := consumer.OriginOf(ctx); o.Decision == "" {
		o.Decision = "allowed"
	}
	return nil
}

// bearerChallenge is the WWW-Authenticate header of a 401 response.
var bearerChallenge = []string{`Bearer realm="openc2"`}

// headersOf returns a message holding only the request_id of a body that
// does not decode, when its headers can be read (openc2.PeekRequestID):
// HTTPS transfer v1.1 section 3.3.3 asks that a response carry the
// command's request_id whenever it can be read. It returns nil otherwise.
func headersOf(body []byte) *openc2.Message {
	id := openc2.PeekRequestID(body)
	if id == "" {
		return nil
	}
	return &openc2.Message{Headers: &openc2.Headers{RequestID: id}}
}

// requestID returns the identifier of the command, from its message or
// from the X-Request-ID header.
func requestID(msg *openc2.Message, xid string) string {
	if msg != nil && msg.Headers != nil && msg.Headers.RequestID != "" {
		return msg.Headers.RequestID
	}
	return xid
}

// responseRoom is the room made in a pooled buffer for a response: enough
// for the usual ones, which then cost no allocation.
const responseRoom = 1 << 10

// send writes out as the response body, encoded in a pooled buffer that
// the response writer copies. A response that does not encode is sent
// with its status alone (and its request_id when that encodes): the
// command may have run, and its status stands.
func (t *transfer) send(c echo.Context, status int, out *openc2.Message) error {
	buf := bufpool.Get()
	defer bufpool.Put(buf)
	buf.Grow(responseRoom)
	b, err := openc2.AppendMessage(buf.AvailableBuffer(), out)
	if err != nil {
		t.opts.Logger.Error("openc2 response not encodable; sent with its status alone", "error", err)
		bare := &openc2.Message{Headers: &openc2.Headers{Created: time.Now().UnixMilli()},
			Response: &openc2.Response{Status: out.Response.Status, StatusText: "the response could not be encoded; its status stands"}}
		if out.Headers != nil && openc2.ValidString(out.Headers.RequestID) {
			bare.Headers.RequestID = out.Headers.RequestID
		}
		if b, err = openc2.AppendMessage(buf.AvailableBuffer(), bare); err != nil {
			return fmt.Errorf("encode the response: %w", err)
		}
	}
	resp := c.Response()
	resp.Header()[echo.HeaderContentType] = contentType
	resp.WriteHeader(status)
	_, err = resp.Write(b)
	return err
}

// isContentType reports whether ct is the OpenC2 JSON media type of
// version 1.0, parameters and case aside.
func isContentType(ct string) bool {
	if ct == openc2.ContentType {
		return true // as producers send it, without parsing
	}
	typ, params, err := mime.ParseMediaType(ct)
	return err == nil && typ == "application/openc2+json" && strings.TrimSpace(params["version"]) == "1.0"
}
