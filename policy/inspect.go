package policy

import "github.com/gatehouse/gatehouse/policy/expr"

// Duplicate is a definition refused because its id was defined before:
// in the same file, or, for the same kind, in a file read before.
type Duplicate struct {
	// Problem is the refusal, at the refused definition.
	Problem Problem
	// FirstFile and FirstLine say where the definition kept is.
	FirstFile string
	FirstLine int
}

// Duplicates returns the definitions refused because their ids were
// defined before, in the order of the problems.
func (s *Snapshot) Duplicates() []Duplicate {
	var out []Duplicate
	for _, p := range s.problems {
		if p.firstLine > 0 {
			out = append(out, Duplicate{Problem: p, FirstFile: p.firstFile, FirstLine: p.firstLine})
		}
	}
	return out
}

// KeyLine returns the line at which the definition of the loaded entity
// of kind with id gives key ("Condition", "Rules", ...), or the line of
// the definition when it does not give key; 0 when no such entity is
// loaded.
func (s *Snapshot) KeyLine(kind Kind, id, key string) int {
	e := s.byKind[kind][id]
	if e == nil {
		return 0
	}
	if line, ok := e.lines[key]; ok {
		return line
	}
	return e.Line
}

// Expressions returns the parsed Target and Condition of the loaded
// entity of kind with id; condition is nil for a policy set or a policy,
// and both are nil when no such entity is loaded.
func (s *Snapshot) Expressions(kind Kind, id string) (target, condition *expr.Expr) {
	e := s.byKind[kind][id]
	if e == nil {
		return nil, nil
	}
	return e.target, e.condition
}
