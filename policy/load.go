package policy

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/jsonio"
	"github.com/gatehouse/gatehouse/policy/expr"
)

// Load reads the entity files at paths and returns a snapshot of every
// entity that loaded, with the problems found. A path is a folder, whose
// *.json files are read in name order (as ARPOC reads its json_dir), or a
// file, read whatever its name. A file that is not valid JSON, or not one
// object of entities by id, is refused whole; an entity that is broken is
// refused alone, and the rest of its file loads. Problems name the file,
// the entity, the key and, in an expression, the column.
func Load(paths ...string) *Snapshot { return LoadOverlay(nil, paths...) }

// LoadOverlay loads the entity files at paths as Load does, as if the
// files of overlay, by path, held its contents: a file of a folder among
// paths that does not exist takes its place in the folder, and a nil
// content stands for a file removed. It checks a change before it is
// made.
func LoadOverlay(overlay map[string][]byte, paths ...string) *Snapshot {
	b := &builder{digest: sha256.New()}
	for _, p := range paths {
		files, err := entityFiles(p, overlay)
		if err != nil {
			b.fileError(p, err)
			continue
		}
		for _, f := range files {
			data, over := overlay[f]
			if !over {
				if data, err = os.ReadFile(f); err != nil {
					b.fileError(f, err)
					continue
				}
			}
			b.addFile(f, data)
		}
	}
	return b.build()
}

// entityFiles returns path if it is a file, or the *.json files in it if
// it is a folder, in name order, with the files of overlay: those in the
// folder added, those with nil content left out.
func entityFiles(path string, overlay map[string][]byte) ([]string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		if data, over := overlay[path]; over && data == nil {
			return nil, nil
		}
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var files []string
	found := map[string]bool{}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") {
			f := filepath.Join(path, e.Name())
			files, found[f] = append(files, f), true
		}
	}
	dir := filepath.Clean(path)
	for f, data := range overlay {
		if filepath.Dir(f) == dir && strings.HasSuffix(f, ".json") && !found[f] && data != nil {
			files = append(files, f)
		}
	}
	files = slices.DeleteFunc(files, func(f string) bool { data, over := overlay[f]; return over && data == nil })
	slices.Sort(files)
	return files, nil
}

// fileParser reads one entity file.
type fileParser struct {
	file     string
	data     []byte
	lines    []int // the byte offset of the start of each line
	problems []Problem
}

// parseFile returns the entities of the file named file, with data, that
// can be loaded, and the problems of the others.
func parseFile(file string, data []byte) ([]*entity, []Problem) {
	p := &fileParser{file: file, data: data, lines: []int{0}}
	for i, c := range data {
		if c == '\n' {
			p.lines = append(p.lines, i+1)
		}
	}
	return p.entities(), p.problems
}

// line returns the line, from 1, of byte offset off.
func (p *fileParser) line(off int) int {
	line, found := slices.BinarySearch(p.lines, off)
	if !found {
		return line
	}
	return line + 1
}

// lineCol returns the line and the column, in characters, of byte offset
// off, both from 1.
func (p *fileParser) lineCol(off int) (int, int) {
	off = max(0, min(off, len(p.data)))
	line := p.line(off)
	return line, utf8.RuneCount(p.data[p.lines[line-1]:off]) + 1
}

// fileProblem records a problem of the whole file at byte offset off.
func (p *fileParser) fileProblem(off int, format string, args ...any) {
	line, col := p.lineCol(off)
	p.problems = append(p.problems, Problem{File: p.file, Line: line, Col: col, Message: fmt.Sprintf(format, args...)})
}

// skip returns the offset of the first byte at or after off that is not
// in chars.
func (p *fileParser) skip(off int, chars string) int {
	for off < len(p.data) && strings.IndexByte(chars, p.data[off]) >= 0 {
		off++
	}
	return off
}

