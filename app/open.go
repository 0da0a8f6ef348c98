package app

import (
	"context"
	"fmt"
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
	// Describe loads the plugins only to report them, which needs no
	// compiling of a content whose description is in the cache folder
	// (host.Config.DescribeOnly); they cannot be called.
	Describe bool
	// Logger receives the host's and the plugins' logs; nil uses
	// slog.Default().
	Logger *slog.Logger
}

// Open returns a plugin host with the grants and limits of f, and the
// plugins of o.Dir loaded: those that fail to load are in its Plugins
// with the reason. Close it when done.
func Open(ctx context.Context, f *config.File, o Once) (*host.Host, error) {
	hc := f.Host()
	hc.PluginDir, hc.StorePath, hc.SkipStart, hc.DescribeOnly, hc.Logger = o.Dir, o.Store, !o.Start, o.Describe, o.Logger
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

// DecisionPlugins is what the plugins of a host bring to the decisions
// of a command that runs once, as to those of serve's POST /v1/decide.
type DecisionPlugins struct {
	// Engine is the engine's configuration: the plugins supply
	// environment attributes and carry out obligations.
	Engine policy.Config
	// ObjectSetters are those of policy.decision_api.object_setters, with
	// their configuration; without that key, every object setter of the
	// host, in priority order, without configuration.
	ObjectSetters []policy.ObjectSetter
	// Obligations is the configuration of obligations of
	// policy.decision_api.obligations.
	Obligations map[string]map[string]any
}

// PolicyPlugins returns what h's plugins bring to decisions under f, as
// gatehouse serve decides at POST /v1/decide: obligations named through
// policy.obligations and policy.providers, and the object setters and
// obligations' configuration of policy.decision_api. It fails for an
// object setter that no plugin, or several, provide.
func PolicyPlugins(f *config.File, h *host.Host) (DecisionPlugins, error) {
	dp := DecisionPlugins{Engine: policyEngine(f, h), Obligations: f.Policy.DecisionAPI.Obligations}
	api := f.Policy.DecisionAPI
	if len(api.ObjectSetters) == 0 {
		dp.ObjectSetters = attrs.ObjectSetters(h, nil)
		return dp, nil
	}
	var err error
	dp.ObjectSetters, err = attrs.ConfiguredObjectSetters(h, api.ObjectSetters, f.Policy.Providers)
	if err != nil {
		return DecisionPlugins{}, fmt.Errorf("policy.decision_api.object_setters: %w", err)
	}
	return dp, nil
}

// policyEngine returns the engine configuration in which h's plugins
// supply environment attributes and carry out obligations, named through
// f's policy.obligations and policy.providers, deciding as f's policy.compat
// says (checked when f was read).
func policyEngine(f *config.File, h *host.Host) policy.Config {
	compat, _ := policy.ParseCompat(f.Policy.Compat)
	return policy.Config{
		Environment: attrs.Environment{Host: h},
		Obligations: attrs.Obligations{Host: h, Components: f.Policy.Obligations, Providers: f.Policy.Providers},
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
