package cli

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/cli/internal/config"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/hostattrs"
	"github.com/gatehouse/gatehouse/policy/proxy"
)

// mountProxy serves the reverse proxy that f.Proxy configures on e: the
// proxy decides with d and sets object attributes with the object
// components of h. It discovers the OpenID Connect providers now, so that
// serve refuses to start without them.
func mountProxy(ctx context.Context, e *echo.Echo, f *config.File, h *host.Host, d proxy.Decider, logger *slog.Logger) error {
	p, err := proxy.New(ctx, f.Proxy, proxy.Options{
		Decider: d,
		ObjectSetters: func(config map[string]map[string]any) ([]policy.ObjectSetter, error) {
			return objectSetters(h, config), nil
		},
		Logger: logger,
	})
	if err != nil {
		return fmt.Errorf("proxy.%w", err)
	}
	handler := echo.WrapHandler(p)
	for _, route := range p.Routes() {
		e.Any(route, handler)
		e.Any(strings.TrimSuffix(route, "/")+"/*", handler)
	}
	logger.Info("proxy", "services", len(f.Proxy.Services), "providers", len(f.Proxy.Providers))
	return nil
}

// policyEngine returns an engine over the entities of policy.entities, as
// gatehouse policy eval builds one: the plugins of h supply environment
// attributes and carry out obligations. Problems of the entity files go to
// the log; the entities that loaded decide.
func policyEngine(f *config.File, h *host.Host, logger *slog.Logger) *policy.Engine {
	s := policy.Load(f.Policy.Entities...)
	for _, p := range s.Problems() {
		logger.Warn("policy entities", "problem", p.Error(), "warning", p.Warning)
	}
	return policy.NewEngine(s, policy.Config{
		Environment: hostattrs.Environment{Host: h},
		Obligations: hostattrs.Obligations{Host: h, Components: f.Policy.Obligations},
	})
}

// objectSetters returns a setter for each object component config names
// and does not disable, with the configuration's priority (default 0);
// the component receives the configuration whole.
func objectSetters(h *host.Host, config map[string]map[string]any) []policy.ObjectSetter {
	var out []policy.ObjectSetter
	for _, ref := range slices.Sorted(maps.Keys(config)) {
		c := config[ref]
		if enable, ok := c["enable"].(bool); ok && !enable {
			continue
		}
		priority, _ := c["priority"].(int)
		out = append(out, hostattrs.ObjectSetter{Host: h, Component: ref, Order: priority, Config: c})
	}
	return out
}
