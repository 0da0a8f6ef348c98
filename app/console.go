package app

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/app/console"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/policy/decisionlog"
)

// startConsole reads the admin tokens of the web console, when ui is
// enabled, and refuses a console without a login on a listener other
// than loopback.
func (a *App) startConsole(context.Context) error {
	u := a.cfg.UI
	if !u.Enabled {
		return nil
	}
	if u.TokenFile == "" {
		if !console.LoopbackHost(a.cfg.Listen) {
			return fmt.Errorf("ui.token_file: the console on %s, which is not loopback, needs a login: name a file of admin tokens", a.cfg.Listen)
		}
		return nil
	}
	tokens, err := readTokens(u.TokenFile)
	if err != nil {
		return fmt.Errorf("ui.token_file: %w", err)
	}
	a.consoleTokens = tokens
	return nil
}

// consoleOptions are the options of the web console.
func (a *App) consoleOptions() console.Options {
	var recent func(int) []decisionlog.Entry
	if a.decisions != nil && a.decisions.log != nil {
		recent = a.decisions.log.Recent
	}
	return console.Options{
		Decisions: recent,
		Host:      a.host, Gatherer: a.reg,
		History: a.consumer.History,
		Sim: console.SimOptions{
			Models: a.cfg.UI.Models, Agents: a.agent, AgentNames: a.agentNames,
			MaxModelBytes: a.cfg.Sim.MaxModelBytes, MaxTicks: a.cfg.Sim.MaxTicks, MaxRunTime: a.cfg.Sim.MaxRunTime,
		},
		Tokens: a.consoleTokens, TLS: a.tls != nil, Logger: a.logger,
	}
}

// agentNames returns the agent components of the plugins loaded.
func (a *App) agentNames() []string {
	var out []string
	for _, p := range a.host.Plugins() {
		for _, c := range p.Components {
			if c.Kind == abi.KindAgent && p.Status != host.StatusError {
				out = append(out, c.Name)
			}
		}
	}
	return out
}
