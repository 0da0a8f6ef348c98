package simhttp

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// stream writes server-sent events to a response, flushing each, and keeps
// the first error: once writing fails the client is gone, or stalls, and
// nothing more is written.
type stream struct {
	w   *echo.Response
	rc  *http.ResponseController
	buf []byte
	err error
	// written counts the bytes of the events written.
	written int64
	// stall bounds the writing of each event: a client that does not
	// read for that long fails the stream.
	stall time.Duration
}

// newStream starts the event stream, each event bounded by stall: the
// response's headers go out with the first event.
func newStream(w *echo.Response, stall time.Duration) *stream {
	h := w.Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // tell proxies not to hold events back
	w.WriteHeader(http.StatusOK)
	// The controller of the writer under echo's, whose Flush would swallow
	// the error of a flush that did not finish in time.
	return &stream{w: w, rc: http.NewResponseController(w.Writer), stall: stall}
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
	// The deadline replaces the server's write timeout, which would end
	// a long run however fast its client reads.
	if err := s.rc.SetWriteDeadline(time.Now().Add(s.stall)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		s.err = err
		return
	}
	n, err := s.w.Write(s.buf)
	s.written += int64(n)
	if s.err = err; s.err == nil {
		s.err = s.rc.Flush()
	}
}
