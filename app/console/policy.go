package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/internal/guard"
	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/decisionapi"
	"github.com/gatehouse/gatehouse/policy/decisionlog"
	"github.com/gatehouse/gatehouse/policy/pap"
)

// Access is what the access control pages show and do.
type Access struct {
	// Snapshot returns the entities in use.
	Snapshot func() *policy.Snapshot
	// Decide decides a request of the "try a decision" form as POST
	// /v1/decide does, with the object setters and the configuration of
	// obligations of the server.
	Decide func(context.Context, *decisionapi.Request) (policy.Decision, error)
	// Ready reports whether the plugins that decisions use are loaded:
	// until it does, the form is answered with 503, as POST /v1/decide
	// is; nil is always ready.
	Ready func() bool
	// Decisions are the entries the decision log keeps in memory; nil
	// without a decision log.
	Decisions *decisionlog.Index
	// Admin changes entities; nil when the policy administration is off.
	Admin *Admin
}

// Admin is the policy administration as the console's editor uses it.
type Admin struct {
	Store *pap.Store
	// Authorize returns nil when the user may make the change (action
	// "check" or "put") of entity id of kind, else why not.
	Authorize func(ctx context.Context, u *User, r *http.Request, action, id, kind string) error
}

// policyPages are the templates of the access control pages.
var policyPages = []string{"policy", "policy_try", "policy_log", "policy_edit"}

// registerPolicy adds the access control pages to g, the routes of
// logged-in sessions.
func (c *console) registerPolicy(g *echo.Group) {
	for _, name := range policyPages {
		c.pages[name] = template.Must(template.New(name).Funcs(policyFuncs).ParseFS(files, "templates/layout.html", "templates/policy_nav.html", "templates/"+name+".html"))
	}
	g.GET("/policy", c.entities)
	g.GET("/policy/try", c.tryForm)
	g.POST("/policy/try", c.try, guard.SameOrigin, checkCSRF)
	g.GET("/policy/log", c.decisionLog)
	g.GET("/policy/edit", c.editor)
	g.POST("/policy/edit", c.edit, guard.SameOrigin, checkCSRF)
	g.POST("/policy/check", c.checkJSON, guard.SameOrigin, checkCSRF)
}

var policyFuncs = template.FuncMap{
	"lower": strings.ToLower,
}

// errNoEntities is the page of the access control without entities.
const errNoEntities = "No policy entities are configured: set policy.entities in the configuration."

// TreeNode is an entity in the tree of the entities page.
type TreeNode struct {
	policy.Entity
	// Anchor is the id of the entity's element on the page.
	Anchor string
	// Again is set for an entity shown before: it is not expanded twice.
	Again bool
	// Missing is set for a reference to an entity that is not loaded.
	Missing bool
	// Editable is set for an entity of the policy administration's folder.
	Editable bool
	Children []*TreeNode
}

// Tree is the entities page.
type Tree struct {
	On bool
	// Sets are the policy sets no policy set contains; Policies and Rules
	// those that nothing contains.
	Sets, Policies, Rules []*TreeNode
	Problems              []policy.Problem
	Admin                 bool
}

// anchor returns the id of the element of the entity of kind and id.
func anchor(kind policy.Kind, id string) string {
	return "e-" + strings.ToLower(kind.String()) + "-" + url.PathEscape(id)
}

