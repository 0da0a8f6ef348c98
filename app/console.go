package app

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/app/authz"
	"github.com/gatehouse/gatehouse/app/console"
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
	o := console.Options{
		Decisions: recent,
		Host:      a.host, Gatherer: a.reg,
		History: a.consumer.History,
		Tokens:  a.consoleTokens, TLS: a.tls != nil, Logger: a.logger,
		Consumer: a.tel.OpenC2(a.consumer), Rules: a.consumer.Rules,
		MaxCommandBytes: a.cfg.OpenC2.MaxRequestBytes,
	}
	if az := a.decisions.openc2Authorizer(a.cfg.OpenC2.Authorization.PolicySet, a.proxy, a.logger); az != nil {
		o.Authorize = authz.Console{Authorizer: az.(*authz.Authorizer)}.Authorize
	}
	return o
}
