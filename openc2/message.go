package openc2

import (
	"encoding/json"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/openc2/internal/jsonform"
)

// ContentType is the media type of an OpenC2 message in the default JSON
// serialization (HTTPS transfer v1.1 section 3.3.1).
const ContentType = "application/openc2+json;version=1.0"

// Headers are the header elements of a message (LS v1.0 section 3.2, Table
// 3-1; HTTPS transfer v1.1 section 3.3.2). Every field is optional, but a
// headers object that is present must hold at least one (Headers =
// Map{1..*}).
type Headers struct {
	// RequestID identifies a command; a consumer copies it into every
	// response to that command (LS v1.0 section 3.2). A version 4 UUID is
	// recommended; any non-empty string is accepted.
	RequestID string `json:"request_id,omitempty"`
	// Created is when the content was created, in milliseconds since the
	// Unix epoch (Date-Time, LS v1.0 section 3.4.2); 0 means absent.
	Created int64 `json:"created,omitempty"`
	// From is the authenticated identifier of the message's creator.
	From string `json:"from,omitempty"`
	// To are the authenticated identifiers of the intended recipients.
	To []string `json:"to,omitempty"`
}

// IsZero reports whether h holds no header at all.
func (h *Headers) IsZero() bool {
	return h.RequestID == "" && h.Created == 0 && h.From == "" && len(h.To) == 0
}

// Validate checks h: present strings are not empty, created is not negative.
// Errors name the path under "headers".
func (h *Headers) Validate() error {
	p := &path{Name: "headers"}
	if h.IsZero() {
		return fail(p, "must hold at least one header")
	}
	if h.Created < 0 {
		return failAt(p, "created", "must not be negative, got %d", h.Created)
	}
	to := &path{Up: p, Name: "to"}
	for i, t := range h.To {
		if t == "" {
			return fail(&path{Up: to, Elem: i}, "must not be empty")
		}
	}
	return nil
}

// Message is an OpenC2 message as the HTTPS transfer v1.1 (section 3.3.2)
// carries it: optional headers and a body holding exactly one of a command
// (request) or a response.
//
//	{"headers": {...}, "body": {"openc2": {"request": {...}}}}
//
// # Notes
//
//   - Signature is kept as sent and never checked; nothing in Gatehouse
//     relies on it.
//   - An OpenC2 notification (an event) is refused: LS v1.0 defines no event
//     content.
type Message struct {
	Headers   *Headers
	Request   *Command
	Response  *Response
	Signature string
}

// The paths of a message's contents, as errors name them.
var (
	pathOpenC2   = &path{Name: "body.openc2"}
	pathRequest  = &path{Name: "body.openc2.request"}
	pathResponse = &path{Name: "body.openc2.response"}
)

