package pap

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/internal/guard"
	"github.com/gatehouse/gatehouse/policy"
)

// The routes.
const (
	EntityPath = "/v1/policy/entities/:id"
	CheckPath  = "/v1/policy/check"
)

// Realm is the realm of the bearer-token challenge of the routes.
const Realm = "gatehouse-policy-admin"

// DefaultMaxBytes bounds a request body unless Options say otherwise:
// 1 MiB.
const DefaultMaxBytes = 1 << 20

// Request is what a change asks, for Options.Authorize to decide.
type Request struct {
	// Subject is the name of the bearer token's subject.
	Subject string
	// Action is "put", "delete" or "check".
	Action string
	// ID is the entity's id; Kind its kind, as the definition's Type
	// gives it ("" for a deletion or a Type that is not a string).
	ID, Kind string
	// HTTP is the request, for its client certificate and address.
	HTTP *http.Request
}

// Options configure the routes. Without a Store the policy
// administration is off: the routes answer 503.
type Options struct {
	Store *Store
	// Tokens are the bearer tokens that authenticate, each with the name
	// of its subject. Without one, every request is refused.
	Tokens map[string]string
	// Authorize returns nil when the change may be made, else why not
	// (403). Nil lets every authenticated change through.
	Authorize func(ctx context.Context, r Request) error
	// MaxBytes bounds a request body; 0 means DefaultMaxBytes.
	MaxBytes int64
}

// Register adds the routes to e:
//
//	PUT    /v1/policy/entities/ID  create or replace entity ID, with the
//	                               definition in the body
//	DELETE /v1/policy/entities/ID  delete entity ID
//	POST   /v1/policy/check        check changes without making them
//
// Each needs a bearer token of Tokens (401), not from a browser's page of
// another origin (403), then the authorization of each entity changed
// (403). Bodies are JSON (415) of at most MaxBytes (413).
func Register(e *echo.Echo, opts Options) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	a := &api{opts: opts}
	e.PUT(EntityPath, a.put, guard.SameOrigin, a.authenticate, guard.JSON)
	e.DELETE(EntityPath, a.delete, guard.SameOrigin, a.authenticate)
	e.POST(CheckPath, a.check, guard.SameOrigin, a.authenticate, guard.JSON)
}

type api struct {
	opts Options
}

// subjectKey holds the subject's name in the echo.Context.
const subjectKey = "pap.subject"

// errOff is the answer of every route when the administration is off.
var errOff = echo.NewHTTPError(http.StatusServiceUnavailable,
	"the policy administration is off: enable policy.admin in the configuration")