// tree returns the entities of s as a tree: each entity is expanded where
// it is first met, and shown as met again elsewhere, so that the page
// grows with the references, never more.
func (c *console) tree(s *policy.Snapshot) Tree {
	t := Tree{On: true, Problems: s.Problems(), Admin: c.o.Access.Admin != nil}
	ents := s.Entities()
	contained := map[string]bool{}
	for _, e := range ents {
		for _, ref := range refs(e) {
			contained[ref.kind.String()+"/"+ref.id] = true
		}
	}
	seen := map[string]bool{}
	var node func(kind policy.Kind, id string) *TreeNode
	node = func(kind policy.Kind, id string) *TreeNode {
		e, ok := s.Entity(kind, id)
		if !ok {
			return &TreeNode{Entity: policy.Entity{ID: id, Kind: kind}, Missing: true}
		}
		n := &TreeNode{Entity: e, Anchor: anchor(kind, id), Editable: c.editable(e)}
		key := kind.String() + "/" + id
		if seen[key] {
			n.Again = true
			return n
		}
		seen[key] = true
		for _, ref := range refs(e) {
			n.Children = append(n.Children, node(ref.kind, ref.id))
		}
		return n
	}
	for _, e := range ents {
		if contained[e.Kind.String()+"/"+e.ID] {
			continue
		}
		n := node(e.Kind, e.ID)
		switch e.Kind {
		case policy.KindPolicySet:
			t.Sets = append(t.Sets, n)
		case policy.KindPolicy:
			t.Policies = append(t.Policies, n)
		default:
			t.Rules = append(t.Rules, n)
		}
	}
	// Entities only within cycles of containment are contained yet not
	// shown: a policy set in a cycle is refused, so this leaves policies
	// and rules, whose containers are all shown.
	return t
}

type ref struct {
	kind policy.Kind
	id   string
}

// refs returns the entities e contains, in the order of evaluation.
func refs(e policy.Entity) []ref {
	var out []ref
	for _, id := range e.PolicySets {
		out = append(out, ref{policy.KindPolicySet, id})
	}
	for _, id := range e.Policies {
		out = append(out, ref{policy.KindPolicy, id})
	}
	for _, id := range e.Rules {
		out = append(out, ref{policy.KindRule, id})
	}
	return out
}

// editable reports whether e is in a file of the policy administration:
// ID.json of its folder.
func (c *console) editable(e policy.Entity) bool {
	a := c.o.Access.Admin
	return a != nil && filepath.Clean(e.File) == filepath.Join(a.Store.Dir, e.ID+".json")
}

func (c *console) entities(ctx echo.Context) error {
	p := page{Title: "Access control", Nav: "policy"}
	if c.o.Access == nil {
		p.Data = Tree{}
		return c.show(ctx, "policy", p)
	}
	p.Data = c.tree(c.o.Access.Snapshot())
	return c.show(ctx, "policy", p)
}

// Try is the "try a decision" page: the form and, once posted, the
// decision.
type Try struct {
	On         bool
	PolicySets []string
	Form       TryForm
	// Decision is the answer, nil before the form is posted.
	Decision *policy.Decision
	// Explanation is the decision's explanation tree.
	Explanation *policy.Node
}

// TryForm is the form of a decision to try: the attributes of each
// category as a JSON object.
type TryForm struct {
	PolicySet, Subject, Object, Environment, Access, Path string
}

func (c *console) tryPage(f TryForm) (page, *Try) {
	t := &Try{On: c.o.Access != nil, Form: f}
	if t.On {
		t.PolicySets = c.o.Access.Snapshot().PolicySets()
	}
	return page{Title: "Try a decision", Nav: "policy", Data: t}, t
}

func (c *console) tryForm(ctx echo.Context) error {
	p, _ := c.tryPage(TryForm{PolicySet: ctx.QueryParam("policy_set"), Subject: "{}", Object: "{}", Environment: "{}", Access: "{}"})
	return c.show(ctx, "policy_try", p)
}

// maxFormBytes bounds the body of a form of the access control pages, as
// POST /v1/decide and the policy administration bound theirs.
const maxFormBytes = 1 << 20

