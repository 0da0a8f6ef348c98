package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/app/actuators"
	"github.com/gatehouse/gatehouse/app/agents"
	"github.com/gatehouse/gatehouse/app/config"
	"github.com/gatehouse/gatehouse/app/server"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/tlsconf"
	"github.com/gatehouse/gatehouse/openc2/consumer"
	"github.com/gatehouse/gatehouse/openc2/https"
	"github.com/gatehouse/gatehouse/policy/decisionapi"
	"github.com/gatehouse/gatehouse/policy/proxy"
	"github.com/gatehouse/gatehouse/sim/simhttp"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

func newServeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Load the plugins of a folder, watch it, and serve over HTTP",
		Long: `Serve loads every .wasm plugin in the plugin folder (running each one's
gatehouse_start, if it has one, before it serves), reloads plugins when their
files change, and serves the HTTP API: /healthz, /readyz, /metrics, /v1/plugins,
POST /v1/plugins/reload, and the OpenC2 consumer at POST /.well-known/openc2
(HTTPS transfer v1.1), whose actuators are the plugins' actuator components.
diagnostics.listen adds a plain HTTP listener that serves only /healthz,
/readyz and /metrics, for probes that hold no client certificate.

With policy.entities in the configuration it also loads and watches those
access-control entities and decides with them, the plugins supplying
environment attributes, object attributes and obligations:
  POST /v1/decide          decide a request: {"policy_set": ID, "subject": {...},
                           "object": {...}, "environment": {...}, "access": {...}}
                           → the decision, obligations, missing attributes and
                           an explanation
  GET  /v1/policy/status   the entity files last loaded and their problems
  GET  /v1/policy/entities the entities in use
policy.decision_api.token_file makes these routes ask for a bearer token,
and policy.decision_api.object_setters chooses the object setters of every
decision; policy.decision_log writes every decision as a JSON line, with chosen
attributes masked; openc2.authorization.policy_set has a policy set authorize
each OpenC2 command, the producer's client certificate as the subject.
docs/decision-api.md describes them. With proxy in the configuration it also
guards the services listed there: it logs users in with OpenID Connect,
decides each request with the entities, and forwards the granted ones
(docs/reverse-proxy.md).

It stops cleanly on SIGINT or SIGTERM; commands scheduled for later are kept
in the openc2.store file and carried out after a restart.`,
		Example: `  gatehouse serve
  gatehouse serve --plugins ./plugins --listen 127.0.0.1:9090
  gatehouse serve --config gatehouse.yaml
  curl -s http://127.0.0.1:8080/v1/decide -H 'Content-Type: application/json' -d '{"policy_set": "com.example.policysets.loggedIn", "subject": {"email": "ann@example.com"}}'`,
		Args: cobra.NoArgs,
		RunE: runServe,
	}
	cmd.Flags().String("plugins", "", "plugin folder (overrides plugins_dir of the configuration)")
	cmd.Flags().String("listen", "", "address to listen on (overrides listen of the configuration)")
	return cmd
}

