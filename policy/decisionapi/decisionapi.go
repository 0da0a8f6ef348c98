// Package decisionapi is the HTTP surface of the policy decision point on
// an echo server:
//
//	POST /v1/decide         decide a request: the decision, the obligations'
//	                        results, the missing attributes and the explanation
//	                        (left out with ?explain=none)
//	GET  /v1/policy/status  the status of the entity files last loaded
//	GET  /v1/policy/entities  the entities in use, as their files define them
//
// docs/decision-api.md describes the routes and their bodies.
package decisionapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/internal/guard"
	"github.com/gatehouse/gatehouse/internal/jsonio"
	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/pdp"
)

// The routes.
const (
	DecidePath   = "/v1/decide"
	StatusPath   = "/v1/policy/status"
	EntitiesPath = "/v1/policy/entities"
)

// DefaultMaxBytes is the largest decision request accepted unless Options
// say otherwise: 1 MiB.
const DefaultMaxBytes = 1 << 20

// DefaultMaxPathBytes is the longest path accepted unless Options say
// otherwise: 8 KiB, as long as the request line most web servers take.
// It bounds the work of object setters such as urlmap, which match
// expressions against the path.
const DefaultMaxPathBytes = 8 << 10

// Realm is the realm of the bearer-token challenge of the routes.
const Realm = "gatehouse-decisions"

// Options configure the routes. Without a Decider there are no entities:
// the routes answer 503.
type Options struct {
	// Ready reports whether the plugins that decisions use are loaded:
	// until it does, POST /v1/decide answers 503 with Retry-After, since
	// an obligation or an object setter would be missing. Nil: always.
	Ready func() bool
	// Decider decides the requests of POST /v1/decide.
	Decider policy.Decider
	// Status returns the status of the entities in use.
	Status func() pdp.Status
	// Snapshot returns the entities in use.
	Snapshot func() *policy.Snapshot
	// ObjectSetters returns the object setters that every decision runs,
	// as the server's configuration chose them, or an error naming one
	// that no plugin provides now. Nil: none. A client never chooses
	// them: their configuration is the plugins' input that a client
	// could otherwise craft to make them slow.
	ObjectSetters func() ([]policy.ObjectSetter, error)
	// Obligations holds the configuration of obligations, by name, that
	// every decision gives them, as the server's configuration holds it.
	Obligations map[string]map[string]any
	// Tokens are the bearer tokens of which every request to the routes
	// must present one; empty: no authentication.
	Tokens []string
	// MaxBytes bounds a request body; 0 means DefaultMaxBytes.
	MaxBytes int64
	// MaxPathBytes bounds the path of a request; 0 means
	// DefaultMaxPathBytes.
	MaxPathBytes int
}

// Register adds the routes to e. Errors go to e's error handler as
// *echo.HTTPError with a message that names the field at fault. With
// Tokens, a request without one of them is refused with 401; POST
// /v1/decide takes only application/json (415), and not from a browser's
// page of another origin (403).
func Register(e *echo.Echo, opts Options) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.MaxPathBytes <= 0 {
		opts.MaxPathBytes = DefaultMaxPathBytes
	}
	a := &api{opts: opts}
	auth := guard.Bearer(Realm, opts.Tokens)
	e.POST(DecidePath, guard.Apply(a.decide, guard.SameOrigin, auth, guard.JSON))
	e.GET(StatusPath, a.status, auth)
	e.GET(EntitiesPath, a.entities, auth)
}

type api struct {
	opts Options
}

// errNoEntities is the answer of every route when no entities are
// configured.
var errNoEntities = echo.NewHTTPError(http.StatusServiceUnavailable,
	"no policy entities are configured: set policy.entities in the configuration")

func (a *api) status(c echo.Context) error {
	if a.opts.Status == nil {
		return errNoEntities
	}
	return c.JSON(http.StatusOK, a.opts.Status())
}

// entitiesReply is the body of GET /v1/policy/entities.
type entitiesReply struct {
	Entities []policy.Entity `json:"entities"`
}

func (a *api) entities(c echo.Context) error {
	if a.opts.Snapshot == nil {
		return errNoEntities
	}
	return c.JSON(http.StatusOK, entitiesReply{Entities: a.opts.Snapshot().Entities()})
}

// RetryAfter is the Retry-After, in seconds, of the 503 of a decision
// asked before the plugins are loaded.
const RetryAfter = "1"

// NotReady is the message of the 503 of a decision asked before the
// plugins are loaded.
const NotReady = "not ready: the plugins are loading; retry shortly"

func (a *api) decide(c echo.Context) error {
	if a.opts.Decider == nil {
		return errNoEntities
	}
	if a.opts.Ready != nil && !a.opts.Ready() {
		c.Response().Header().Set(echo.HeaderRetryAfter, RetryAfter)
		return echo.NewHTTPError(http.StatusServiceUnavailable, NotReady)
	}
	explain, err := explains(c.Request())
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	body := http.MaxBytesReader(c.Response(), c.Request().Body, a.opts.MaxBytes)
	dr, err := readRequest(body, a.opts.MaxBytes)
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	if len(dr.Path) > a.opts.MaxPathBytes {
		return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("path: %d bytes, longer than the limit of %d", len(dr.Path), a.opts.MaxPathBytes))
	}
	var setters []policy.ObjectSetter
	if a.opts.ObjectSetters != nil {
		if setters, err = a.opts.ObjectSetters(); err != nil {
			return echo.NewHTTPError(http.StatusServiceUnavailable, "object setters of the configuration: "+err.Error())
		}
	}
	req := dr.PolicyRequest(setters, a.opts.Obligations)
	d, err := a.opts.Decider.Decide(c.Request().Context(), req)
	if errors.Is(err, policy.ErrUnknownPolicySet) {
		return echo.NewHTTPError(http.StatusNotFound, "policy_set: "+err.Error())
	}
	if err != nil {
		return err
	}
	if !explain {
		d.Explanation = nil
	}
	c.Response().Header()[echo.HeaderContentType] = jsonContentType
	buf := jsonio.GetBuffer()
	defer jsonio.PutBuffer(buf)
	// The answer is appended to the buffer's own bytes, which Write then
	// takes in place, or grows to hold them.
	buf.Write(appendDecision(buf.AvailableBuffer(), &d))
	_, err = c.Response().Write(buf.Bytes())
	return err
}

// jsonContentType is the Content-Type of the answers, one value slice
// that every answer's header shares: net/http only reads it.
var jsonContentType = []string{echo.MIMEApplicationJSON}

// explains reports whether the answer to the request r carries the
// explanation: the query parameter explain is full (the default) or none.
func explains(r *http.Request) (bool, error) {
	if r.URL.RawQuery == "" {
		return true, nil
	}
	switch v := queryValue(r.URL.RawQuery, "explain"); v {
	case "", "full":
		return true, nil
	case "none":
		return false, nil
	default:
		return false, fmt.Errorf("explain: %q is not full or none", v)
	}
}

// queryValue returns the first value of the parameter key in the query
// text q, as url.ParseQuery and Values.Get read it (a pair with a
// semicolon or a bad escape does not count), without the map of every
// parameter that ParseQuery builds.
func queryValue(q, key string) string {
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if k, err := unescape(k); err != nil || k != key {
			continue
		}
		if v, err := unescape(v); err == nil {
			return v
		}
	}
	return ""
}

// unescape is url.QueryUnescape, without its work where s has nothing
// to unescape.
func unescape(s string) (string, error) {
	if !strings.ContainsAny(s, "%+") {
		return s, nil
	}
	return url.QueryUnescape(s)
}