// entities reads the top-level object, entity by entity.
func (p *fileParser) entities() []*entity {
	var syntax *json.SyntaxError
	var surrogate *jsonio.SurrogateError
	if err := jsonio.CheckSurrogates(p.data); errors.As(err, &surrogate) {
		p.fileProblem(surrogate.Offset, "invalid JSON: %s", surrogate.Message())
		return nil
	}
	if err := json.Unmarshal(p.data, new(any)); errors.As(err, &syntax) {
		p.fileProblem(int(syntax.Offset)-1, "invalid JSON: %v", syntax)
		return nil
	} else if err != nil {
		p.fileProblem(0, "invalid JSON: %v", err)
		return nil
	}
	start := p.skip(0, " \t\r\n")
	if p.data[start] != '{' {
		p.fileProblem(start, "a file of entities holds one JSON object, the entities by id, not %s", jsonKind(p.data[start]))
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(p.data))
	if _, err := dec.Token(); err != nil {
		p.fileProblem(start, "%v", err)
		return nil
	}
	var out []*entity
	seen := map[string]int{}
	for dec.More() {
		keyOff := p.skip(int(dec.InputOffset()), " \t\r\n,")
		tok, err := dec.Token()
		if err != nil {
			p.fileProblem(keyOff, "%v", err)
			return nil
		}
		id := tok.(string)
		valOff := p.skip(int(dec.InputOffset()), " \t\r\n:")
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			p.fileProblem(valOff, "%v", err)
			return nil
		}
		line := p.line(keyOff)
		if first, dup := seen[id]; dup {
			p.problems = append(p.problems, Problem{File: p.file, Line: line, Entity: id,
				Message: fmt.Sprintf("is defined twice in this file; the definition at line %d stays", first), firstFile: p.file, firstLine: first})
			continue
		}
		seen[id] = line
		if e := p.entity(id, line, raw, valOff); e != nil {
			out = append(out, e)
		}
	}
	return out
}

