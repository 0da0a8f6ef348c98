package decisionlog_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/decisionlog"
)

// engine returns an engine whose policy set "s" grants subjects whose
// role is "admin", and whose "o" carries an obligation no one runs.
func engine(t testing.TB) *policy.Engine {
	t.Helper()
	f := filepath.Join(t.TempDir(), "e.json")
	err := os.WriteFile(f, []byte(`{
"s": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"]},
"o": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"], "Obligations": ["obl_log"]},
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "subject.role == 'admin'", "Effect": "GRANT"}}`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	s := policy.Load(f)
	if len(s.Problems()) > 0 {
		t.Fatal(s.Problems())
	}
	return policy.NewEngine(s, policy.Config{})
}

// lines reads the JSON lines of the file at path.
func lines(t *testing.T, path string) []decisionlog.Entry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []decisionlog.Entry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e decisionlog.Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d: %v\n%s", len(out)+1, err, sc.Bytes())
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDecider(t *testing.T) {
	path := filepath.Join(t.TempDir(), "decisions.log")
	log, err := decisionlog.Open(path, []string{"subject.email"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := log.Decider(engine(t), "api")
	attrs := policy.Attributes{Subject: map[string]any{"role": "admin", "email": "ann@example.com"}, Access: map[string]any{"method": "GET"}}
	for _, set := range []string{"s", "o"} {
		if _, err := d.Decide(t.Context(), policy.Request{PolicySet: set, Attributes: attrs, Path: "/a"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Decide(t.Context(), policy.Request{PolicySet: "s", Attributes: policy.Attributes{Subject: map[string]any{}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Decide(t.Context(), policy.Request{PolicySet: "nope"}); !errors.Is(err, policy.ErrUnknownPolicySet) {
		t.Fatalf("unknown policy set: %v", err)
	}
	if attrs.Subject["email"] != "ann@example.com" {
		t.Error("masking modified the request")
	}
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	if err := log.Write(&decisionlog.Entry{}); !errors.Is(err, decisionlog.ErrClosed) {
		t.Errorf("Write after Close: %v", err)
	}

	got := lines(t, path)
	if len(got) != 4 {
		t.Fatalf("%d lines, want 4", len(got))
	}
	want := []string{
		`api s GRANT GRANT [] [] "" /a map[access:map[method:GET] subject:map[email:[masked] role:admin]]`,
		`api o DENY GRANT [obl_log:false] [] "" /a map[access:map[method:GET] subject:map[email:[masked] role:admin]]`,
		`api s DENY DENY [] [subject.role] "" ` + ` map[subject:map[]]`,
		`api nope   [] [] "policy set \"nope\": no such policy set is loaded"  map[]`,
	}
	for i, e := range got {
		var obls []string
		for _, o := range e.Obligations {
			obls = append(obls, fmt.Sprintf("%s:%v", o.Name, o.Fulfilled))
		}
		line := fmt.Sprintf("%s %s %s %s [%s] [%s] %q %s %v", e.Source, e.PolicySet, e.Result, e.Effect,
			strings.Join(obls, " "), strings.Join(e.Missing, " "), e.Error, e.Path, e.Attributes)
		if line != want[i] {
			t.Errorf("line %d:\ngot  %s\nwant %s", i+1, line, want[i])
		}
		if e.Time.IsZero() {
			t.Errorf("line %d has no time", i+1)
		}
	}
}

// TestConcurrentLines decides from many goroutines at once and checks
// that every decision is one whole line.
func TestConcurrentLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "decisions.log")
	log, err := decisionlog.Open(path, []string{"subject.secret"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := log.Decider(engine(t), "api")
	const goroutines, each = 16, 200
	// A long attribute makes lines larger than a pipe's atomic write.
	padding := strings.Repeat("x", 8<<10)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				attrs := policy.Attributes{Subject: map[string]any{"role": "admin", "g": g, "i": i, "pad": padding, "secret": "s"}}
				if _, err := d.Decide(t.Context(), policy.Request{PolicySet: "s", Attributes: attrs}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	seen := map[[2]float64]bool{}
	for _, e := range lines(t, path) {
		s := e.Attributes["subject"].(map[string]any)
		if e.Result != "GRANT" || s["pad"] != padding || s["secret"] != decisionlog.Masked {
			t.Fatalf("a line is not whole: %v %v", e.Result, s["secret"])
		}
		seen[[2]float64{s["g"].(float64), s["i"].(float64)}] = true
	}
	if len(seen) != goroutines*each {
		t.Errorf("%d distinct decisions in the log, want %d", len(seen), goroutines*each)
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := decisionlog.Open(filepath.Join(t.TempDir(), "no", "such", "dir.log"), nil, nil); err == nil || !strings.HasPrefix(err.Error(), "decision log: ") {
		t.Errorf("a log in a missing folder: %v", err)
	}
	if _, err := decisionlog.Open(filepath.Join(t.TempDir(), "d.log"), []string{"email"}, nil); err == nil || !strings.Contains(err.Error(), `mask[0] "email"`) {
		t.Errorf("a bad mask: %v", err)
	}
}

// TestRecent keeps the last decisionlog.RecentSize entries written, newest first,
// without their attributes and obligations.
func TestRecent(t *testing.T) {
	l, err := decisionlog.New(io.Discard, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Recent(10); len(got) != 0 {
		t.Fatalf("Recent of an empty log: %+v", got)
	}
	for i := range decisionlog.RecentSize + 5 {
		if err := l.Write(&decisionlog.Entry{Source: "api", PolicySet: strconv.Itoa(i), Result: "GRANT", Attributes: map[string]any{"subject": "x"}}); err != nil {
			t.Fatal(err)
		}
	}
	got := l.Recent(decisionlog.RecentSize + 100)
	if len(got) != decisionlog.RecentSize || got[0].PolicySet != strconv.Itoa(decisionlog.RecentSize+4) || got[decisionlog.RecentSize-1].PolicySet != "5" || got[0].Attributes != nil {
		t.Fatalf("Recent: %d entries, newest %+v, oldest %+v", len(got), got[0], got[len(got)-1])
	}
	if got := l.Recent(2); len(got) != 2 || got[1].PolicySet != strconv.Itoa(decisionlog.RecentSize+3) {
		t.Fatalf("Recent(2): %+v", got)
	}
}

// TestIndex lists the entries a log keeps under filters, a page at a
// time, once the entries written outnumber those it keeps.
func TestIndex(t *testing.T) {
	l, err := decisionlog.New(io.Discard, []string{"subject.email"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	l.Keep(100)
	e := engine(t)
	d := l.Decider(e, "api")
	for i := range 250 {
		role := "guest"
		if i%10 == 0 {
			role = "admin"
		}
		set := "s"
		if i%2 == 1 {
			set = "o"
		}
		req := policy.Request{PolicySet: set, Attributes: policy.Attributes{Subject: map[string]any{"role": role, "email": "ann@example.com", "n": int64(i)}}}
		if i == 249 {
			req.PolicySet = "unknown"
		}
		d.Decide(t.Context(), req)
	}
	x := l.Index()
	all, next := x.Query(decisionlog.Query{Limit: 1000})
	if len(all) != 100 || all[0].Seq != 250 || all[99].Seq != 151 || next != 0 {
		t.Fatalf("every entry kept: %d, newest %d, oldest %d, next %d", len(all), all[0].Seq, all[len(all)-1].Seq, next)
	}
	if all[1].Subject != "email=[masked], n=248, role=guest" {
		t.Errorf("subject of an entry: %q", all[1].Subject)
	}
	if errs, _ := x.Query(decisionlog.Query{Result: decisionlog.ResultError}); len(errs) != 1 || errs[0].PolicySet != "unknown" || errs[0].Error == "" {
		t.Errorf("the entries that could not be decided: %+v", errs)
	}
	page, next := x.Query(decisionlog.Query{Result: "GRANT", PolicySet: "s", Limit: 3})
	if len(page) != 3 || page[0].Seq != 241 || page[2].Seq != 221 || next != 221 {
		t.Fatalf("the first page of grants of s: %+v, next %d", page, next)
	}
	page, next = x.Query(decisionlog.Query{Result: "GRANT", PolicySet: "s", Limit: 3, Before: next})
	if len(page) != 3 || page[0].Seq != 211 || page[2].Seq != 191 || next != 191 {
		t.Fatalf("the second page of grants of s: %+v, next %d", page, next)
	}
	if page, next := x.Query(decisionlog.Query{Result: "GRANT", PolicySet: "s", Limit: 3, Before: 151}); len(page) != 0 || next != 0 {
		t.Errorf("before the oldest grant: %+v, next %d", page, next)
	}
	if page, _ := x.Query(decisionlog.Query{Subject: "n=17"}); len(page) != 10 {
		t.Errorf("subject n=17: %d entries, want 10 (170-179)", len(page))
	}
	if page, _ := x.Query(decisionlog.Query{Subject: "ann@"}); len(page) != 0 {
		t.Errorf("a masked subject attribute matched: %+v", page)
	}
}

// TestKeep grows and shrinks the entries a log keeps, keeping the newest
// of those it held.
func TestKeep(t *testing.T) {
	l, err := decisionlog.New(io.Discard, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := l.Index()
	write := func(n int) {
		for range n {
			if err := l.Write(&decisionlog.Entry{Source: "api", Result: "GRANT"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	kept := func(first, last uint64) {
		t.Helper()
		all, _ := x.Query(decisionlog.Query{Limit: 1000})
		if len(all) != int(last-first+1) || all[0].Seq != last || all[len(all)-1].Seq != first {
			t.Fatalf("kept %d entries, %d to %d; want %d to %d", len(all), all[len(all)-1].Seq, all[0].Seq, first, last)
		}
		for i, s := range all {
			if s.Seq != last-uint64(i) {
				t.Fatalf("entry %d is %d", i, s.Seq)
			}
		}
	}
	write(60)
	kept(11, 60)
	l.Keep(100)
	kept(11, 60)
	write(60)
	kept(21, 120)
	l.Keep(60)
	kept(61, 120)
	write(1)
	kept(62, 121)
	if x.Size() != 60 {
		t.Errorf("Size %d", x.Size())
	}
}
