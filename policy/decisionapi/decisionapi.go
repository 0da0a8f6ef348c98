// Package decisionapi is the HTTP surface of the policy decision point on
// an echo server:
//
//	GET  /v1/policy/status  the status of the entity files last loaded
//
// docs/decision-api.md describes the routes.
package decisionapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/policy/pdp"
)

// StatusPath is the route of the entities' status.
const StatusPath = "/v1/policy/status"

// Options configure the routes. Without a Status there are no entities:
// the routes answer 503.
type Options struct {
	// Status returns the status of the entities in use.
	Status func() pdp.Status
}

// Register adds the routes to e.
func Register(e *echo.Echo, opts Options) {
	a := &api{opts: opts}
	e.GET(StatusPath, a.status)
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
