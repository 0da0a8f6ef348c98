package openc2

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
	p := &path{name: "headers"}
	if h.IsZero() {
		return fail(p, "must hold at least one header")
	}
	if h.Created < 0 {
		return failAt(p, "created", "must not be negative, got %d", h.Created)
	}
	to := &path{up: p, name: "to"}
	for i, t := range h.To {
		if t == "" {
			return fail(&path{up: to, elem: i}, "must not be empty")
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
	pathOpenC2   = &path{name: "body.openc2"}
	pathRequest  = &path{name: "body.openc2.request"}
	pathResponse = &path{name: "body.openc2.response"}
)

// DecodeMessage decodes and validates one message from JSON, as strictly as
// DecodeCommand: unknown fields, duplicate keys and trailing data are
// errors, and every error is an *Error naming the JSON path from the top of
// the message ("body.openc2.request.target.ipv4_net"). The message keeps no
// reference to data, which the caller may reuse once it returns.
func DecodeMessage(data []byte) (*Message, error) {
	d := decoder{data: data}
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
	m := &Message{}
	body := false
	var unknown error // the first unknown field, reported after a missing body
	o := d.object(nil)
	for o.next(nil) {
		fp := o.path(nil)
		switch string(o.key) {
		case "headers":
			m.Headers, o.err = d.headers(&fp)
		case "signature":
			m.Signature, o.err = d.str(&fp)
		case "body":
			o.err, body = d.body(&fp, m), true
		default:
			if unknown == nil {
				unknown = fail(&fp, "unknown field")
			}
			o.err = d.skip(&fp)
		}
	}
	switch {
	case o.err != nil:
		return nil, o.err
	case !body:
		// A command posted without its envelope lands here.
		return nil, failAt(nil, "body", "missing required field")
	}
	return m, unknown
}

// body reads a message body at p into m.
func (d *decoder) body(p *path, m *Message) error {
	content := false
	o := d.object(p)
	for o.next(p) {
		fp := o.path(p)
		if string(o.key) != "openc2" {
			o.err = fail(&fp, "unknown field")
			break
		}
		o.err, content = d.content(&fp, m), true
	}
	if o.err == nil && !content {
		o.err = failAt(p, "openc2", "missing required field")
	}
	return o.err
}

// content reads the OpenC2 content of a body, a Choice of request and
// response, at p into m.
func (d *decoder) content(p *path, m *Message) error {
	const what = "of request and response"
	o := d.object(p)
	if o.one(p, what) {
		fp := o.path(p)
		switch string(o.key) {
		case "request":
			m.Request, o.err = d.command(&fp)
		case "response":
			m.Response, o.err = d.response(&fp)
		case "notification":
			o.err = fail(&fp, "notifications are not supported: LS v1.0 defines no event content")
		default:
			o.err = fail(&fp, "unknown content: must be request or response")
		}
		o.end(p, what)
	}
	return o.err
}

// headers reads Headers at p.
func (d *decoder) headers(p *path) (*Headers, error) {
	h := &Headers{}
	o := d.object(p)
	for o.next(p) {
		fp := o.path(p)
		switch string(o.key) {
		case "request_id":
			h.RequestID, o.err = d.nonEmpty(&fp)
		case "from":
			h.From, o.err = d.nonEmpty(&fp)
		case "created":
			if h.Created, o.err = d.int(&fp); o.err == nil && h.Created <= 0 {
				o.err = fail(&fp, "must be a time after the Unix epoch in milliseconds, got %d", h.Created)
			}
		case "to":
			h.To, o.err = d.strs(&fp)
		default:
			o.err = fail(&fp, "unknown field")
		}
	}
	if o.err != nil {
		return nil, o.err
	}
	return h, h.Validate()
}

// nonEmpty reads a string that must not be empty.
func (d *decoder) nonEmpty(p *path) (string, error) {
	s, err := d.str(p)
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
	e := encoder{b: b}
	msg := e.begin()
	if m.Headers != nil {
		e.key("headers")
		e.headers(m.Headers)
	}
	e.key("body")
	body := e.begin()
	e.key("openc2")
	content := e.begin()
	if m.Request != nil {
		e.key("request")
		e.command(pathRequest, m.Request)
	} else {
		e.key("response")
		e.response(pathResponse, m.Response)
	}
	e.end(content)
	e.end(body)
	e.strField(nil, "signature", m.Signature)
	e.end(msg)
	if e.err != nil {
		return b, e.err
	}
	return e.b, nil
}

// headers writes h.
func (e *encoder) headers(h *Headers) {
	p := &path{name: "headers"}
	start := e.begin()
	e.strField(p, "request_id", h.RequestID)
	if h.Created != 0 {
		e.intField("created", &h.Created)
	}
	e.strField(p, "from", h.From)
	if len(h.To) > 0 {
		e.key("to")
		e.strs(&path{up: p, name: "to"}, h.To)
	}
	e.end(start)
}