// authenticate lets through requests with a bearer token of Tokens, in
// constant time, and keeps its subject's name.
func (a *api) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if a.opts.Store == nil {
			return errOff
		}
		got := []byte(guard.BearerToken(c.Request().Header.Get(echo.HeaderAuthorization)))
		name := ""
		for token, n := range a.opts.Tokens {
			if subtle.ConstantTimeCompare(got, []byte(token)) == 1 {
				name = n
			}
		}
		if name == "" || len(got) == 0 {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="`+Realm+`"`)
			return echo.NewHTTPError(http.StatusUnauthorized,
				"unauthenticated: send Authorization: Bearer TOKEN with a token of policy.admin.token_file")
		}
		c.Set(subjectKey, name)
		return next(c)
	}
}

// authorize asks Authorize about the change of id.
func (a *api) authorize(c echo.Context, action, id, kind string) error {
	if a.opts.Authorize == nil {
		return nil
	}
	err := a.opts.Authorize(c.Request().Context(), Request{Subject: c.Get(subjectKey).(string), Action: action, ID: id, Kind: kind, HTTP: c.Request()})
	if err != nil {
		return echo.NewHTTPError(http.StatusForbidden, fmt.Sprintf("forbidden: %s of entity %q: %v", action, id, err))
	}
	return nil
}

// entityID returns the id of the route's path, unescaped.
func entityID(c echo.Context) (string, error) {
	id, err := url.PathUnescape(c.Param("id"))
	if err == nil {
		err = CheckID(id)
	}
	if err != nil {
		return "", echo.NewHTTPError(http.StatusBadRequest, "id: "+err.Error())
	}
	return id, nil
}

// body reads the request's body, a JSON value of at most MaxBytes.
func (a *api) body(c echo.Context) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, a.opts.MaxBytes))
	if mb := (*http.MaxBytesError)(nil); errors.As(err, &mb) {
		return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("body: larger than %d bytes", a.opts.MaxBytes))
	}
	if err != nil {
		return nil, err
	}
	if !json.Valid(b) {
		var v any
		return nil, echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("body: not one JSON value: %v", json.Unmarshal(b, &v)))
	}
	return b, nil
}

// KindOf returns the Type of a definition, if it is an object with a
// string Type.
func KindOf(def json.RawMessage) string {
	var d struct{ Type any }
	if json.Unmarshal(def, &d) != nil {
		return ""
	}
	s, _ := d.Type.(string)
	return s
}

func (a *api) put(c echo.Context) error {
	id, err := entityID(c)
	if err != nil {
		return err
	}
	def, err := a.body(c)
	if err != nil {
		return err
	}
	if err := a.authorize(c, "put", id, KindOf(def)); err != nil {
		return err
	}
	return a.apply(c, []Change{{ID: id, Definition: def, IfMatch: c.Request().Header.Get("If-Match")}}, false)
}

func (a *api) delete(c echo.Context) error {
	id, err := entityID(c)
	if err != nil {
		return err
	}
	if err := a.authorize(c, "delete", id, ""); err != nil {
		return err
	}
	return a.apply(c, []Change{{ID: id, IfMatch: c.Request().Header.Get("If-Match")}}, false)
}

// CheckRequest is the body of POST /v1/policy/check: entities to create
// or replace, by id, and ids to delete.
type CheckRequest struct {
	Entities map[string]json.RawMessage `json:"entities"`
	Delete   []string                   `json:"delete"`
}

func (a *api) check(c echo.Context) error {
	b, err := a.body(c)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	var req CheckRequest
	if err := dec.Decode(&req); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "body: "+err.Error()+`; send {"entities": {ID: DEFINITION, ...}, "delete": [ID, ...]}`)
	}
	var changes []Change
	for _, id := range slices.Sorted(maps.Keys(req.Entities)) {
		changes = append(changes, Change{ID: id, Definition: req.Entities[id]})
	}
	for _, id := range req.Delete {
		changes = append(changes, Change{ID: id})
	}
	if len(changes) == 0 {
		return echo.NewHTTPError(http.StatusBadRequest, "body: no change: give entities or delete")
	}
	for _, ch := range changes {
		if err := CheckID(ch.ID); err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "id: "+err.Error())
		}
		if ch.Definition != nil && string(ch.Definition) == "null" {
			return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("entities.%s: null; list an entity to delete under delete", ch.ID))
		}
		if err := a.authorize(c, "check", ch.ID, KindOf(ch.Definition)); err != nil {
			return err
		}
	}
	return a.apply(c, changes, true)
}

// InvalidBody is the body of a 422 answer: the error body of the server
// with the problems of the loader.
type InvalidBody struct {
	Code     string           `json:"code"`
	Message  string           `json:"message"`
	Problems []policy.Problem `json:"problems"`
}

// apply applies changes and answers with the result, or the error's
// status.
func (a *api) apply(c echo.Context, changes []Change, dryRun bool) error {
	res, err := a.opts.Store.Apply(changes, c.Get(subjectKey).(string), dryRun)
	var invalid *InvalidError
	switch {
	case errors.As(err, &invalid):
		return c.JSON(http.StatusUnprocessableEntity, InvalidBody{Code: "invalid_entities", Message: err.Error(), Problems: invalid.Problems})
	case errors.Is(err, ErrInvalidID), errors.Is(err, ErrInvalidDefinition):
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	case errors.Is(err, ErrConflict):
		return echo.NewHTTPError(http.StatusConflict, err.Error())
	case errors.Is(err, ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound, err.Error())
	case errors.Is(err, ErrPrecondition):
		return echo.NewHTTPError(http.StatusPreconditionFailed, err.Error())
	case err != nil:
		return err
	}
	status := http.StatusOK
	if !dryRun && len(res.Changes) == 1 {
		if ch := res.Changes[0]; ch.ETag != "" {
			c.Response().Header().Set("ETag", ch.ETag)
		}
		if res.Changes[0].Action == "created" {
			status = http.StatusCreated
		}
	}
	return c.JSON(status, res)
}
