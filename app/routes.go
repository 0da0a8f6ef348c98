package app

import (
	"context"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/app/agents"
	"github.com/gatehouse/gatehouse/app/console"
	"github.com/gatehouse/gatehouse/app/server"
	"github.com/gatehouse/gatehouse/internal/guard"
	"github.com/gatehouse/gatehouse/openc2/https"
	"github.com/gatehouse/gatehouse/policy/decisionapi"
	"github.com/gatehouse/gatehouse/policy/pap"
	"github.com/gatehouse/gatehouse/sim/simhttp"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

// routes returns the handler of the main listener: every route the
// server has. A new route goes here.
func (a *App) routes() *echo.Echo {
	f := a.cfg
	e := server.New(a.host, a.reg, a.logger)
	e.Use(a.tel.Middleware())
	decisionapi.Register(e, a.decisions.apiOptions())
	pap.Register(e, a.decisions.adminOptions())
	if a.proxy != nil {
		mountProxy(e, a.proxy)
	}
	https.Register(e, a.tel.OpenC2(a.consumer), https.Options{
		MaxBytes:   f.OpenC2.MaxRequestBytes,
		Authorizer: a.decisions.openc2Authorizer(f.OpenC2.Authorization.PolicySet, a.proxy, a.logger),
		Logger:     a.logger,
	})
	https.RegisterHistory(e, a.consumer)
	simhttp.Register(e, simhttp.Options{
		Agents:        a.agent,
		MaxModelBytes: f.Sim.MaxModelBytes, MaxTicks: f.Sim.MaxTicks, MaxRuns: f.Sim.MaxRuns,
		StallTimeout: f.Sim.StallTimeout, MaxRunTime: f.Sim.MaxRunTime, MaxOutputBytes: f.Sim.MaxOutputBytes,
		Logger: a.logger, Observe: a.tel.SimRun,
	})
	e.POST("/v1/config/reload", a.reloadRoute, guard.SameOrigin)
	if a.cfg.UI.Enabled {
		console.Register(e, a.consoleOptions())
	}
	return e
}

// agent opens a session of the agent component name for one simulation
// run.
func (a *App) agent(ctx context.Context, name string) (func() simulate.Agent, func(), error) {
	s, err := a.host.Session(ctx, abi.KindAgent, name)
	if err != nil {
		return nil, nil, err
	}
	return agents.Agents(s), s.Close, nil
}