// jsonKind names the JSON value that starts with c.
func jsonKind(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// field is one key of an entity definition.
type field struct {
	raw  json.RawMessage
	line int
}

// keys of entity definitions, and the kinds that have them.
var entityKeys = map[string][]Kind{
	"Type":        {KindPolicySet, KindPolicy, KindRule},
	"Description": {KindPolicySet, KindPolicy, KindRule},
	"Target":      {KindPolicySet, KindPolicy, KindRule},
	"Obligations": {KindPolicySet, KindPolicy, KindRule},
	"Resolver":    {KindPolicySet, KindPolicy},
	"PolicySets":  {KindPolicySet},
	"Policies":    {KindPolicySet},
	"Rules":       {KindPolicy},
	"Condition":   {KindRule},
	"Effect":      {KindRule},
}

// entityParser reads the definition of one entity.
type entityParser struct {
	*fileParser
	e      *entity
	kind   string // as the file gives it, for problems
	fields map[string]field
	failed bool
}

// problem records a problem of the entity; unless warning, the entity is
// refused.
func (ep *entityParser) problem(key string, column int, warning bool, format string, args ...any) {
	line := ep.e.Line
	if f, ok := ep.fields[key]; ok {
		line = f.line
	}
	ep.problems = append(ep.problems, Problem{File: ep.file, Line: line, Entity: ep.e.ID, Kind: ep.kind,
		Field: key, Column: column, Message: fmt.Sprintf(format, args...), Warning: warning})
	ep.failed = ep.failed || !warning
}

// entity reads the definition raw of entity id, which starts at byte
// offset base of the file, and returns the entity, or nil when it is
// refused.
func (p *fileParser) entity(id string, line int, raw json.RawMessage, base int) *entity {
	ep := &entityParser{fileParser: p, e: &entity{Entity: Entity{ID: id, File: p.file, Line: line}}, fields: map[string]field{}}
	if raw[0] != '{' {
		ep.problem("", 0, false, "a definition is a JSON object, not %s", jsonKind(raw[0]))
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.Token() // the '{' of a value that is valid JSON
	for dec.More() {
		keyOff := base + int(dec.InputOffset())
		tok, _ := dec.Token()
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			ep.problem("", 0, false, "%v", err)
			return nil
		}
		key := tok.(string)
		kline := p.line(p.skip(keyOff, " \t\r\n,"))
		if _, dup := ep.fields[key]; dup {
			ep.problem(key, 0, false, "the key appears twice")
			continue
		}
		ep.fields[key] = field{raw: v, line: kline}
	}
	if ep.failed {
		return nil
	}
	if !ep.kindOf() {
		return nil
	}
	ep.e.lines = make(map[string]int, len(ep.fields))
	for k, f := range ep.fields {
		ep.e.lines[k] = f.line
	}
	ep.check()
	if ep.failed {
		return nil
	}
	return ep.e
}

// kindOf reads Type.
func (ep *entityParser) kindOf() bool {
	typ, ok := ep.str("Type", true)
	if !ok {
		return false
	}
	ep.kind = typ
	for k, n := range kindNames {
		if typ == n {
			ep.e.Kind = Kind(k)
			return true
		}
	}
	ep.kind = ""
	ep.problem("Type", 0, false, "%q is not PolicySet, Policy or Rule", typ)
	return false
}

// check reads every key of the definition but Type, reporting every
// problem.
func (ep *entityParser) check() {
	e := ep.e
	k := e.Kind
	for key := range ep.fields {
		kinds, known := entityKeys[key]
		switch {
		case !known:
			ep.problem(key, 0, false, "unknown key")
		case !hasKind(kinds, k):
			ep.problem(key, 0, false, "a %s has no %s; %s", k.word(), key, kindsHaving(kinds))
		}
	}
	e.Description, _ = ep.str("Description", false)
	e.Obligations = ep.names("Obligations", false)
	e.Target, e.target = ep.expression("Target", false)
	switch k {
	case KindRule:
		e.Condition, e.condition = ep.expression("Condition", true)
		if s, ok := ep.str("Effect", true); ok {
			switch s {
			case "GRANT":
				e.Effect = Grant
			case "DENY":
				e.Effect = Deny
			default:
				ep.problem("Effect", 0, false, "%q is not GRANT or DENY", s)
			}
		}
		return
	case KindPolicySet:
		_, hasSets := ep.fields["PolicySets"]
		_, hasPolicies := ep.fields["Policies"]
		if !hasSets && !hasPolicies {
			ep.problem("", 0, false, "a policy set needs PolicySets or Policies")
		}
		e.PolicySets = ep.names("PolicySets", false)
		e.Policies = ep.names("Policies", false)
	case KindPolicy:
		e.Rules = ep.names("Rules", true)
	}
	if s, ok := ep.str("Resolver", true); ok {
		r, known := parseResolver(s)
		if !known {
			ep.problem("Resolver", 0, false, "%q is not one of %s", s, strings.Join(resolverNames[1:], ", "))
		}
		e.Resolver = r
	}
}

func hasKind(kinds []Kind, k Kind) bool {
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

// kindsHaving says which kinds have a key: "rules have it".
func kindsHaving(kinds []Kind) string {
	words := make([]string, len(kinds))
	for i, k := range kinds {
		words[i] = k.word() + "s"
	}
	if len(words) == 1 {
		return words[0] + " have it"
	}
	return strings.Join(words, " and ") + " have it"
}

// value decodes key into v, reporting a missing key when required, and a
// value of another type as wanting what.
func (ep *entityParser) value(key string, required bool, v any, what string) bool {
	f, ok := ep.fields[key]
	if !ok {
		if required {
			ep.problem(key, 0, false, "missing; a %s needs it", ep.e.Kind.word())
		}
		return false
	}
	if err := json.Unmarshal(f.raw, v); err != nil || bytes.Equal(f.raw, []byte("null")) {
		ep.problem(key, 0, false, "must be %s, not %s", what, jsonKind(f.raw[0]))
		return false
	}
	return true
}

// str reads the string key.
func (ep *entityParser) str(key string, required bool) (string, bool) {
	var s string
	ok := ep.value(key, required, &s, "a string")
	return s, ok
}

// names reads the list of entity or obligation names key.
func (ep *entityParser) names(key string, required bool) []string {
	var names []string
	if !ep.value(key, required, &names, "a list of strings") {
		return nil
	}
	for i, n := range names {
		if n == "" {
			ep.problem(key, 0, false, "item %d is empty", i+1)
		}
	}
	return names
}

// expression reads and parses the expression key; an absent Target is
// "True".
func (ep *entityParser) expression(key string, required bool) (string, *expr.Expr) {
	src, ok := ep.str(key, required)
	if !ok {
		if _, present := ep.fields[key]; present || required {
			return "", nil
		}
		src = "True"
	}
	x, err := expr.Parse(src)
	if err != nil {
		var pe *expr.Error
		if errors.As(err, &pe) {
			ep.problem(key, pe.Column, false, "%s", pe.Msg)
		} else {
			ep.problem(key, 0, false, "%v", err)
		}
		return src, nil
	}
	for _, w := range x.Warnings {
		ep.problem(key, w.Column, true, "%s", w.Msg)
	}
	return src, x
}
