package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/app/attrs"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/proxy"
)

// newProxy returns the reverse proxy that cfg configures: it decides with
// the decision point of d, each decision going to the decision log as
// coming from "proxy", and sets object attributes with the host's object
// components. It discovers the OpenID Connect providers now, so that serve
// refuses to start without them. The configuration makes sure that d is
// not nil: a proxy needs policy.entities. Sessions, which keeps the
// sessions ended by logout, may be nil when no provider is configured.
func (d *decisions) newProxy(ctx context.Context, cfg proxy.Config, sessions *store.Store, logger *slog.Logger) (*proxy.Proxy, error) {
	opts := proxy.Options{
		Decider: d.Decider("proxy"),
		ObjectSetters: func(config map[string]map[string]any) ([]policy.ObjectSetter, error) {
			return attrs.ConfiguredObjectSetters(d.host, config, *d.providers.Load())
		},
		Logger: logger,
	}
	if sessions != nil {
		opts.Sessions = sessions.Namespace("sessions")
	}
	p, err := proxy.New(ctx, cfg, opts)
	if err != nil {
		return nil, fmt.Errorf("proxy.%w", err)
	}
	logger.Info("proxy", "services", len(cfg.Services), "providers", len(cfg.Providers))
	return p, nil
}

// mountProxy serves the routes of the reverse proxy p on e.
func mountProxy(e *echo.Echo, p *proxy.Proxy) {
	handler := echo.WrapHandler(p)
	for _, route := range p.Routes() {
		e.Any(route, handler)
		e.Any(strings.TrimSuffix(route, "/")+"/*", handler)
	}
}