// try decides the request of the form and shows the decision.
func (c *console) try(ctx echo.Context) error {
	r := ctx.Request()
	r.Body = http.MaxBytesReader(ctx.Response(), r.Body, maxFormBytes)
	f := TryForm{PolicySet: r.PostFormValue("policy_set"), Subject: r.PostFormValue("subject"), Object: r.PostFormValue("object"),
		Environment: r.PostFormValue("environment"), Access: r.PostFormValue("access"), Path: r.PostFormValue("path")}
	p, t := c.tryPage(f)
	if !t.On {
		p.Error = errNoEntities
		return c.showStatus(ctx, http.StatusServiceUnavailable, "policy_try", p)
	}
	if c.o.Access.Ready != nil && !c.o.Access.Ready() {
		ctx.Response().Header().Set(echo.HeaderRetryAfter, decisionapi.RetryAfter)
		p.Error = decisionapi.NotReady
		return c.showStatus(ctx, http.StatusServiceUnavailable, "policy_try", p)
	}
	req, err := f.request()
	if err == nil {
		var d policy.Decision
		d, err = c.o.Access.Decide(r.Context(), req)
		t.Decision, t.Explanation = &d, d.Explanation
	}
	if err != nil {
		t.Decision = nil
		p.Error = err.Error()
		status := http.StatusBadRequest
		var he *echo.HTTPError
		if errors.As(err, &he) {
			status, p.Error = he.Code, fmt.Sprint(he.Message)
		}
		return c.showStatus(ctx, status, "policy_try", p)
	}
	return c.show(ctx, "policy_try", p)
}

