package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gatehouse/gatehouse/app/console"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/consumer"
)

// memStore is a consumer.Store in memory.
type memStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (s *memStore) Get(key []byte) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[string(key)]
	return v, ok, nil
}

func (s *memStore) Set(key, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[string(key)] = value
	return nil
}

func (s *memStore) Delete(key []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, string(key))
	return nil
}

func (s *memStore) List(prefix []byte) ([][]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out [][]byte
	for k := range s.m {
		if strings.HasPrefix(k, string(prefix)) {
			out = append(out, []byte(k))
		}
	}
	return out, nil
}

// benchFirewall is an SLPF actuator that answers each deny with a rule
// number of its own.
type benchFirewall struct{ next atomic.Int64 }

func (*benchFirewall) Actuators() []consumer.Actuator {
	return []consumer.Actuator{{Ref: "bench/fw", Profiles: []string{"slpf"}, Pairs: map[string][]string{"deny": {"ipv4_net"}}}}
}

func (f *benchFirewall) Actuate(context.Context, string, consumer.ActuateRequest) (openc2.GenericResponse, error) {
	return openc2.GenericResponse{Status: 200, Results: map[string]any{"slpf": map[string]any{"rule_number": f.next.Add(1)}}}, nil
}

// historySize is how many commands the benchmarks' history holds.
const historySize = 100_000

// rulesHeld is how many of the history's commands are denies whose rules
// the actuator holds.
const rulesHeld = 1000

// BenchmarkOpenC2Page renders the OpenC2 page, with its form and the
// rules of rulesHeld denies, over a history of historySize commands: the
// newest page, and a filter no command matches, which reads the whole
// history.
func BenchmarkOpenC2Page(b *testing.B) {
	c, err := consumer.New(&benchFirewall{}, consumer.Config{ID: "bench", Store: &memStore{m: map[string][]byte{}}, History: historySize})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	query, err := openc2.DecodeMessage([]byte(`{"body": {"openc2": {"request": {"action": "query", "target": {"features": []}}}}}`))
	if err != nil {
		b.Fatal(err)
	}
	for i := range historySize {
		msg := query
		if i%(historySize/rulesHeld) == 0 {
			deny := fmt.Sprintf(`{"body": {"openc2": {"request": {"action": "deny", "target": {"ipv4_net": "10.%d.%d.0/24"}}}}}`, i>>16, i>>8&255)
			if msg, err = openc2.DecodeMessage([]byte(deny)); err != nil {
				b.Fatal(err)
			}
		}
		c.Handle(context.Background(), msg)
	}
	if n := len(c.Rules()); n != rulesHeld {
		b.Fatalf("%d rules held, want %d", n, rulesHeld)
	}
	h := handler(b, console.Options{History: c.History, Consumer: c, Rules: c.Rules})
	get := func(path string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1"+path, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	cookies := get("/ui/").Result().Cookies()
	for _, tt := range []struct{ name, query, want string }{
		{"newest", "", "<td>100000</td>"},
		{"failed-none", "?status=failed", "No command matches"},
	} {
		b.Run(tt.name, func(b *testing.B) {
			for b.Loop() {
				w := get("/ui/openc2"+tt.query, cookies...)
				if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), tt.want) {
					b.Fatalf("%d, no %q:\n%s", w.Code, tt.want, w.Body)
				}
			}
		})
	}
}
