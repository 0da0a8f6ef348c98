package app

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/app/attrs"
	"github.com/gatehouse/gatehouse/app/authz"
	"github.com/gatehouse/gatehouse/app/console"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/decisionapi"
	"github.com/gatehouse/gatehouse/policy/decisionlog"
)

// startConsole reads the admin tokens of the web console, when ui is
// enabled, refuses a console without a login on a listener other than
// loopback, and makes the decision log keep ui.decision_history entries
// for the console.
func (a *App) startConsole(context.Context) error {
	u := a.cfg.UI
	if !u.Enabled {
		return nil
	}
	if d := a.decisions; d != nil && d.log != nil {
		d.log.Keep(u.DecisionHistory)
	}
	if d := a.decisions; u.PolicySet != "" && d != nil {
		warnUnloadedAt(d.point.Load(), u.PolicySet, "ui.policy_set", "every page of the console is refused until it is", a.logger)
	}
	if u.TokenFile == "" {
		if !u.OIDCLogin && !console.LoopbackHost(a.cfg.Listen) {
			return fmt.Errorf("ui.token_file: the console on %s, which is not loopback, needs a login: name a file of admin tokens, or set ui.oidc_login", a.cfg.Listen)
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
	d := a.decisions
	if d != nil && d.log != nil {
		recent = d.log.Recent
	}
	o := console.Options{
		Decisions: recent,
		Host:      a.host, Gatherer: a.reg,
		History: a.consumer.History,
		Sim: console.SimOptions{
			Models: a.cfg.UI.Models, Agents: a.agent, AgentNames: a.agentNames,
			MaxModelBytes: a.cfg.Sim.MaxModelBytes, MaxTicks: a.cfg.Sim.MaxTicks, MaxRunTime: a.cfg.Sim.MaxRunTime,
		},
		Tokens: a.consoleTokens, TLS: a.tls != nil, Logger: a.logger,
		Consumer: a.tel.OpenC2(a.consumer), Rules: a.consumer.Rules,
		MaxCommandBytes: a.cfg.OpenC2.MaxRequestBytes,
		Access:          d.consoleAccess(),
	}
	if d != nil && a.cfg.UI.PolicySet != "" {
		o.PolicySet, o.Decider = a.cfg.UI.PolicySet, d.Decider("console")
	}
	if a.cfg.UI.OIDCLogin && a.proxy != nil {
		o.OIDC = &console.OIDC{LoginURL: a.proxy.LoginURL, Session: a.proxy.Session}
		for _, p := range a.proxy.ProviderNames() {
			o.OIDC.Providers = append(o.OIDC.Providers, console.Provider{Name: p[0], Title: p[1]})
		}
	}
	if az := d.openc2Authorizer(a.cfg.OpenC2.Authorization.PolicySet, a.proxy, a.logger); az != nil {
		c := authz.Console{Authorizer: az.(*authz.Authorizer)}
		o.Authorize = func(ctx context.Context, u *console.User, msg *openc2.Message, remoteAddr string) error {
			return c.Authorize(ctx, msg, remoteAddr, u.Subject(), u.Login)
		}
	}
	return o
}

// consoleAccess returns what the console's access control pages show and
// do over d, nil without entities: the entities in use, decisions made as
// POST /v1/decide makes them (logged as coming from "console"), the
// entries the decision log keeps, and the policy administration, whose
// changes are authorized by policy.admin.policy_set with the console's
// user as the subject (authorizeConsoleChange).
func (d *decisions) consoleAccess() *console.Access {
	if d == nil {
		return nil
	}
	decider := d.Decider("console")
	a := &console.Access{
		Snapshot: func() *policy.Snapshot { return d.point.Load().Snapshot() },
		Decide: func(ctx context.Context, r *decisionapi.Request) (policy.Decision, error) {
			var setters []policy.ObjectSetter
			if len(d.api.ObjectSetters) > 0 {
				var err error
				if setters, err = attrs.ConfiguredObjectSetters(d.host, d.api.ObjectSetters, *d.providers.Load()); err != nil {
					return policy.Decision{}, fmt.Errorf("object setters of the configuration: %w", err)
				}
			}
			return decider.Decide(ctx, r.PolicyRequest(setters, d.api.Obligations))
		},
	}
	if d.log != nil {
		a.Decisions = d.log.Index()
	}
	if d.admin.Store != nil {
		a.Admin = &console.Admin{Store: d.admin.Store, Authorize: d.authorizeConsoleChange(d.adminSet)}
	}
	return a
}

// authorizeConsoleChange returns the authorization of the changes the
// console's editor makes, by the policy set set, as authorizeChange
// authorizes those of the routes, but with the console's user as the
// subject:
//
//	subject  the user's claims (an OIDC login); none for a token login
//	         or a console without a login
//	object   id, and kind when the definition gives it
//	access   action: "put" or "check"; remote_addr; via: "console";
//	         login: "token", "oidc" or "none"
func (d *decisions) authorizeConsoleChange(set string) func(context.Context, *console.User, *http.Request, string, string, string) error {
	decider := d.Decider("admin")
	return func(ctx context.Context, u *console.User, r *http.Request, action, id, kind string) error {
		return decideChange(ctx, decider, set, u.Subject(), id, kind,
			map[string]any{"action": action, "remote_addr": r.RemoteAddr, "via": "console", "login": u.Login})
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
