// Package decisionapi is the HTTP surface of the policy decision point on
// an echo server:
//
//	POST /v1/decide         decide a request: the decision, the obligations'
//	                        results, the missing attributes and the explanation
//	GET  /v1/policy/status  the status of the entity files last loaded
//	GET  /v1/policy/entities  the entities in use, as their files define them
//
// docs/decision-api.md describes the routes and their bodies.
package decisionapi

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

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

// Options configure the routes. Without a Decider there are no entities:
// the routes answer 503.
type Options struct {
	// Decider decides the requests of POST /v1/decide.
	Decider policy.Decider
	// Status returns the status of the entities in use.
	Status func() pdp.Status
	// Snapshot returns the entities in use.
	Snapshot func() *policy.Snapshot
	// ObjectSetters returns the object setters a request names in
	// object_setters, each with its configuration, or an error naming a
	// setter that does not exist. Without it a request that names
	// setters is refused.
	ObjectSetters func(config map[string]map[string]any) ([]policy.ObjectSetter, error)
	// MaxBytes bounds a request body; 0 means DefaultMaxBytes.
	MaxBytes int64
}

// Register adds the routes to e. Errors go to e's error handler as
// *echo.HTTPError with a message that names the field at fault.
func Register(e *echo.Echo, opts Options) {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	a := &api{opts: opts}
	e.POST(DecidePath, a.decide)
	e.GET(StatusPath, a.status)
	e.GET(EntitiesPath, a.entities)
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

func (a *api) decide(c echo.Context) error {
	if a.opts.Decider == nil {
		return errNoEntities
	}
	body := http.MaxBytesReader(c.Response(), c.Request().Body, a.opts.MaxBytes)
	dr, err := readRequest(body, a.opts.MaxBytes)
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	req := dr.policyRequest()
	if len(dr.ObjectSetters) > 0 {
		if a.opts.ObjectSetters == nil {
			return echo.NewHTTPError(http.StatusBadRequest, "object_setters: this server has no object setters")
		}
		if req.ObjectSetters, err = a.opts.ObjectSetters(configs(dr.ObjectSetters)); err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "object_setters: "+err.Error())
		}
	}
	d, err := a.opts.Decider.Decide(c.Request().Context(), req)
	if errors.Is(err, policy.ErrUnknownPolicySet) {
		return echo.NewHTTPError(http.StatusNotFound, "policy_set: "+err.Error())
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}
