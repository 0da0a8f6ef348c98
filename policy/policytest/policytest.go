// Package policytest runs test cases of access-control policies written in
// YAML: requests, each with the decision it must get. It serves
// `gatehouse policy test` and Go tests alike.
//
// A file of cases:
//
//	# Folders and files of entities, relative to this file.
//	entities: [../policies]
//	cases:
//	  - name: logged-in users may read
//	    policy_set: com.example.policysets.loggedIn
//	    context:                     # the request's attributes
//	      subject: {email: ann@example.com}
//	      object: {path: docs/a}
//	    path: /docs/a                # for object setters; optional
//	    obligations: {obl_log: true} # stand-ins, fulfilled or not; optional
//	    want:
//	      decision: GRANT            # GRANT, DENY or NOT_APPLICABLE
//	      effect: GRANT              # what the policy set yielded; optional
//	      obligations: [obl_log]     # the obligations, in order; optional
//	      missing: []                # the missing attributes; optional
//	      error: type                # part of the evaluation error; optional
//
// An obligation a case lists under obligations is not run: it is fulfilled
// or not as the case says. The others run through the suite's
// ObligationRunner, or, without one, are fulfilled. Keys left out of want
// are not checked.
package policytest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/policy"
)

// Suite is a file of cases.
type Suite struct {
	// File is the file the suite was read from.
	File string `yaml:"-"`
	// Entities are the folders and files of entities, relative to File's
	// folder unless absolute.
	Entities []string `yaml:"entities"`
	Cases    []Case   `yaml:"cases"`
}

// Case is one request and what its decision must be.
type Case struct {
	Name      string            `yaml:"name"`
	PolicySet string            `yaml:"policy_set"`
	Context   policy.Attributes `yaml:"context"`
	Path      string            `yaml:"path"`
	// Obligations are stand-ins for the obligations named: fulfilled
	// (true) or not (false), without running them.
	Obligations map[string]bool `yaml:"obligations"`
	Want        Want            `yaml:"want"`
	// Line is where the case starts in the file.
	Line int `yaml:"-"`
}

// Want is what a decision must be. Nil fields are not checked.
type Want struct {
	// Decision is required.
	Decision    *policy.Result `yaml:"decision"`
	Effect      *policy.Result `yaml:"effect"`
	Obligations *[]string      `yaml:"obligations"`
	Missing     *[]string      `yaml:"missing"`
	// Error is a part of the decision's error; "" checks that there is
	// none.
	Error *string `yaml:"error"`
}

// Load reads and checks a file of cases. Its errors name the file and the
// line.
func Load(file string) (*Suite, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var s Suite
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: no cases", file)
		}
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	s.File = file
	lines := caseLines(&doc)
	var problems []string
	for i := range s.Cases {
		c := &s.Cases[i]
		c.Line = lines[i]
		switch {
		case c.Name == "":
			problems = append(problems, fmt.Sprintf("%s:%d: case %d has no name", file, c.Line, i+1))
		case c.PolicySet == "":
			problems = append(problems, fmt.Sprintf("%s:%d: case %q has no policy_set", file, c.Line, c.Name))
		case c.Want.Decision == nil:
			problems = append(problems, fmt.Sprintf("%s:%d: case %q has no want.decision", file, c.Line, c.Name))
		}
	}
	if len(s.Cases) == 0 {
		problems = append(problems, file+": no cases")
	}
	if len(s.Entities) == 0 {
		problems = append(problems, file+": no entities: give the folders or files of the entities")
	}
	for i, e := range s.Entities {
		if !filepath.IsAbs(e) {
			s.Entities[i] = filepath.Join(filepath.Dir(file), e)
		}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return &s, nil
}

// caseLines returns the line of each item of the cases list of doc.
func caseLines(doc *yaml.Node) []int {
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	m := doc.Content[0].Content
	for i := 0; i+1 < len(m); i += 2 {
		if m[i].Value == "cases" {
			var lines []int
			for _, item := range m[i+1].Content {
				lines = append(lines, item.Line)
			}
			return lines
		}
	}
	return nil
}

