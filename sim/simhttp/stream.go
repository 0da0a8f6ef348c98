package simhttp

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"
)

// stream writes server-sent events to a response, flushing each, and keeps
// the first error: once writing fails the client is gone, and nothing more
// is written.
type stream struct {
	w   *echo.Response
	buf []byte
	err error
}

// newStream starts the event stream: the response's headers go out with
// the first event.
func newStream(w *echo.Response) *stream {
	h := w.Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // tell proxies not to hold events back
	w.WriteHeader(http.StatusOK)
	return &stream{w: w}
}

// send writes one event: its name, and its data as one line of JSON (JSON
// has no raw newlines, so the data needs one data field).
func (s *stream) send(event string, data any) {
	if s.err != nil {
		return
	}
	b, err := json.Marshal(data)
	if err != nil {
		s.err = err
		return
	}
	s.buf = append(s.buf[:0], "event: "...)
	s.buf = append(s.buf, event...)
	s.buf = append(s.buf, "\ndata: "...)
	s.buf = append(s.buf, b...)
	s.buf = append(s.buf, "\n\n"...)
	if _, s.err = s.w.Write(s.buf); s.err == nil {
		s.err = http.NewResponseController(s.w).Flush()
	}
}
