package decisionlog

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Summary is an entry of the log as an Index keeps it: without its
// attributes and obligations, but with its subject in short.
type Summary struct {
	// Seq numbers the entries of the index from 1, in the order written.
	Seq       uint64
	Time      time.Time
	Source    string
	PolicySet string
	Result    string
	Effect    string
	Error     string
	Missing   []string
	// Subject is the subject's attributes whose values are strings or
	// numbers, masked ones as Masked, as "name=value" joined by ", " in
	// the order of their names, cut at MaxSubjectBytes.
	Subject string
}

// MaxSubjectBytes bounds Summary.Subject.
const MaxSubjectBytes = 256

// Index keeps the last entries written to a log in memory, newest first,
// to list them under filters. It is safe for concurrent use.
type Index struct {
	mu sync.Mutex
	// ring holds the entries kept, the oldest at head: it grows to size,
	// then each entry takes the oldest's place.
	ring []Summary
	head int
	size int
	seq  uint64 // the Seq of the newest entry
}

// NewIndex returns an Index that keeps the last size entries.
func NewIndex(size int) *Index {
	return &Index{size: max(size, 1)}
}

// Size is how many entries x keeps.
func (x *Index) Size() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.size
}

// resize makes x keep the last size entries, of those it keeps now too.
func (x *Index) resize(size int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	size = max(size, 1)
	n := min(len(x.ring), size)
	kept := make([]Summary, 0, n)
	for seq := x.seq - uint64(n) + 1; seq <= x.seq && n > 0; seq++ {
		kept = append(kept, *x.at(seq))
	}
	x.ring, x.head, x.size = kept, 0, size
}

// at returns the entry of seq, which x keeps.
func (x *Index) at(seq uint64) *Summary {
	oldest := x.seq - uint64(len(x.ring)) + 1
	return &x.ring[(x.head+int(seq-oldest))%len(x.ring)]
}

// add keeps the summary of e, with subject as its Summary.Subject.
func (x *Index) add(e *Entry, subject string) {
	s := Summary{Time: e.Time, Source: e.Source, PolicySet: e.PolicySet, Result: e.Result, Effect: e.Effect, Error: e.Error,
		Missing: e.Missing, Subject: subject}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.seq++
	s.Seq = x.seq
	if len(x.ring) < x.size {
		x.ring = append(x.ring, s)
		return
	}
	x.ring[x.head] = s
	x.head = (x.head + 1) % len(x.ring)
}

// subjectText returns the text of Summary.Subject for the subject's
// attributes v, with the values at the paths of n (nil for none) masked.
func subjectText(v any, n *maskNode) string {
	m, _ := v.(map[string]any)
	if len(m) == 0 || n != nil && n.leaf {
		return ""
	}
	var keys [16]string
	sorted := keys[:0]
	for k := range m {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	// The text is built on the stack unless a value is long: only its
	// string is allocated.
	var text [MaxSubjectBytes + 64]byte
	b := text[:0]
	for _, k := range sorted {
		v := m[k]
		if c := n.child(k); c != nil && c.leaf {
			v = Masked
		}
		if !isScalar(v) {
			continue
		}
		if len(b) > 0 {
			b = append(b, ", "...)
		}
		b = append(append(b, k...), '=')
		b = appendScalar(b, v)
		if len(b) >= MaxSubjectBytes {
			return strings.ToValidUTF8(string(b[:MaxSubjectBytes]), "")
		}
	}
	return string(b)
}

// isScalar reports whether Summary.Subject shows the value v: a string
// or a number.
func isScalar(v any) bool {
	switch v.(type) {
	case string, bool, int64, float64, int, uint64:
		return true
	}
	_, ok := v.(fmt.Stringer) // a jsonnum number
	return ok
}

// appendScalar appends the text of v, which isScalar, as fmt.Sprint
// writes it.
func appendScalar(b []byte, v any) []byte {
	switch v := v.(type) {
	case string:
		return append(b, v...)
	case bool:
		return strconv.AppendBool(b, v)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case uint64:
		return strconv.AppendUint(b, v, 10)
	case float64:
		return fmt.Append(b, v)
	}
	return append(b, v.(fmt.Stringer).String()...)
}

// Query selects entries of an Index.
type Query struct {
	// Result is GRANT, DENY, NOT_APPLICABLE, or "error" for the requests
	// that could not be decided; "" selects every entry.
	Result string
	// PolicySet selects the entries of one policy set; "" every one.
	PolicySet string
	// Subject selects the entries whose Subject holds it; "" every one.
	Subject string
	// Before selects the entries older than the one of that Seq; 0 starts
	// at the newest.
	Before uint64
	// Limit is how many entries to return at most; 0 means 50.
	Limit int
}

// ResultError is the Query.Result of the requests that could not be
// decided.
const ResultError = "error"

// Query returns the entries q selects, newest first, and the Before of
// the next page, 0 when there is none.
func (x *Index) Query(q Query) ([]Summary, uint64) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	out := []Summary{}
	newest := x.seq
	if q.Before != 0 && q.Before-1 < newest {
		newest = q.Before - 1
	}
	oldest := x.seq - uint64(len(x.ring)) + 1
	for seq := newest; seq >= oldest && seq > 0; seq-- {
		s := x.at(seq)
		if !q.selects(s) {
			continue
		}
		if len(out) == q.Limit {
			return out, out[len(out)-1].Seq
		}
		out = append(out, *s)
	}
	return out, 0
}

// selects reports whether q selects s.
func (q *Query) selects(s *Summary) bool {
	switch {
	case q.PolicySet != "" && s.PolicySet != q.PolicySet:
		return false
	case q.Result == ResultError && s.Result != "":
		return false
	case q.Result != "" && q.Result != ResultError && s.Result != q.Result:
		return false
	case q.Subject != "" && !strings.Contains(s.Subject, q.Subject):
		return false
	}
	return true
}
