// Package app is Gatehouse's application layer. It builds the running
// system from the configuration (package app/config) as an ordered list
// of components, each started in turn and closed in reverse order, also
// after a failed start; it owns the HTTP server (app/server) and the
// adapters between the plugin host and the domains: actuator plugins as
// OpenC2 actuators (app/actuators), plugins as attribute sources and
// obligations (app/attrs), agent plugins as simulation agents
// (app/agents), and the policy engine as OpenC2 authorization
// (app/authz). The domains (openc2, policy, sim) and the plugin host
// (host) know nothing of one another; this package joins them.
//
// New and Run are gatehouse serve; Open gives commands that run once a
// plugin host of the same configuration.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/gatehouse/gatehouse/app/actuators"
	"github.com/gatehouse/gatehouse/app/config"
	"github.com/gatehouse/gatehouse/app/server"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/telemetry"
	"github.com/gatehouse/gatehouse/internal/tlsconf"
	"github.com/gatehouse/gatehouse/openc2/consumer"
	"github.com/gatehouse/gatehouse/openc2/mqtt"
	"github.com/gatehouse/gatehouse/openc2/mqtt/broker"
	"github.com/gatehouse/gatehouse/policy/proxy"
)

// Options configure an App beyond its configuration file.
type Options struct {
	// ConfigFile is the configuration file, laid over the embedded
	// default (config.Load); empty means the default alone.
	ConfigFile string
	// Override changes the configuration after it is read, as flags of the
	// command line do; nil changes nothing.
	Override func(*config.File)
	// Log receives the logs, in the format of log.format.
	Log io.Writer
	// Version is the version of the program, which traces name.
	Version string
}

// shutdownTimeout bounds the closing of the components, at the end of a
// run or after a failed start.
const shutdownTimeout = 10 * time.Second

// App is gatehouse serve: the plugin host, the OpenC2 consumer, the policy
// decision point, the reverse proxy and the HTTP listeners of one
// configuration. Its fields are set by the components as they start.
type App struct {
	opts   Options
	cfg    *config.File
	logger *slog.Logger
	level  *slog.LevelVar
	reg    *prometheus.Registry

	tls       *tls.Config // nil for plain HTTP
	tel       *telemetry.Telemetry
	host      *host.Host
	store     *store.Store
	consumer  *consumer.Consumer
	ln        net.Listener
	diagLn    net.Listener   // nil without diagnostics.listen
	decisions *decisions     // nil without policy.entities
	keys      keyChecker     // warns of configured keys that nothing reads
	sessions  *store.Store   // nil without proxy.session_store
	proxy     *proxy.Proxy   // nil without proxy
	broker    *broker.Broker // nil without openc2.mqtt.broker.listen
	mqtt      *mqtt.Consumer // nil without openc2.mqtt.url
	srv, diag *http.Server
	// serveErr receives why a listener stopped serving.
	serveErr chan error
	// reloading is held by a reload of the configuration.
	reloading sync.Mutex
	// consoleTokens are the admin tokens of the web console's login.
	consoleTokens []string
}

// New reads the configuration of opts and returns the App it describes,
// not started.
func New(opts Options) (*App, error) {
	f, err := load(opts)
	if err != nil {
		return nil, err
	}
	logger, level := newLogger(f, opts.Log)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &App{opts: opts, cfg: f, logger: logger, level: level, reg: reg, serveErr: make(chan error, 2)}, nil
}

// load reads the configuration of opts.
func load(opts Options) (*config.File, error) {
	f, err := config.Load(opts.ConfigFile)
	if err != nil {
		return nil, err
	}
	if opts.Override != nil {
		opts.Override(f)
	}
	return f, nil
}

// components are the parts of the running system in the order they
// start; they close in the reverse order. A new part goes here, and its
// routes, if it has any, in routes.
func (a *App) components() []component {
	return []component{
		{name: "tls", start: a.loadTLS},
		// Telemetry closes last, sending the spans of the requests the
		// servers finished as they stopped.
		{name: "telemetry", start: a.startTelemetry, close: a.closeTelemetry},
		{name: "host", start: a.openHost, close: a.closeHost},
		{name: "openc2.store", start: a.openStore, close: a.closeStore},
		{name: "openc2", start: a.openConsumer, close: a.closeConsumer},
		{name: "listen", start: a.listen, close: a.closeListeners},
		{name: "policy", start: a.startDecisions, close: a.closeDecisions},
		{name: "proxy", start: a.startProxy, close: a.closeProxy},
		{name: "ui", start: a.startConsole},
		// The servers stop before the components they serve close, so that
		// every decision is logged before the log closes.
		{name: "serve", start: a.serve, close: a.shutdown},
		{name: "openc2.mqtt.broker", start: a.startBroker, close: a.closeBroker},
		{name: "plugins", start: a.startPlugins},
		{name: "openc2.scheduler", start: a.startScheduler},
		// The MQTT consumer connects once the plugins are loaded, for its
		// session may hold commands at once; it disconnects first.
		{name: "openc2.mqtt", start: a.startMQTT, close: a.closeMQTT},
	}
}

