// Package pap is the policy administration point of a server: changes of
// single entities, each checked with the loader of the entity files
// before it is written into a folder of entities as a file of its own,
// with the previous version kept and a change log of who changed what
// and when. gatehouse serve offers it over HTTP (routes.go) when
// policy.admin is enabled; docs/policy-admin.md describes it.
package pap

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/policy"
)

// HistoryDir is the folder, inside the administered folder, of the
// previous versions (HistoryDir/ID/TIME.json) and of the change log.
const HistoryDir = ".history"

// ChangeLog is the change log's name in HistoryDir: one JSON line per
// change made.
const ChangeLog = "changes.log"

// MaxIDBytes bounds the id of an entity that the administration writes:
// its file is ID.json.
const MaxIDBytes = 200

// Store changes the entities of one folder of entities. It is safe for
// concurrent use: changes are made one at a time.
type Store struct {
	// Dir is the folder the administration writes, one of Paths.
	Dir string
	// Paths returns the folders and files of entities in use, as
	// policy.Load takes them.
	Paths func() []string
	// Reload puts the entity files in use once a change is written.
	Reload func()
	// Now returns the time of a change; nil uses time.Now.
	Now func() time.Time

	mu sync.Mutex
}

// Change is the change of one entity.
type Change struct {
	ID string
	// Definition is the entity's definition, a JSON object as an entity
	// file gives it by its id; nil, with File nil, deletes the entity.
	Definition json.RawMessage
	// File, when not nil, is the entity's file as it is to be written, in
	// place of Definition indented: an entity file that holds the entity
	// alone, by its id, so that the loader's lines and columns are those
	// of the text a person typed.
	File []byte
	// IfMatch, when not empty, is the ETag the entity's file must have
	// now (Applied.ETag): the change is refused otherwise.
	IfMatch string
}

// Applied is a change made, or one that a dry run found it could make.
type Applied struct {
	ID string `json:"id"`
	// Kind is the entity's, "" for a deletion.
	Kind string `json:"kind,omitempty"`
	// Action is "created", "replaced" or "deleted".
	Action string `json:"action"`
	// File is the entity's file.
	File string `json:"file"`
	// ETag is the entity's file's ETag after the change: its SHA-256 in
	// lower-case hex, quoted; "" after a deletion.
	ETag string `json:"etag,omitempty"`
	// Previous is where the previous version is kept, if there was one
	// (and the change was made).
	Previous string `json:"previous,omitempty"`
}

// Result is the outcome of Apply.
type Result struct {
	Changes []Applied `json:"changes"`
	// Warnings are the warnings of the changed files.
	Warnings []policy.Problem `json:"warnings"`
}

// Errors of Apply, which the routes answer with their statuses.
var (
	// ErrInvalidID is an id that cannot be a file's name (400).
	ErrInvalidID = errors.New("invalid entity id")
	// ErrInvalidDefinition is a definition that is not JSON (400).
	ErrInvalidDefinition = errors.New("invalid definition")
	// ErrConflict is an entity that another file defines, or a file of
	// the folder that is not the administration's (409).
	ErrConflict = errors.New("conflict")
	// ErrNotFound is the deletion of an entity that is not there (404).
	ErrNotFound = errors.New("not found")
	// ErrPrecondition is a change whose IfMatch is not the file's ETag
	// (412).
	ErrPrecondition = errors.New("precondition failed")
)

// InvalidError is a change refused because the entities would load with
// errors they do not have now (422).
type InvalidError struct {
	// Problems are the new errors, each naming its file and line.
	Problems []policy.Problem
}

func (e *InvalidError) Error() string {
	msg := fmt.Sprintf("the change would load with %d new errors: %s", len(e.Problems), e.Problems[0].Error())
	if len(e.Problems) > 1 {
		msg += "; ..."
	}
	return msg
}

