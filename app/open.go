package app

import (
	"context"
	"log/slog"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/app/agents"
	"github.com/gatehouse/gatehouse/app/attrs"
	"github.com/gatehouse/gatehouse/app/config"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/sim/agent"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

// Once configures a plugin host for a command that runs once, such as
// gatehouse plugin list or sim run: it loads plugins to look at them or
// call them, not to serve them.
type Once struct {
	// Dir is the plugin folder whose plugins Open loads; empty loads none.
	Dir string
	// Store is the file of the kv capability's store; empty gives none.
	// A running server may hold the configured one, so a command that
	// needs a store names its own.
	Store string
	// Start runs each plugin's gatehouse_start as it loads. A start acts
	// for a server (restoring an actuator's packet filter rules from the
	// store, for one), so it is off by default.
	Start bool
	// Logger receives the host's and the plugins' logs; nil uses
	// slog.Default().
	Logger *slog.Logger
}

// Open returns a plugin host with the grants and limits of f, and the
// plugins of o.Dir loaded: those that fail to load are in its Plugins
// with the reason. Close it when done.
func Open(ctx context.Context, f *config.File, o Once) (*host.Host, error) {
	hc := f.Host()
	hc.PluginDir, hc.StorePath, hc.SkipStart, hc.Logger = o.Dir, o.Store, !o.Start, o.Logger
	h, err := host.New(hc, nil)
	if err != nil {
		return nil, err
	}
	if o.Dir == "" {
		return h, nil
	}
	if err := h.LoadDir(ctx); err != nil {
		_ = h.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return h, nil
}

// PolicyPlugins returns the engine configuration in which h's plugins
// supply environment attributes and carry out obligations, named through
// f's policy.obligations, as gatehouse serve decides, and all the object
// setters of h in their priority order.
func PolicyPlugins(f *config.File, h *host.Host) (policy.Config, []policy.ObjectSetter) {
	return policyEngine(f, h), attrs.ObjectSetters(h, nil)
}

// policyEngine returns the engine configuration in which h's plugins
// supply environment attributes and carry out obligations, named through
// f's policy.obligations, deciding as f's policy.compat says (checked
// when f was read).
func policyEngine(f *config.File, h *host.Host) policy.Config {
	compat, _ := policy.ParseCompat(f.Policy.Compat)
	return policy.Config{
		Environment: attrs.Environment{Host: h},
		Obligations: attrs.Obligations{Host: h, Components: f.Policy.Obligations},
		Compat:      compat,
	}
}

// Agents opens a session of each agent component of h that assigned
// names (agent.Assign) and is not built in, and returns the Config.Agent
// of a run whose actors play their assigned agents, with the function
// that closes the sessions. An error names the agent, and its plugin if
// there is one.
func Agents(ctx context.Context, h *host.Host, assigned map[string]string) (func(actor string) (simulate.Agent, error), func(), error) {
	sessions := map[string]agents.Session{}
	var opened []*host.Session
	closeAll := func() {
		for _, s := range opened {
			s.Close()
		}
	}
	for _, name := range agent.Plugins(assigned) {
		s, err := h.Session(ctx, abi.KindAgent, name)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		opened = append(opened, s)
		sessions[name] = s
	}
	return agents.Team(assigned, sessions), closeAll, nil
}
