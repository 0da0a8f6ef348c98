package slpf

import (
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
)

// Store is the actuator's key-value store, the plugin's kv namespace. It
// holds under "rule/<number>" the command (msgpack) that added each rule the
// actuator knows, persistent or not, and under "next" the next rule number
// to assign (decimal), so that a deleted number is never handed out again.
type Store interface {
	// Get returns the value under key; ok is false when there is none.
	Get(key string) (value []byte, ok bool, err error)
	Set(key string, value []byte) error
	Delete(key string) error
	// List returns the keys that start with prefix.
	List(prefix string) ([]string, error)
}

// Keys of the Store.
const (
	rulePrefix = "rule/"
	nextKey    = "next"
)

// ruleKey returns the key of rule number n.
func ruleKey(n int64) string { return rulePrefix + strconv.FormatInt(n, 10) }

// stored is a rule as the Store keeps it.
type stored struct {
	Number  int64
	Command abi.Command
}

// loadRules returns every rule of the store, in ascending number order.
func loadRules(s Store) ([]stored, error) {
	keys, err := s.List(rulePrefix)
	if err != nil {
		return nil, err
	}
	rules := make([]stored, 0, len(keys))
	for _, k := range keys {
		n, err := strconv.ParseInt(strings.TrimPrefix(k, rulePrefix), 10, 64)
		if err != nil {
			return nil, abi.Errorf(abi.CodeInternal, "kv key %q is not rule/<number>", k)
		}
		b, ok, err := s.Get(k)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, abi.Errorf(abi.CodeUnavailable, "kv key %q vanished while read", k)
		}
		var c abi.Command
		if err := msgpack.Unmarshal(b, &c); err != nil {
			return nil, abi.Errorf(abi.CodeInternal, "kv key %q does not hold a command: %v", k, err)
		}
		rules = append(rules, stored{Number: n, Command: c})
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].Number < rules[j].Number })
	return rules, nil
}

// hasRule reports whether the store holds rule number n.
func hasRule(s Store, n int64) (bool, error) {
	_, ok, err := s.Get(ruleKey(n))
	return ok, err
}

// saveRule stores the command that added rule number n, and moves the next
// number to assign past n.
func saveRule(s Store, n int64, c abi.Command) error {
	b, err := msgpack.Marshal(&c)
	if err != nil {
		return abi.Errorf(abi.CodeInternal, "encode rule %d: %v", n, err)
	}
	if err := s.Set(ruleKey(n), b); err != nil {
		return err
	}
	next, err := nextNumber(s)
	if err != nil || next > n || n == math.MaxInt64 {
		return err
	}
	return s.Set(nextKey, strconv.AppendInt(nil, n+1, 10))
}

// nextNumber returns the lowest number that may be assigned next: 1 at
// first, then one above every number assigned so far.
func nextNumber(s Store) (int64, error) {
	b, ok, err := s.Get(nextKey)
	if err != nil || !ok {
		return 1, err
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || n < 1 {
		return 0, abi.Errorf(abi.CodeInternal, "kv key %q holds %q, not a rule number", nextKey, b)
	}
	return n, nil
}
