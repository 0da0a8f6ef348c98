package simulate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// TraceVersion is the version of the trace and log formats: the version
// their header line gives, and the newest ReadTrace reads.
const TraceVersion = 1

// Header is the first line of a trace or log file: the format's version
// and what the run was. Run writes no header to Config.Trace and
// Config.Log; the command line writes one with WriteHeader before the run.
type Header struct {
	Version   int               `json:"version"`
	Kind      string            `json:"kind"` // "trace" or "log"
	Seed      int64             `json:"seed"`
	Ticks     int64             `json:"ticks"` // the run's tick limit
	Conflicts string            `json:"conflicts,omitempty"`
	Agents    map[string]string `json:"agents,omitempty"`
	Model     string            `json:"model,omitempty"` // "sha256:" and the hex SHA-256 of the model's source
}

// The kinds of Header.
const (
	HeaderTrace = "trace"
	HeaderLog   = "log"
)

// WriteHeader writes h as the header line of a trace or log, with the
// version TraceVersion.
func WriteHeader(w io.Writer, h Header) error {
	h.Version = TraceVersion
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// ErrNotTrace is the error of ReadTrace for a file that is a log, or whose
// header is of another kind.
var ErrNotTrace = errors.New("not a trace")

// ReadTrace reads a trace: its header and its steps. A trace whose first
// line is a step, as Run writes them and as traces were written before
// they had headers, reads as version 1 with no more than its steps. A
// trace of a newer version than TraceVersion, a log, and a line that is
// not a step with only a step's fields are refused with an error naming
// the line.
func ReadTrace(r io.Reader) (Header, []Step, error) {
	h := Header{Version: 1, Kind: HeaderTrace}
	var steps []Step
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		if line == 1 {
			var probe struct {
				Version *int `json:"version"`
			}
			if err := json.Unmarshal(b, &probe); err != nil {
				return h, nil, fmt.Errorf("line 1: %w", err)
			}
			if probe.Version != nil {
				if err := strict(b, &h); err != nil {
					return h, nil, fmt.Errorf("line 1: header: %w", err)
				}
				switch {
				case h.Version < 1 || h.Version > TraceVersion:
					return h, nil, fmt.Errorf("line 1: version %d: this gatehouse reads versions 1 to %d", h.Version, TraceVersion)
				case h.Kind != HeaderTrace:
					return h, nil, fmt.Errorf("line 1: a %s, %w", h.Kind, ErrNotTrace)
				}
				continue
			}
		}
		var s Step
		if err := strict(b, &s); err != nil {
			return h, nil, fmt.Errorf("line %d: %w", line, err)
		}
		if s.Actor == "" || s.Action == "" || s.Outcome == "" {
			return h, nil, fmt.Errorf("line %d: a step needs an actor, an action and an outcome", line)
		}
		steps = append(steps, s)
	}
	return h, steps, sc.Err()
}

// strict decodes the JSON object b into v, refusing fields v has not.
func strict(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	return d.Decode(v)
}