// Run starts the components and serves until ctx is done, the process
// gets SIGINT or SIGTERM, or a listener fails; then it closes them. On
// SIGHUP it reloads the configuration (Reload). An error of a start names
// its part, as the configuration's key where there is one.
func (a *App) Run(ctx context.Context) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	cleanup := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	}
	// A reload asked through the API while the components start waits
	// until they have: the later ones read the configuration as it was.
	a.reloading.Lock()
	running, err := start(ctx, a.components(), cleanup)
	a.reloading.Unlock()
	if err != nil {
		return err
	}
	var failed error
wait:
	for {
		select {
		case <-ctx.Done():
			break wait
		case err := <-a.serveErr:
			if !errors.Is(err, http.ErrServerClosed) {
				a.logger.Error("server stopped", "error", err)
				failed = fmt.Errorf("serve: %w", err)
			}
			break wait
		case <-hup:
			_, _ = a.Reload(ctx) // the log says how it went
		}
	}
	a.logger.Info("shutting down")
	shutdown, cancel := cleanup()
	defer cancel()
	if err := running.close(shutdown); err != nil {
		return errors.Join(failed, fmt.Errorf("shut down: %w", err))
	}
	return failed
}

// loadTLS reads the certificate and key of tls now, so that serve refuses
// to start without them.
func (a *App) loadTLS(context.Context) error {
	t := a.cfg.TLS
	if t.Cert == "" {
		return nil
	}
	c, err := tlsconf.Server(t.Cert, t.Key, t.ClientCA, [3]string{"tls.cert", "tls.key", "tls.client_ca"})
	a.tls = c
	return err
}

// startTelemetry registers the metrics of requests, decisions and
// simulation runs and, when telemetry.tracing says so, starts tracing.
func (a *App) startTelemetry(context.Context) error {
	t, err := telemetry.New(a.cfg.Telemetry, telemetry.Options{Registerer: a.reg, Logger: a.logger, Version: a.opts.Version})
	a.tel = t
	return err
}

// closeTelemetry sends the spans not sent yet.
func (a *App) closeTelemetry(ctx context.Context) error {
	if a.tel == nil {
		return nil
	}
	return a.tel.Close(ctx)
}

// openHost makes the plugin host, which loads nothing until
// startPlugins: it watches the plugin folder, prunes the compilation
// cache, and traces plugin calls when tracing is on.
func (a *App) openHost(context.Context) error {
	hc := a.cfg.Host()
	hc.Watch, hc.PruneCache, hc.Logger, hc.Tracer = true, true, a.logger, a.tel.Tracer()
	a.keys.logger = a.logger
	a.keys.cfg.Store(a.cfg)
	hc.Loaded = a.keys.loaded
	h, err := host.New(hc, a.reg)
	a.host = h
	return err
}

func (a *App) closeHost(ctx context.Context) error {
	if a.host == nil {
		return nil
	}
	return a.host.Close(ctx)
}

// startPlugins loads the plugins and starts watching their folder. The
// server already answers: /readyz says when the first scan is done.
func (a *App) startPlugins(ctx context.Context) error {
	if err := a.host.Start(ctx); err != nil {
		a.logger.Error("start plugins", "error", err)
	}
	return nil
}

func (a *App) openStore(context.Context) error {
	st, err := store.Open(a.cfg.OpenC2.Store)
	if err != nil {
		return fmt.Errorf("openc2.store: %w", err)
	}
	a.store = st
	return nil
}

func (a *App) closeStore(context.Context) error {
	if a.store == nil {
		return nil
	}
	return a.store.Close()
}

