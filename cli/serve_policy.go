package cli

import (
	"log/slog"

	"github.com/gatehouse/gatehouse/cli/internal/config"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/decisionapi"
	"github.com/gatehouse/gatehouse/policy/hostattrs"
	"github.com/gatehouse/gatehouse/policy/pdp"
)

// startDecisionPoint returns the policy decision point of serve over the
// configured policy.entities, deciding with the environment setters and
// obligations of h's plugins (obligations named through
// policy.obligations), or nil when no entities are configured. Every part
// of the server that decides access asks the point it returns.
func startDecisionPoint(f *config.File, h *host.Host, logger *slog.Logger) (*pdp.Point, error) {
	if len(f.Policy.Entities) == 0 {
		return nil, nil
	}
	p, err := pdp.Start(pdp.Config{
		Entities:    f.Policy.Entities,
		Environment: hostattrs.Environment{Host: h},
		Obligations: hostattrs.Obligations{Host: h, Components: f.Policy.Obligations},
		Logger:      logger,
	})
	if err != nil {
		return nil, usage("policy.entities: %v", err)
	}
	return p, nil
}

// decisionOptions returns the options of the decision API over point,
// which may be nil, with the object components of h as object setters.
func decisionOptions(point *pdp.Point, h *host.Host) decisionapi.Options {
	if point == nil {
		return decisionapi.Options{}
	}
	return decisionapi.Options{
		Decider: point,
		Status:  point.Status,
		ObjectSetters: func(config map[string]map[string]any) ([]policy.ObjectSetter, error) {
			return hostattrs.ConfiguredObjectSetters(h, config)
		},
	}
}