// request returns the decision request of the form, read as POST
// /v1/decide reads its body; an error names the field at fault.
func (f TryForm) request() (*decisionapi.Request, error) {
	if f.PolicySet == "" {
		return nil, errors.New("policy_set: choose the policy set to evaluate")
	}
	body := map[string]any{"policy_set": f.PolicySet, "path": f.Path}
	for _, field := range []struct{ name, text string }{{"subject", f.Subject}, {"object", f.Object}, {"environment", f.Environment}, {"access", f.Access}} {
		text := strings.TrimSpace(field.text)
		if text == "" {
			continue
		}
		if !json.Valid([]byte(text)) {
			_, err := decisionapi.ReadRequest([]byte(text), field.name)
			return nil, err
		}
		body[field.name] = json.RawMessage(text)
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	return decisionapi.ReadRequest(b, "form")
}

// DecisionLog is the decision log page: a page of the entries the log
// keeps, newest first, under the filters of its form.
type DecisionLog struct {
	On bool
	// Kept is how many entries the log keeps.
	Kept                       int
	Result, PolicySet, Subject string
	PolicySets                 []string
	Entries                    []decisionlog.Summary
	Older                      template.URL
	Results                    []string
}

// logPage is how many entries the decision log page shows.
const logPage = 50

func (c *console) decisionLog(ctx echo.Context) error {
	v := ctx.QueryParams()
	l := &DecisionLog{Result: v.Get("result"), PolicySet: v.Get("policy_set"), Subject: v.Get("subject"),
		Results: []string{"GRANT", "DENY", "NOT_APPLICABLE", decisionlog.ResultError}}
	p := page{Title: "Decision log", Nav: "policy", Data: l}
	a := c.o.Access
	if a == nil || a.Decisions == nil {
		return c.show(ctx, "policy_log", p)
	}
	l.On, l.Kept, l.PolicySets = true, a.Decisions.Size(), a.Snapshot().PolicySets()
	if l.Result != "" && !slices.Contains(l.Results, l.Result) {
		p.Error = fmt.Sprintf("result %q: want one of %s", l.Result, strings.Join(l.Results, ", "))
		return c.showStatus(ctx, http.StatusBadRequest, "policy_log", p)
	}
	var before uint64
	if s := v.Get("before"); s != "" {
		var err error
		if before, err = strconv.ParseUint(s, 10, 64); err != nil || before == 0 {
			p.Error = fmt.Sprintf("before %q: want the number of an entry", s)
			return c.showStatus(ctx, http.StatusBadRequest, "policy_log", p)
		}
	}
	entries, next := a.Decisions.Query(decisionlog.Query{Result: l.Result, PolicySet: l.PolicySet, Subject: l.Subject, Before: before, Limit: logPage})
	l.Entries = entries
	if next != 0 {
		older := url.Values{"before": {strconv.FormatUint(next, 10)}}
		for k, s := range map[string]string{"result": l.Result, "policy_set": l.PolicySet, "subject": l.Subject} {
			if s != "" {
				older.Set(k, s)
			}
		}
		l.Older = template.URL(Path + "policy/log?" + older.Encode()) // encoded by url.Values
	}
	return c.show(ctx, "policy_log", p)
}

// Editor is the editor page.
type Editor struct {
	On   bool
	Text string
	// Check is the outcome of the last check or change, nil before one.
	Check *CheckResult
}

// CheckResult is the outcome of a check, or of a change, of the editor's
// text: the loader's problems with their lines and columns in the text,
// or what the change does.
type CheckResult struct {
	OK bool `json:"ok"`
	// Applied is set once the change is made.
	Applied  bool          `json:"applied"`
	ID       string        `json:"id,omitempty"`
	Message  string        `json:"message,omitempty"`
	Problems []TextProblem `json:"problems"`
	Warnings []TextProblem `json:"warnings"`
	Changes  []pap.Applied `json:"changes,omitempty"`
}

// TextProblem is a problem of the loader, located in the editor's text
// when it is the text's.
type TextProblem struct {
	// Line and Col are in the text; 0 for a problem of another file.
	Line int `json:"line"`
	Col  int `json:"col"`
	// Text is the problem as the loader writes it.
	Text string `json:"text"`
}

// skeleton is the editor's text of a new entity.
const skeleton = `{
  "com.example.rules.new": {
    "Type": "Rule",
    "Effect": "GRANT",
    "Condition": "True"
  }
}
`

func (c *console) editor(ctx echo.Context) error {
	e := &Editor{On: c.o.Access != nil && c.o.Access.Admin != nil, Text: skeleton}
	p := page{Title: "Edit an entity", Nav: "policy", Data: e}
	if !e.On {
		return c.show(ctx, "policy_edit", p)
	}
	if id := ctx.QueryParam("id"); id != "" {
		if err := pap.CheckID(id); err != nil {
			p.Error = err.Error()
			return c.showStatus(ctx, http.StatusBadRequest, "policy_edit", p)
		}
		b, err := os.ReadFile(filepath.Join(c.o.Access.Admin.Store.Dir, id+".json"))
		var m map[string]json.RawMessage
		if err == nil && (json.Unmarshal(b, &m) != nil || len(m) != 1 || m[id] == nil) {
			err = errors.New("its file holds other entities")
		}
		if err != nil {
			p.Error = fmt.Sprintf("Entity %q has no file of the policy administration: %v.", id, err)
			return c.showStatus(ctx, http.StatusNotFound, "policy_edit", p)
		}
		e.Text = string(b)
	}
	return c.show(ctx, "policy_edit", p)
}

// edit checks the editor's text, or applies it, and shows the outcome.
func (c *console) edit(ctx echo.Context) error {
	r := ctx.Request()
	r.Body = http.MaxBytesReader(ctx.Response(), r.Body, maxFormBytes)
	e := &Editor{On: c.o.Access != nil && c.o.Access.Admin != nil, Text: r.PostFormValue("text")}
	p := page{Title: "Edit an entity", Nav: "policy", Data: e}
	if !e.On {
		p.Error = "The policy administration is off: enable policy.admin in the configuration."
		return c.showStatus(ctx, http.StatusServiceUnavailable, "policy_edit", p)
	}
	res, status := c.checkText(ctx, e.Text, r.PostFormValue("do") == "apply")
	e.Check = res
	return c.showStatus(ctx, status, "policy_edit", p)
}

// checkJSON checks the text of the body's form and answers the outcome in
// JSON, for the editor's script as the text is typed: 200 whatever the
// outcome, which ok tells, so that the browser logs no failed request.
func (c *console) checkJSON(ctx echo.Context) error {
	r := ctx.Request()
	r.Body = http.MaxBytesReader(ctx.Response(), r.Body, maxFormBytes)
	if c.o.Access == nil || c.o.Access.Admin == nil {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "the policy administration is off")
	}
	res, _ := c.checkText(ctx, r.PostFormValue("text"), false)
	ctx.Response().Header().Set("Cache-Control", "no-store")
	return ctx.JSON(http.StatusOK, res)
}

