package policy

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"io"
	"slices"
	"strings"
)

// Snapshot is a set of loaded entities, their references linked, with the
// problems found while loading them. It never changes once made and is
// safe for concurrent use; reloading makes a new one.
type Snapshot struct {
	entities []*entity // indexed by entity.index
	byKind   [3]map[string]*entity
	problems []Problem
	// digest sums up the files read, names and contents, so that a load
	// of the same files can be told from a load of changed ones.
	digest [sha256.Size]byte
}

// Problems returns the problems found while loading, in the order of the
// files and then of the checks.
func (s *Snapshot) Problems() []Problem { return s.problems }

// Errors returns the problems that are not warnings: refused files and
// entities, and references to entities that are not loaded.
func (s *Snapshot) Errors() []Problem {
	var out []Problem
	for _, p := range s.problems {
		if !p.Warning {
			out = append(out, p)
		}
	}
	return out
}

// Entities returns every loaded entity, in the order of the files.
func (s *Snapshot) Entities() []Entity {
	out := make([]Entity, len(s.entities))
	for i, e := range s.entities {
		out[i] = e.Entity
	}
	return out
}

// Entity returns the entity of kind with id, if it is loaded.
func (s *Snapshot) Entity(kind Kind, id string) (Entity, bool) {
	if e := s.byKind[kind][id]; e != nil {
		return e.Entity, true
	}
	return Entity{}, false
}