// openConsumer makes the OpenC2 consumer, whose actuators are the
// actuator components of the plugins.
func (a *App) openConsumer(context.Context) error {
	c := a.cfg.OpenC2
	cons, err := consumer.New(actuators.New(a.host), consumer.Config{
		ID:         c.ConsumerID,
		RateLimit:  c.RateLimit,
		Specifiers: c.Actuators,
		Store:      a.store.Namespace("schedule"),
		Logger:     a.logger,
		History:    c.History,
		Registerer: a.reg,
	})
	if err != nil {
		return fmt.Errorf("openc2: %w", err)
	}
	a.consumer = cons
	return nil
}

func (a *App) closeConsumer(context.Context) error {
	if a.consumer == nil {
		return nil
	}
	return a.consumer.Close()
}

// startScheduler carries out the scheduled commands, once the plugins
// are loaded.
func (a *App) startScheduler(context.Context) error {
	if err := a.consumer.Start(); err != nil {
		a.logger.Error("start the openc2 scheduler", "error", err)
	}
	return nil
}

// listen opens the listeners now, before the slower parts start, so that
// an address in use stops serve at once.
func (a *App) listen(context.Context) error {
	var err error
	if a.ln, err = listen(a.cfg.Listen, a.cfg.Server); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if d := a.cfg.Diagnostics.Listen; d != "" {
		if a.diagLn, err = listen(d, a.cfg.Server); err != nil {
			return fmt.Errorf("diagnostics.listen: %w", err)
		}
	}
	return nil
}

// closeListeners closes the listeners that no server took over.
func (a *App) closeListeners(context.Context) error {
	return errors.Join(closeListener(a.ln), closeListener(a.diagLn))
}

func (a *App) startDecisions(context.Context) error {
	d, err := startDecisions(a.cfg, a.host, a.tel, a.logger)
	a.decisions = d
	return err
}

func (a *App) closeDecisions(context.Context) error { return a.decisions.Close() }

// startProxy opens the proxy's session store and makes the reverse proxy,
// which discovers its OpenID Connect providers now, so that serve refuses
// to start without them.
func (a *App) startProxy(ctx context.Context) error {
	if !a.cfg.Proxy.Enabled() {
		return nil
	}
	if path := a.cfg.Proxy.SessionStore; path != "" {
		st, err := store.Open(path)
		if err != nil {
			return fmt.Errorf("proxy.session_store: %w", err)
		}
		a.sessions = st
	}
	p, err := a.decisions.newProxy(ctx, a.cfg.Proxy, a.sessions, a.logger)
	a.proxy = p
	return err
}

func (a *App) closeProxy(context.Context) error {
	if a.sessions == nil {
		return nil
	}
	return a.sessions.Close()
}

// serve serves the routes on the listeners, from now until shutdown.
func (a *App) serve(context.Context) error {
	a.srv = newHTTPServer(a.cfg.Server, a.routes(), a.tls, connectionGauge(a.reg, "gatehouse_http_connections",
		"Connections of the HTTP server open now; server.max_connections bounds them."), a.logger)
	ln := a.ln
	a.ln = nil // the server closes it
	go func() {
		if a.tls != nil {
			a.serveErr <- a.srv.ServeTLS(ln, "", "") // the certificate is in a.tls
		} else {
			a.serveErr <- a.srv.Serve(ln)
		}
	}()
	if a.diagLn != nil {
		a.diag = newHTTPServer(a.cfg.Server, server.Diagnostics(a.host, a.reg, a.logger), nil, connectionGauge(a.reg, "gatehouse_diagnostics_http_connections",
			"Connections of the diagnostics listener open now; server.max_connections bounds them."), a.logger)
		diagLn := a.diagLn
		a.diagLn = nil
		go func() { a.serveErr <- a.diag.Serve(diagLn) }()
		a.logger.Info("serving diagnostics", "url", fmt.Sprintf("http://%s", diagLn.Addr()))
	}
	scheme := "http"
	if a.tls != nil {
		scheme = "https"
	}
	a.logger.Info("serving", "url", fmt.Sprintf("%s://%s", scheme, ln.Addr()), "plugins", a.cfg.PluginsDir)
	return nil
}

// shutdown stops the servers, waiting for the requests being served.
func (a *App) shutdown(ctx context.Context) error {
	var errs []error
	for _, s := range []*http.Server{a.srv, a.diag} {
		if s != nil {
			errs = append(errs, s.Shutdown(ctx))
		}
	}
	return errors.Join(errs...)
}