// DecodeMessage decodes and validates one message from JSON, as strictly as
// DecodeCommand: unknown fields, duplicate keys and trailing data are
// errors, and every error is an *Error naming the JSON path from the top of
// the message ("body.openc2.request.target.ipv4_net"). The message keeps no
// reference to data, which the caller may reuse once it returns.
func DecodeMessage(data []byte) (*Message, error) {
	d := decoder{jsonform.Decoder{Data: data}}
	m, err := d.message()
	if err := d.finish(nil, err); err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// message reads a Message.
func (d *decoder) message() (*Message, error) {
	// One allocation holds the message and the headers it may have.
	mh := &struct {
		m Message
		h Headers
	}{}
	m := &mh.m
	body := false
	var unknown error // the first unknown field, reported after a missing body
	o := d.Object(nil)
	for o.Next(nil) {
		fp := o.Path(nil)
		switch string(o.Key) {
		case "headers":
			m.Headers, o.Err = &mh.h, d.headers(&fp, &mh.h)
		case "signature":
			m.Signature, o.Err = d.Str(&fp)
		case "body":
			o.Err, body = d.body(&fp, m), true
		default:
			if unknown == nil {
				unknown = fail(&fp, "unknown field")
			}
			o.Err = d.Skip(&fp)
		}
	}
	switch {
	case o.Err != nil:
		return nil, o.Err
	case !body:
		// A command posted without its envelope lands here.
		return nil, failAt(nil, "body", "missing required field")
	}
	return m, unknown
}

// body reads a message body at p into m.
func (d *decoder) body(p *path, m *Message) error {
	content := false
	o := d.Object(p)
	for o.Next(p) {
		fp := o.Path(p)
		if string(o.Key) != "openc2" {
			o.Err = fail(&fp, "unknown field")
			break
		}
		o.Err, content = d.content(&fp, m), true
	}
	if o.Err == nil && !content {
		o.Err = failAt(p, "openc2", "missing required field")
	}
	return o.Err
}

// content reads the OpenC2 content of a body, a Choice of request and
// response, at p into m.
func (d *decoder) content(p *path, m *Message) error {
	const what = "of request and response"
	o := d.Object(p)
	if o.One(p, what) {
		fp := o.Path(p)
		switch string(o.Key) {
		case "request":
			m.Request, o.Err = d.command(&fp)
		case "response":
			m.Response, o.Err = d.response(&fp)
		case "notification":
			o.Err = fail(&fp, "notifications are not supported: LS v1.0 defines no event content")
		default:
			o.Err = fail(&fp, "unknown content: must be request or response")
		}
		o.End(p, what)
	}
	return o.Err
}

// headers reads Headers at p into h.
func (d *decoder) headers(p *path, h *Headers) error {
	o := d.Object(p)
	for o.Next(p) {
		fp := o.Path(p)
		switch string(o.Key) {
		case "request_id":
			h.RequestID, o.Err = d.nonEmpty(&fp)
		case "from":
			h.From, o.Err = d.nonEmpty(&fp)
		case "created":
			if h.Created, o.Err = d.Int(&fp); o.Err == nil && h.Created <= 0 {
				o.Err = fail(&fp, "must be a time after the Unix epoch in milliseconds, got %d", h.Created)
			}
		case "to":
			h.To, o.Err = d.Strs(&fp)
		default:
			o.Err = fail(&fp, "unknown field")
		}
	}
	if o.Err != nil {
		return o.Err
	}
	return h.Validate()
}

// nonEmpty reads a string that must not be empty.
func (d *decoder) nonEmpty(p *path) (string, error) {
	s, err := d.Str(p)
	if err == nil && s == "" {
		err = fail(p, "must not be empty")
	}
	return s, err
}

// Validate checks m: valid headers if any, and exactly one valid command or
// response.
func (m *Message) Validate() error {
	if m.Headers != nil {
		if err := m.Headers.Validate(); err != nil {
			return err
		}
	}
	switch {
	case m.Request != nil && m.Response != nil:
		return fail(pathOpenC2, "must hold exactly one of request and response, got 2")
	case m.Request != nil:
		return within(pathRequest, m.Request.Validate())
	case m.Response != nil:
		return within(pathResponse, m.Response.Validate())
	}
	return fail(pathOpenC2, "must hold exactly one of request and response, got 0")
}

// EncodeRequest encodes the command message m for sending, as
// EncodeMessage does, with the headers a producer completes: a new
// request_id, from and created (now) where m has none. It returns the
// headers sent; m itself is not changed.
func EncodeRequest(m *Message, from string) ([]byte, Headers, error) {
	if m.Request == nil {
		return nil, Headers{}, errors.New("the message holds no command")
	}
	h := Headers{}
	if m.Headers != nil {
		h = *m.Headers
	}
	if h.RequestID == "" {
		h.RequestID = NewRequestID()
	}
	if h.From == "" {
		h.From = from
	}
	if h.Created == 0 {
		h.Created = time.Now().UnixMilli()
	}
	body, err := EncodeMessage(&Message{Headers: &h, Request: m.Request, Signature: m.Signature})
	return body, h, err
}

// EncodeMessage validates m and encodes it as compact JSON.
func EncodeMessage(m *Message) ([]byte, error) {
	return AppendMessage(make([]byte, 0, 512), m)
}

// AppendMessage validates m and appends its compact JSON, as EncodeMessage
// writes it, to b, so that a transfer can encode into a buffer it reuses.
// On error it returns b unchanged.
func AppendMessage(b []byte, m *Message) ([]byte, error) {
	if err := m.Validate(); err != nil {
		return b, err
	}
	e := encoder{jsonform.Encoder{B: b}}
	msg := e.Begin()
	if m.Headers != nil {
		e.Key("headers")
		e.headers(m.Headers)
	}
	e.Key("body")
	body := e.Begin()
	e.Key("openc2")
	content := e.Begin()
	if m.Request != nil {
		e.Key("request")
		e.command(pathRequest, m.Request)
	} else {
		e.Key("response")
		e.response(pathResponse, m.Response)
	}
	e.End(content)
	e.End(body)
	e.StrField(nil, "signature", m.Signature)
	e.End(msg)
	if e.Err != nil {
		return b, public(e.Err)
	}
	return e.B, nil
}

// headers writes h.
func (e *encoder) headers(h *Headers) {
	p := &path{Name: "headers"}
	start := e.Begin()
	e.StrField(p, "request_id", h.RequestID)
	if h.Created != 0 {
		e.IntField("created", &h.Created)
	}
	e.StrField(p, "from", h.From)
	if len(h.To) > 0 {
		e.Key("to")
		e.Strs(&path{Up: p, Name: "to"}, h.To)
	}
	e.End(start)
}

// PeekRequestID returns headers.request_id of data, a message that may not
// decode as a whole, when it is JSON whose headers hold one that is valid
// text; else "". A transfer answers a malformed command with it, so that the
// producer can tell which command was refused.
func PeekRequestID(data []byte) string {
	var m struct {
		Headers struct {
			RequestID string `json:"request_id"`
		} `json:"headers"`
	}
	_ = json.Unmarshal(data, &m) // what it could read is enough
	id := m.Headers.RequestID
	if id == "" || !utf8.Valid(data) || !ValidString(id) {
		return "" // encoding/json would have replaced bytes of it
	}
	return id
}