// Result is what came of one case.
type Result struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	// Diff lists what differed from the case's want, one line each.
	Diff     string          `json:"diff,omitempty"`
	Decision policy.Decision `json:"decision"`
}

// Options are what a suite runs with. Every field may be nil.
type Options struct {
	// Environment supplies environment attributes the cases lack.
	Environment policy.EnvironmentSource
	// ObjectSetters supply object attributes the cases lack.
	ObjectSetters []policy.ObjectSetter
	// Obligations runs the obligations a case does not stand in for;
	// without it they are fulfilled.
	Obligations policy.ObligationRunner
	// Compat chooses between ARPOC's documentation and its code where
	// they decide differently, as policy.Config's Compat.
	Compat policy.Compat
}

// Run loads the suite's entities and decides each case. It fails, without
// running any case, when an entity or a file of them is refused or a
// reference is dangling: the problems are in the error.
func Run(ctx context.Context, s *Suite, opts Options) ([]Result, error) {
	snap := policy.Load(s.Entities...)
	if errs := snap.Errors(); len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, p := range errs {
			msgs[i] = p.Error()
		}
		return nil, fmt.Errorf("%s: the entities have %d problems:\n%s", s.File, len(errs), strings.Join(msgs, "\n"))
	}
	var out []Result
	for _, c := range s.Cases {
		runner := &standIns{cases: c.Obligations, next: opts.Obligations}
		e := policy.NewEngine(snap, policy.Config{Environment: opts.Environment, Obligations: runner, Compat: opts.Compat})
		d, err := e.Decide(ctx, policy.Request{PolicySet: c.PolicySet, Attributes: c.Context, Path: c.Path, ObjectSetters: opts.ObjectSetters})
		r := Result{File: s.File, Line: c.Line, Name: c.Name, Decision: d}
		if err != nil {
			r.Diff = err.Error()
		} else {
			r.Diff = strings.Join(c.Want.diff(d), "\n")
		}
		r.Passed = r.Diff == ""
		out = append(out, r)
	}
	return out, nil
}

// diff lists how d differs from w.
func (w Want) diff(d policy.Decision) []string {
	var out []string
	if d.Result != *w.Decision {
		out = append(out, fmt.Sprintf("decision: got %s, want %s", d.Result, *w.Decision))
	}
	if w.Effect != nil && d.Effect != *w.Effect {
		out = append(out, fmt.Sprintf("effect: got %s, want %s", d.Effect, *w.Effect))
	}
	if w.Obligations != nil {
		var got []string
		for _, o := range d.Obligations {
			got = append(got, o.Name)
		}
		if !slices.Equal(got, *w.Obligations) {
			out = append(out, fmt.Sprintf("obligations: got %v, want %v", got, *w.Obligations))
		}
	}
	if w.Missing != nil && !slices.Equal(d.Missing, *w.Missing) {
		out = append(out, fmt.Sprintf("missing: got %v, want %v", d.Missing, *w.Missing))
	}
	switch {
	case w.Error == nil:
	case *w.Error == "" && d.Error != "":
		out = append(out, fmt.Sprintf("error: got %q, want none", d.Error))
	case !strings.Contains(d.Error, *w.Error):
		out = append(out, fmt.Sprintf("error: got %q, want one containing %q", d.Error, *w.Error))
	}
	return out
}

// standIns is the ObligationRunner of a case: it answers for the
// obligations the case stands in for, and passes the others on.
type standIns struct {
	cases map[string]bool
	next  policy.ObligationRunner
}

// Oblige answers for name if the case stands in for it, else runs it.
func (s *standIns) Oblige(ctx context.Context, name string, effect policy.Result, attrs *policy.Attributes, config map[string]any) (bool, string, error) {
	if ok, found := s.cases[name]; found {
		if !ok {
			return false, "the case says it is not fulfilled", nil
		}
		return true, "", nil
	}
	if s.next == nil {
		return true, "", nil
	}
	return s.next.Oblige(ctx, name, effect, attrs, config)
}
