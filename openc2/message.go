package openc2

import (
	"bytes"
	"encoding/json"
	"errors"
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
	const path = "headers"
	if h.IsZero() {
		return errorf(path, "must hold at least one header")
	}
	if h.Created < 0 {
		return errorf(join(path, "created"), "must not be negative, got %d", h.Created)
	}
	for i, to := range h.To {
		if to == "" {
			return errorf(index(join(path, "to"), i), "must not be empty")
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

// The paths of a message's parts, as errors name them.
const (
	pathBody     = "body"
	pathOpenC2   = "body.openc2"
	pathRequest  = "body.openc2.request"
	pathResponse = "body.openc2.response"
)

// DecodeMessage decodes and validates one message from JSON, as strictly as
// DecodeCommand: unknown fields, duplicate keys and trailing data are
// errors, and every error is an *Error naming the JSON path from the top of
// the message ("body.openc2.request.target.ipv4_net").
func DecodeMessage(data []byte) (*Message, error) {
	if err := checkDocument(data); err != nil {
		return nil, err
	}
	o, err := readObject(bytes.TrimSpace(data), "")
	if err != nil {
		return nil, err
	}
	m := &Message{}
	if v, p, ok := o.take("headers"); ok {
		if m.Headers, err = decodeHeaders(v, p); err != nil {
			return nil, err
		}
	}
	if err := optString(o, "signature", &m.Signature); err != nil {
		return nil, err
	}
	v, _, ok := o.take("body")
	if !ok {
		return nil, errorf(pathBody, "missing required field")
	}
	if err := o.done(); err != nil {
		return nil, err
	}
	body, err := readObject(v, pathBody)
	if err != nil {
		return nil, err
	}
	v, _, ok = body.take("openc2")
	if !ok {
		return nil, errorf(pathOpenC2, "missing required field")
	}
	if err := body.done(); err != nil {
		return nil, err
	}
	content, err := readObject(v, pathOpenC2)
	if err != nil {
		return nil, err
	}
	if n := len(content.m); n != 1 {
		return nil, errorf(pathOpenC2, "must hold exactly one of request and response, got %d", n)
	}
	if v, _, ok := content.take("request"); ok {
		c, err := DecodeCommand(v)
		if err != nil {
			return nil, under(pathRequest, err)
		}
		m.Request = c
		return m, nil
	}
	if v, _, ok := content.take("response"); ok {
		r, err := DecodeResponse(v)
		if err != nil {
			return nil, under(pathResponse, err)
		}
		m.Response = r
		return m, nil
	}
	if _, p, ok := content.take("notification"); ok {
		return nil, errorf(p, "notifications are not supported: LS v1.0 defines no event content")
	}
	return nil, errorf(join(pathOpenC2, content.keys()[0]), "unknown content: must be request or response")
}

// under returns err with its path placed under prefix.
func under(prefix string, err error) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	return &Error{Path: join(prefix, e.Path), Message: e.Message}
}

func decodeHeaders(raw json.RawMessage, path string) (*Headers, error) {
	o, err := readObject(raw, path)
	if err != nil {
		return nil, err
	}
	h := &Headers{}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"request_id", &h.RequestID}, {"from", &h.From}} {
		if v, p, ok := o.take(f.name); ok {
			if *f.dst, err = readString(v, p); err != nil {
				return nil, err
			}
			if *f.dst == "" {
				return nil, errorf(p, "must not be empty")
			}
		}
	}
	if v, p, ok := o.take("created"); ok {
		if h.Created, err = readInt(v, p); err != nil {
			return nil, err
		}
		if h.Created <= 0 {
			return nil, errorf(p, "must be a time after the Unix epoch in milliseconds, got %d", h.Created)
		}
	}
	if v, p, ok := o.take("to"); ok {
		if h.To, err = readStrings(v, p); err != nil {
			return nil, err
		}
	}
	if err := o.done(); err != nil {
		return nil, err
	}
	return h, h.Validate()
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
		return errorf(pathOpenC2, "must hold exactly one of request and response, got 2")
	case m.Request != nil:
		return under(pathRequest, m.Request.Validate())
	case m.Response != nil:
		return under(pathResponse, m.Response.Validate())
	}
	return errorf(pathOpenC2, "must hold exactly one of request and response, got 0")
}

// EncodeMessage validates m and encodes it as compact JSON.
func EncodeMessage(m *Message) ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	var content any = map[string]*Command{"request": m.Request}
	if m.Response != nil {
		content = map[string]*Response{"response": m.Response}
	}
	return json.Marshal(struct {
		Headers   *Headers       `json:"headers,omitempty"`
		Body      map[string]any `json:"body"`
		Signature string         `json:"signature,omitempty"`
	}{m.Headers, map[string]any{"openc2": content}, m.Signature})
}