// PolicySets returns the ids of the loaded policy sets, sorted.
func (s *Snapshot) PolicySets() []string {
	ids := make([]string, 0, len(s.byKind[KindPolicySet]))
	for id := range s.byKind[KindPolicySet] {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// builder collects the entities of files and makes a Snapshot of them.
type builder struct {
	entities []*entity
	problems []Problem
	// digest sums up the names and contents of the files added and the
	// errors of those that could not be read.
	digest hash.Hash
	// refused indexes the errors of b.problems found before linking by the
	// id of their entity, for whyMissing.
	refused map[string][]int
}

// addFile parses the entity file named file, with data.
func (b *builder) addFile(file string, data []byte) {
	b.sum(file, string(data))
	ents, probs := parseFile(file, data)
	b.entities = append(b.entities, ents...)
	b.problems = append(b.problems, probs...)
}

// fileError records that the file or folder named file could not be
// read.
func (b *builder) fileError(file string, err error) {
	b.sum(file, err.Error())
	b.problems = append(b.problems, Problem{File: file, Message: err.Error()})
}

// sum adds a file's name and its content, or why it could not be read, to
// the digest.
func (b *builder) sum(file, content string) {
	if b.digest == nil {
		return
	}
	for _, s := range []string{file, content} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		b.digest.Write(n[:])
		io.WriteString(b.digest, s)
	}
}

// build refuses the second definition of an id of a kind and the policy
// sets that contain themselves, links the references of the others and
// returns them as a Snapshot.
func (b *builder) build() *Snapshot {
	s := &Snapshot{}
	for k := range s.byKind {
		s.byKind[k] = map[string]*entity{}
	}
	for _, e := range b.entities {
		m := s.byKind[e.Kind]
		if first := m[e.ID]; first != nil {
			b.problems = append(b.problems, Problem{File: e.File, Line: e.Line, Entity: e.ID, Kind: e.Kind.String(),
				Message: fmt.Sprintf("is defined again; the first definition, at %s:%d, stays", first.File, first.Line), firstFile: first.File, firstLine: first.Line})
			continue
		}
		m[e.ID] = e
	}
	b.refuseCycles(s)
	for _, e := range b.entities {
		if s.byKind[e.Kind][e.ID] != e {
			continue
		}
		e.index = len(s.entities)
		s.entities = append(s.entities, e)
	}
	b.refused = map[string][]int{}
	for i, p := range b.problems {
		if p.Entity != "" && !p.Warning {
			b.refused[p.Entity] = append(b.refused[p.Entity], i)
		}
	}
	for _, e := range s.entities {
		b.link(s, e)
	}
	seen := make([]int, len(s.entities))
	for i, e := range s.entities {
		e.reach, e.reachKids = reach(e, seen, i+1)
	}
	s.problems = b.problems
	if b.digest != nil {
		b.digest.Sum(s.digest[:0])
	}
	return s
}

// reach counts the entities reachable from e, itself included, and their
// references. seen is shared by the calls, one per entity: an entity was
// seen in this call when its element is mark, which differs per call, so
// that no call allocates or clears it.
func reach(e *entity, seen []int, mark int) (entities, refs int) {
	var visit func(e *entity)
	visit = func(e *entity) {
		seen[e.index] = mark
		entities++
		refs += len(e.children)
		for _, c := range e.children {
			if c.e != nil && seen[c.e.index] != mark {
				visit(c.e)
			}
		}
	}
	visit(e)
	return entities, refs
}

// link resolves the references of e, reporting those to entities that are
// not loaded; they stay in e, to evaluate as ARPOC does (the entity that
// reaches one does not apply).
func (b *builder) link(s *Snapshot, e *entity) {
	add := func(field string, kind Kind, ids []string) {
		for _, id := range ids {
			c := child{kind: kind, id: id, e: s.byKind[kind][id]}
			e.children = append(e.children, c)
			if c.e == nil {
				b.problems = append(b.problems, Problem{File: e.File, Line: e.lines[field], Entity: e.ID, Kind: e.Kind.String(),
					Field: field, Message: b.whyMissing(s, kind, id)})
			}
		}
	}
	add("PolicySets", KindPolicySet, e.PolicySets)
	add("Policies", KindPolicy, e.Policies)
	add("Rules", KindRule, e.Rules)
}

// whyMissing says that no entity of kind with id is loaded, and why when
// that is known.
func (b *builder) whyMissing(s *Snapshot, kind Kind, id string) string {
	msg := fmt.Sprintf("no %s %q is loaded", kind.word(), id)
	for _, i := range b.refused[id] {
		if p := b.problems[i]; p.Kind == kind.String() || p.Kind == "" {
			return msg + "; its definition was refused (" + p.Error() + ")"
		}
	}
	for k, m := range s.byKind {
		if m[id] != nil {
			return msg + fmt.Sprintf("; %q is a %s", id, Kind(k).word())
		}
	}
	return msg
}

// refuseCycles refuses every policy set that contains itself, directly or
// through others: evaluating one would never end. It finds them as the
// strongly connected components of the containment graph (Tarjan).
func (b *builder) refuseCycles(s *Snapshot) {
	sets := s.byKind[KindPolicySet]
	ids := make([]string, 0, len(sets))
	for id := range sets {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	index := map[string]int{}
	low := map[string]int{}
	onStack := map[string]bool{}
	var stack []string
	var cycles [][]string
	var visit func(id string)
	visit = func(id string) {
		index[id], low[id] = len(index), len(index)
		stack = append(stack, id)
		onStack[id] = true
		for _, c := range sets[id].PolicySets {
			if sets[c] == nil {
				continue
			}
			if _, seen := index[c]; !seen {
				visit(c)
				low[id] = min(low[id], low[c])
			} else if onStack[c] {
				low[id] = min(low[id], index[c])
			}
		}
		if low[id] != index[id] {
			return
		}
		var scc []string
		for {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			onStack[top] = false
			scc = append(scc, top)
			if top == id {
				break
			}
		}
		if len(scc) > 1 || slices.Contains(sets[id].PolicySets, id) {
			slices.Sort(scc)
			cycles = append(cycles, scc)
		}
	}
	for _, id := range ids {
		if _, seen := index[id]; !seen {
			visit(id)
		}
	}
	for _, scc := range cycles {
		for _, id := range scc {
			e := sets[id]
			msg := "contains itself; a policy set cannot"
			if len(scc) > 1 {
				msg = fmt.Sprintf("is part of a cycle: the policy sets %s contain one another; a policy set cannot contain itself", quoteList(scc))
			}
			b.problems = append(b.problems, Problem{File: e.File, Line: e.lines["PolicySets"], Entity: id, Kind: e.Kind.String(), Field: "PolicySets", Message: msg})
			delete(sets, id)
		}
	}
}

// quoteList returns "a", "b" and "c".
func quoteList(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = fmt.Sprintf("%q", id)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}