// checkText checks text, an entity file that holds one entity by its id,
// as the policy administration checks a change, and makes the change
// when apply is set. It returns the outcome and its status. The line
// breaks of a form's text, CR LF, are written as LF.
func (c *console) checkText(ctx echo.Context, text string, apply bool) (*CheckResult, int) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	a := c.o.Access.Admin
	res := &CheckResult{Problems: []TextProblem{}, Warnings: []TextProblem{}}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		// The loader says where, as it would of the file.
		file := filepath.Join(a.Store.Dir, "entity.json")
		for _, pr := range policy.LoadOverlay(map[string][]byte{file: []byte(text)}, a.Store.Dir).Problems() {
			if pr.File == file {
				res.Problems = append(res.Problems, textProblem(pr, file, text))
			}
		}
		if len(res.Problems) == 0 {
			res.Problems = append(res.Problems, TextProblem{Text: err.Error()})
		}
		res.Message = "The text is not an entity file."
		return res, http.StatusUnprocessableEntity
	}
	if len(m) != 1 {
		res.Message = fmt.Sprintf("The text holds %d entities: write one, as an entity file gives it, by its id.", len(m))
		return res, http.StatusUnprocessableEntity
	}
	for id := range m {
		res.ID = id
	}
	action := "check"
	if apply {
		action = "put"
	}
	u := userOf(ctx)
	if err := pap.CheckID(res.ID); err != nil {
		res.Message = err.Error()
		return res, http.StatusBadRequest
	}
	if err := a.Authorize(ctx.Request().Context(), u, ctx.Request(), action, res.ID, pap.KindOf(m[res.ID])); err != nil {
		res.Message = fmt.Sprintf("Forbidden: %s of entity %q: %v", action, res.ID, err)
		return res, http.StatusForbidden
	}
	out, err := a.Store.Apply([]pap.Change{{ID: res.ID, File: []byte(text)}}, u.ChangeName(), !apply)
	file := filepath.Join(a.Store.Dir, res.ID+".json")
	var invalid *pap.InvalidError
	switch {
	case errors.As(err, &invalid):
		for _, pr := range invalid.Problems {
			res.Problems = append(res.Problems, textProblem(pr, file, text))
		}
		res.Message = "The change would load with errors."
		return res, http.StatusUnprocessableEntity
	case errors.Is(err, pap.ErrConflict):
		res.Message = err.Error()
		return res, http.StatusConflict
	case err != nil:
		res.Message = err.Error()
		return res, http.StatusBadRequest
	}
	for _, pr := range out.Warnings {
		res.Warnings = append(res.Warnings, textProblem(pr, file, text))
	}
	res.OK, res.Applied, res.Changes = true, apply, out.Changes
	if apply {
		res.Message = fmt.Sprintf("Entity %q %s.", res.ID, out.Changes[0].Action)
	} else {
		res.Message = fmt.Sprintf("Entity %q would be %s.", res.ID, out.Changes[0].Action)
	}
	return res, http.StatusOK
}

// textProblem returns the problem pr of the loader, located in text when
// it is of file, the text's: at its line, and at the column of the JSON
// syntax error or, in a Target or Condition, of the expression's column.
func textProblem(pr policy.Problem, file, text string) TextProblem {
	if pr.File != file {
		return TextProblem{Text: pr.Error()}
	}
	tp := TextProblem{Line: pr.Line, Col: pr.Col}
	if pr.Column > 0 {
		tp.Col = exprColumn(text, pr.Line, pr.Field, pr.Column)
	}
	pr.File = ""
	tp.Text = pr.Error()
	return tp
}

// exprColumn returns the column in text of the character at column of the
// expression of the key field, on line, or 0 when that line does not
// give it plainly (an escape before the column).
func exprColumn(text string, line int, field string, column int) int {
	lines := strings.Split(text, "\n")
	if line < 1 || line > len(lines) {
		return 0
	}
	l := lines[line-1]
	k := strings.Index(l, `"`+field+`"`)
	if k < 0 {
		return 0
	}
	rest := l[k+len(field)+2:]
	q := strings.IndexByte(rest, '"')
	if q < 0 || strings.TrimSpace(strings.TrimSpace(rest[:q])) != ":" {
		return 0
	}
	start := k + len(field) + 2 + q + 1 // the expression's first byte
	value := []rune(l[start:])
	if column > len(value) || slices.Contains(value[:column-1], '\\') {
		return 0
	}
	return len([]rune(l[:start])) + column
}