func runServe(cmd *cobra.Command, _ []string) error {
	f, err := loadConfig(cmd)
	if err != nil {
		return err
	}
	if v, _ := cmd.Flags().GetString("plugins"); v != "" {
		f.PluginsDir = v
	}
	if v, _ := cmd.Flags().GetString("listen"); v != "" {
		f.Listen = v
	}
	logger := newLogger(f, cmd.ErrOrStderr())
	tlsConfig, err := serverTLS(f.TLS)
	if err != nil {
		return usage("%v", err)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	hc := f.Host()
	hc.Watch, hc.PruneCache, hc.Logger = true, true, logger
	h, err := host.New(hc, reg)
	if err != nil {
		return usage("%v", err)
	}

	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	st, err := store.Open(f.OpenC2.Store)
	if err != nil {
		_ = h.Close(ctx)
		return usage("openc2.store: %v", err)
	}
	defer st.Close()
	cons, err := consumer.New(actuators.New(h), consumer.Config{
		ID:         f.OpenC2.ConsumerID,
		RateLimit:  f.OpenC2.RateLimit,
		Specifiers: f.OpenC2.Actuators,
		Store:      st.Namespace("schedule"),
		Logger:     logger,
		History:    f.OpenC2.History,
		Registerer: reg,
	})
	if err != nil {
		_ = h.Close(ctx)
		return usage("openc2: %v", err)
	}
	ln, err := listen(f.Listen, f.Server)
	if err != nil {
		_ = errors.Join(cons.Close(), h.Close(ctx))
		return usage("listen: %v", err)
	}
	var diagLn net.Listener
	if f.Diagnostics.Listen != "" {
		if diagLn, err = listen(f.Diagnostics.Listen, f.Server); err != nil {
			_ = errors.Join(ln.Close(), cons.Close(), h.Close(ctx))
			return usage("diagnostics.listen: %v", err)
		}
	}
	acl, err := startDecisions(f, h, logger)
	if err != nil {
		_ = errors.Join(ln.Close(), closeListener(diagLn), cons.Close(), h.Close(ctx))
		return err
	}
	e := server.New(h, reg, logger)
	decisionapi.Register(e, acl.apiOptions())
	var pep *proxy.Proxy
	if f.Proxy.Enabled() {
		var sessions *store.Store
		if f.Proxy.SessionStore != "" {
			if sessions, err = store.Open(f.Proxy.SessionStore); err != nil {
				_ = errors.Join(ln.Close(), closeListener(diagLn), acl.Close(), cons.Close(), h.Close(ctx))
				return usage("proxy.session_store: %v", err)
			}
			defer sessions.Close()
		}
		if pep, err = acl.mountProxy(ctx, e, f.Proxy, sessions, logger); err != nil {
			_ = errors.Join(ln.Close(), closeListener(diagLn), acl.Close(), cons.Close(), h.Close(ctx))
			return usage("%v", err)
		}
	}
	https.Register(e, cons, https.Options{
		MaxBytes:   f.OpenC2.MaxRequestBytes,
		Authorizer: acl.openc2Authorizer(f.OpenC2.Authorization.PolicySet, pep, logger),
		Logger:     logger,
	})
	https.RegisterHistory(e, cons)
	simhttp.Register(e, simhttp.Options{
		Agents: func(ctx context.Context, name string) (func() simulate.Agent, func(), error) {
			s, err := h.Session(ctx, abi.KindAgent, name)
			if err != nil {
				return nil, nil, err
			}
			return agents.Agents(s), s.Close, nil
		},
		MaxModelBytes: f.Sim.MaxModelBytes, MaxTicks: f.Sim.MaxTicks, MaxRuns: f.Sim.MaxRuns,
		StallTimeout: f.Sim.StallTimeout, MaxRunTime: f.Sim.MaxRunTime, MaxOutputBytes: f.Sim.MaxOutputBytes,
		Logger: logger,
	})
	srv := newHTTPServer(f.Server, e, tlsConfig, connectionGauge(reg, "gatehouse_http_connections",
		"Connections of the HTTP server open now; server.max_connections bounds them."), logger)
	serveErr := make(chan error, 2)
	go func() {
		if tlsConfig != nil {
			serveErr <- srv.ServeTLS(ln, "", "") // the certificate is in tlsConfig
		} else {
			serveErr <- srv.Serve(ln)
		}
	}()
	diag := &http.Server{} // shut down unstarted when there is no diagnostics listener
	if diagLn != nil {
		diag = newHTTPServer(f.Server, server.Diagnostics(h, reg, logger), nil, connectionGauge(reg, "gatehouse_diagnostics_http_connections",
			"Connections of the diagnostics listener open now; server.max_connections bounds them."), logger)
		go func() { serveErr <- diag.Serve(diagLn) }()
		logger.Info("serving diagnostics", "url", fmt.Sprintf("http://%s", diagLn.Addr()))
	}
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	logger.Info("serving", "url", fmt.Sprintf("%s://%s", scheme, ln.Addr()), "plugins", f.PluginsDir)

	if err := h.Start(ctx); err != nil {
		logger.Error("start plugins", "error", err)
	}
	// Scheduled commands run once the plugins are loaded.
	if err := cons.Start(); err != nil {
		logger.Error("start the openc2 scheduler", "error", err)
	}
	var failed error
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			logger.Error("server stopped", "error", err)
			failed = fmt.Errorf("serve: %w", err)
		}
	}
	logger.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The server stops first, so that every decision is logged before the
	// log closes.
	if err := errors.Join(srv.Shutdown(shutdown), diag.Shutdown(shutdown), acl.Close(), cons.Close(), h.Close(shutdown)); err != nil {
		return errors.Join(failed, fmt.Errorf("shut down: %w", err))
	}
	return failed
}

// serverTLS returns the TLS configuration of t (package tlsconf), or nil
// for plain HTTP. It reads the certificate and key now, so that serve
// refuses to start without them.
func serverTLS(t config.TLS) (*tls.Config, error) {
	if t.Cert == "" {
		return nil, nil
	}
	return tlsconf.Server(t.Cert, t.Key, t.ClientCA, [3]string{"tls.cert", "tls.key", "tls.client_ca"})
}
