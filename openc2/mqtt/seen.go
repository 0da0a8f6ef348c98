package mqtt

import (
	"container/list"
	"sync"
)

// seenSet remembers the last n keys added, the oldest forgotten first.
type seenSet struct {
	mu    sync.Mutex
	n     int
	order *list.List // of string, the newest at the front
	keys  map[string]*list.Element
}

// newSeenSet returns an empty set of at most n keys. Its map grows with the
// keys added rather than being made for n at once: a fleet of consumers
// that each see few commands would otherwise hold some 200 KB apiece of
// empty map, which the garbage collector scans again and again.
func newSeenSet(n int) *seenSet {
	return &seenSet{n: n, order: list.New(), keys: make(map[string]*list.Element)}
}

// add adds key and reports whether it is new: false when key is among the
// last n added, which makes it the newest again.
func (s *seenSet) add(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.keys[key]; ok {
		s.order.MoveToFront(e)
		return false
	}
	s.keys[key] = s.order.PushFront(key)
	if s.order.Len() > s.n {
		old := s.order.Back()
		s.order.Remove(old)
		delete(s.keys, old.Value.(string))
	}
	return true
}