// CheckID returns an error wrapping ErrInvalidID unless id can be the
// name of its file, ID.json, in the administered folder: not empty, at
// most MaxIDBytes of UTF-8, no slash, backslash or control character,
// and not starting with a dot (. and .. and hidden files, HistoryDir
// among them).
func CheckID(id string) error {
	why := ""
	switch {
	case id == "":
		why = "empty"
	case len(id) > MaxIDBytes:
		why = fmt.Sprintf("%d bytes, longer than the limit of %d", len(id), MaxIDBytes)
	case !utf8.ValidString(id):
		why = "not valid UTF-8"
	case strings.HasPrefix(id, "."):
		why = "starts with a dot"
	case strings.ContainsAny(id, `/\`):
		why = "holds a slash or a backslash"
	case strings.ContainsFunc(id, unicode.IsControl):
		why = "holds a control character"
	}
	if why != "" {
		return fmt.Errorf("%w %q: %s; an id of the policy administration is the name of its file", ErrInvalidID, id, why)
	}
	return nil
}

// file returns the file of entity id.
func (s *Store) file(id string) string { return filepath.Join(s.Dir, id+".json") }

// planned is a change with what Apply found of its file.
type planned struct {
	Change
	file    string
	old     []byte // the file now, nil when there is none
	content []byte // the file after the change, nil for a deletion
}

// Apply checks changes together, as one change of the entity files, and
// unless dryRun makes them, in order, and puts the entities in use; who
// is the subject of the change log. A change is refused, nothing written,
// when an id is not valid, when another file defines the entity (the
// error names it), when the entity's file holds other entities, when a
// deletion finds no entity, when IfMatch is not the file's ETag, and when
// the entities would load with errors they do not have now
// (*InvalidError). Writing is atomic per file; an error while writing
// leaves the changes before it made.
func (s *Store) Apply(changes []Change, who string, dryRun bool) (*Result, error) {
	for _, c := range changes {
		if err := CheckID(c.ID); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	paths := s.Paths()
	before := policy.Load(paths...)
	defined := definitions(before)
	plan := make([]planned, len(changes))
	overlay := map[string][]byte{}
	for i, c := range changes {
		p, err := s.plan(defined, c)
		if err != nil {
			return nil, err
		}
		if _, twice := overlay[p.file]; twice {
			return nil, fmt.Errorf("%w: entity %q is changed twice in one change", ErrConflict, c.ID)
		}
		plan[i], overlay[p.file] = p, p.content
	}
	after := policy.LoadOverlay(overlay, paths...)
	res := &Result{Warnings: []policy.Problem{}}
	if errs := newErrors(before, after); len(errs) > 0 {
		return nil, &InvalidError{Problems: errs}
	}
	for _, pr := range after.Problems() {
		if _, changed := overlay[pr.File]; changed && pr.Warning {
			res.Warnings = append(res.Warnings, pr)
		}
	}
	for _, p := range plan {
		a := Applied{ID: p.ID, File: p.file, Action: "deleted"}
		if p.content != nil {
			a.Action, a.ETag = "replaced", etag(p.content)
			if p.old == nil {
				a.Action = "created"
			}
			for _, k := range []policy.Kind{policy.KindPolicySet, policy.KindPolicy, policy.KindRule} {
				if e, ok := after.Entity(k, p.ID); ok && e.File == p.file {
					a.Kind = k.String()
				}
			}
		}
		res.Changes = append(res.Changes, a)
	}
	if dryRun {
		return res, nil
	}
	for i, p := range plan {
		prev, err := s.write(p, &res.Changes[i], who)
		res.Changes[i].Previous = prev
		if err != nil {
			s.Reload()
			return nil, fmt.Errorf("entity %q: %w", p.ID, err)
		}
	}
	s.Reload()
	return res, nil
}

// place is where an entity is defined.
type place struct {
	file string
	line int
}

// definitions returns where s defines each entity, loaded or refused, by
// id.
func definitions(s *policy.Snapshot) map[string][]place {
	out := map[string][]place{}
	for _, e := range s.Entities() {
		out[e.ID] = append(out[e.ID], place{e.File, e.Line})
	}
	for _, pr := range s.Problems() {
		if pr.Entity != "" {
			out[pr.Entity] = append(out[pr.Entity], place{pr.File, pr.Line})
		}
	}
	return out
}

// plan finds the file of c, checks that the administration may change it,
// given where the entities are defined, and makes its new content.
func (s *Store) plan(defined map[string][]place, c Change) (planned, error) {
	p := planned{Change: c, file: s.file(c.ID)}
	for _, d := range defined[c.ID] {
		if d.file != p.file {
			return p, fmt.Errorf("%w: entity %q is defined in %s:%d, which the policy administration does not write: change it there, or remove it there first", ErrConflict, c.ID, d.file, d.line)
		}
	}
	old, err := os.ReadFile(p.file)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return p, err
	default:
		var m map[string]json.RawMessage
		if json.Unmarshal(old, &m) != nil || len(m) != 1 || m[c.ID] == nil {
			return p, fmt.Errorf("%w: %s holds other entities than %q: it is not a file of the policy administration", ErrConflict, p.file, c.ID)
		}
		p.old = old
	}
	if c.IfMatch != "" && (p.old == nil || c.IfMatch != etag(p.old)) && !(c.IfMatch == "*" && p.old != nil) {
		return p, fmt.Errorf("%w: entity %q: If-Match %s is not the ETag of its file", ErrPrecondition, c.ID, c.IfMatch)
	}
	if c.File != nil {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(c.File, &m); err != nil || len(m) != 1 || m[c.ID] == nil {
			return p, fmt.Errorf("%w: the file of %q must hold that entity alone, by its id", ErrInvalidDefinition, c.ID)
		}
		p.content = c.File
		return p, nil
	}
	if c.Definition == nil {
		if p.old == nil {
			return p, fmt.Errorf("%w: entity %q: the policy administration has no file %s", ErrNotFound, c.ID, p.file)
		}
		return p, nil
	}
	p.content, err = entityFile(c.ID, c.Definition)
	return p, err
}

// entityFile returns the entity file that holds definition by id, the
// definition indented so that the loader's lines are those of its keys.
func entityFile(id string, definition json.RawMessage) ([]byte, error) {
	var def bytes.Buffer
	if err := json.Indent(&def, definition, "  ", "  "); err != nil {
		return nil, fmt.Errorf("%w of %q: %v", ErrInvalidDefinition, id, err)
	}
	key, _ := json.Marshal(id)
	var b bytes.Buffer
	b.WriteString("{\n  ")
	b.Write(key)
	b.WriteString(": ")
	b.Write(def.Bytes())
	b.WriteString("\n}\n")
	return b.Bytes(), nil
}

// newErrors returns the errors of after that before does not have.
func newErrors(before, after *policy.Snapshot) []policy.Problem {
	had := map[string]bool{}
	for _, p := range before.Errors() {
		had[p.Error()] = true
	}
	var out []policy.Problem
	for _, p := range after.Errors() {
		if !had[p.Error()] {
			out = append(out, p)
		}
	}
	return out
}

// etag returns the ETag of a file's content.
func etag(content []byte) string {
	sum := sha256.Sum256(content)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// logLine is a line of the change log.
type logLine struct {
	Time    time.Time `json:"time"`
	Subject string    `json:"subject"`
	Action  string    `json:"action"`
	ID      string    `json:"id"`
	Kind    string    `json:"kind,omitempty"`
	File    string    `json:"file"`
	// SHA256 is the file's after the change, Previous its path before.
	SHA256   string `json:"sha256,omitempty"`
	Previous string `json:"previous,omitempty"`
}

// write makes the change p: it keeps the previous version of the file in
// HistoryDir, writes or removes the file, and appends a line to the
// change log. It returns where the previous version is kept.
func (s *Store) write(p planned, a *Applied, who string) (string, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	t := now().UTC()
	var prev string
	if p.old != nil {
		dir := filepath.Join(s.Dir, HistoryDir, p.ID)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
		stamp := t.Format("20060102T150405.000000000Z")
		prev = filepath.Join(dir, stamp+".json")
		for i := 2; exists(prev); i++ { // a clock that did not move
			prev = filepath.Join(dir, fmt.Sprintf("%s-%d.json", stamp, i))
		}
		if err := writeFile(prev, p.old); err != nil {
			return "", err
		}
	}
	if p.content != nil {
		if err := writeFile(p.file, p.content); err != nil {
			return prev, err
		}
	} else {
		if err := os.Remove(p.file); err != nil {
			return prev, err
		}
		if err := syncDir(s.Dir); err != nil {
			return prev, err
		}
	}
	line, err := json.Marshal(logLine{Time: t, Subject: who, Action: a.Action, ID: p.ID, Kind: a.Kind, File: p.file,
		SHA256: strings.Trim(a.ETag, `"`), Previous: prev})
	if err != nil {
		return prev, err
	}
	return prev, appendLine(filepath.Join(s.Dir, HistoryDir, ChangeLog), line)
}

// exists reports whether there is a file at path.
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// writeFile writes content to path atomically: to a temporary file of its
// folder, synced, then renamed over path, and the folder synced. The
// temporary file's name starts with a dot and does not end in .json, so
// that the loader never reads it.
func writeFile(path string, content []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(content)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// syncDir makes the entries of dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	return errors.Join(err, d.Close())
}

// appendLine appends line and a newline to the file at path, made if
// needed, with one write, and syncs it.
func appendLine(path string, line []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(slices.Concat(line, []byte("\n")))
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}
