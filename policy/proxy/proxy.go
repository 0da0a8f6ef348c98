// Package proxy is Gatehouse's policy enforcement point: a reverse proxy
// that, as ARPOC does, logs users in with OpenID Connect, decides each
// request to a service with a policy set, and forwards only the granted
// ones to the service's origin, naming the subject in identity headers.
//
// Browsers log in with the authorization-code flow (state, nonce, PKCE) and
// keep their subject's claims in a session cookie that is encrypted and
// authenticated; API clients send a JWT in an Authorization: Bearer header,
// verified against the provider's keys. docs/reverse-proxy.md describes the
// configuration, the flows and the responses.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/tlsconf"
	"github.com/gatehouse/gatehouse/policy"
)

// Options are what the proxy needs besides its configuration.
type Options struct {
	// Decider decides the requests: serve's decision point, or a
	// *policy.Engine. Required.
	Decider policy.Decider
	// ObjectSetters returns the object setters of a service's
	// objectsetters, which it receives whole (enable and priority
	// included), for each request to the service: plugins come and go
	// while the proxy serves. An error fails the request with 500 and
	// goes to the log. Required when a service configures object setters.
	ObjectSetters func(config map[string]map[string]any) ([]policy.ObjectSetter, error)
	// Logger receives a record of each decision and each failure. Default:
	// slog.Default().
	Logger *slog.Logger
	// HTTPClient talks to the providers. Default: a client that gives up
	// on a request after 30 seconds.
	HTTPClient *http.Client
	// Sessions keeps the sessions ended by logout until they expire.
	// Required when providers are configured.
	Sessions SessionStore
}

// Proxy is the policy enforcement point, an http.Handler for the services'
// prefixes and the proxy's own pages (Routes).
type Proxy struct {
	cfg       Config
	decider   policy.Decider
	setters   func(map[string]map[string]any) ([]policy.ObjectSetter, error)
	logger    *slog.Logger
	jar       cookieJar
	providers map[string]*provider
	services  []*service // longest prefix first
	bearers   bearerCache
	sessions  SessionStore
	buffers   bufferPool
}

// service is a configured service, ready to serve.
type service struct {
	name          string
	prefix        string
	origin        *url.URL
	policySet     string
	objectSetters map[string]map[string]any
	obligations   map[string]map[string]any
	proxy         *httputil.ReverseProxy
}

// New checks cfg, reads the session key, discovers the providers and
// prepares the services. The providers keep ctx's values, not its
// cancellation, to fetch their keys later.
func New(ctx context.Context, cfg Config, opts Options) (*Proxy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.Decider == nil {
		return nil, errors.New("proxy: no decider")
	}
	if len(cfg.Providers) > 0 && opts.Sessions == nil {
		return nil, errNoSessionStore
	}
	cfg = cfg.withDefaults()
	p := &Proxy{cfg: cfg, decider: opts.Decider, setters: opts.ObjectSetters, logger: opts.Logger,
		sessions: opts.Sessions, providers: map[string]*provider{}}
	if p.logger == nil {
		p.logger = slog.Default()
	}
	s, err := loadSealer(cfg.SessionKeyFile)
	if err != nil {
		return nil, err
	}
	if cfg.SessionKeyFile == "" && len(cfg.Providers) > 0 {
		p.logger.Warn("proxy: no session_key_file, so sessions end when the process does")
	}
	p.jar = cookieJar{sealer: s, cfg: cfg.Cookie}
	if p.sessions != nil {
		if err := p.sweepSessions(time.Now()); err != nil {
			return nil, fmt.Errorf("proxy: forget the expired sessions: %w", err)
		}
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	pctx := context.WithoutCancel(ctx)
	redirect := strings.TrimRight(cfg.BaseURL, "/") + cfg.Paths.Callback
	for _, name := range slices.Sorted(maps.Keys(cfg.Providers)) {
		pr, err := discover(pctx, client, name, cfg.Providers[name], redirect)
		if err != nil {
			return nil, err
		}
		p.providers[name] = pr
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.Services)) {
		svc, err := p.newService(name, cfg.Services[name])
		if err != nil {
			return nil, err
		}
		p.services = append(p.services, svc)
	}
	slices.SortStableFunc(p.services, func(a, b *service) int { return len(b.prefix) - len(a.prefix) })
	return p, nil
}

func (p *Proxy) newService(name string, s Service) (*service, error) {
	key := "services." + name
	origin, _ := url.Parse(s.OriginURL) // checked by Validate
	svc := &service{name: name, prefix: cleanPrefix(s.ProxyURL), origin: origin, policySet: s.AC,
		objectSetters: s.ObjectSetters, obligations: s.Obligations}
	if len(s.ObjectSetters) > 0 && p.setters == nil {
		return nil, fmt.Errorf("%s.objectsetters: no object setters are available here", key)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	var bearer string
	certFile, keyFile := "", ""
	if a := s.Authentication; a != nil {
		bearer, certFile, keyFile = a.Token, a.CertFile, a.KeyFile
	}
	if s.OriginCA != "" || certFile != "" {
		tc, err := tlsconf.Client(s.OriginCA, certFile, keyFile, false,
			[3]string{key + ".origin_ca", key + ".authentication.certfile", key + ".authentication.keyfile"})
		if err != nil {
			return nil, err
		}
		transport.TLSClientConfig = tc
	}
	svc.proxy = &httputil.ReverseProxy{
		Rewrite:        svc.rewrite(p.cfg.Cookie.Name, bearer),
		ModifyResponse: keepCookies(p.cfg.Cookie.Name),
		Transport:      transport,
		BufferPool:     &p.buffers,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			p.logger.Error("proxy: origin failed", "service", name, "origin", s.OriginURL, "error", err)
			p.problem(w, r, http.StatusBadGateway, "bad_gateway", fmt.Sprintf("The origin of service %s did not answer.", name))
		},
	}
	return svc, nil
}

// Routes returns the paths the proxy serves, each with every path below
// it: the services' prefixes and the proxy's pages.
func (p *Proxy) Routes() []string {
	routes := []string{p.cfg.Paths.Login, p.cfg.Paths.Callback, p.cfg.Paths.Logout, p.cfg.Paths.Userinfo}
	for _, s := range p.services {
		routes = append(routes, s.prefix)
	}
	return routes
}

// ServeHTTP serves the proxy's pages and the services.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	clean := cleanPath(r.URL.Path)
	switch clean {
	case p.cfg.Paths.Login:
		p.login(w, r)
		return
	case p.cfg.Paths.Callback:
		p.callback(w, r)
		return
	case p.cfg.Paths.Logout:
		p.logout(w, r)
		return
	case p.cfg.Paths.Userinfo:
		p.userinfo(w, r)
		return
	}
	for _, s := range p.services {
		if rest, ok := below(clean, s.prefix); ok {
			p.serveService(w, r, s, clean, rest)
			return
		}
	}
	p.problem(w, r, http.StatusNotFound, "not_found", "No service is served here.")
}

// cleanPath returns p without dot segments and double slashes, keeping a
// trailing slash, so that a path cannot climb out of its service.
func cleanPath(p string) string {
	c := path.Clean("/" + p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

// below reports whether p is prefix or below it, and returns the rest of
// p after prefix: "" or a path that starts with a slash.
func below(p, prefix string) (string, bool) {
	if prefix == "/" {
		return p, true
	}
	rest, ok := strings.CutPrefix(p, prefix)
	if !ok || (rest != "" && rest[0] != '/') {
		return "", false
	}
	return rest, true
}

// identity is the subject of a request, as the rewrite of a granted
// request reads it from the request's context.
type identity struct {
	claims map[string]any
	rest   string
}

type identityKey struct{}

// serveService decides a request to s for the cleaned path clean, rest
// below the service, and forwards it if granted.
func (p *Proxy) serveService(w http.ResponseWriter, r *http.Request, s *service, clean, rest string) {
	claims, err := p.subjectOf(r)
	if err != nil {
		p.logger.Info("proxy: bearer token refused", "service", s.name, "error", err)
		p.unauthorized(w, r, "invalid_token", "The bearer token is not valid.")
		return
	}
	var setters []policy.ObjectSetter
	if len(s.objectSetters) > 0 {
		if setters, err = p.setters(s.objectSetters); err != nil {
			p.logger.Error("proxy: object setters", "service", s.name, "error", err)
			p.problem(w, r, http.StatusInternalServerError, "internal", fmt.Sprintf("Service %s cannot decide requests now.", s.name))
			return
		}
	}
	d, err := p.decider.Decide(r.Context(), policy.Request{
		PolicySet:        s.policySet,
		Attributes:       attributes(s, r, clean, rest, claims),
		Path:             strings.TrimPrefix(rest, "/"),
		ObjectSetters:    setters,
		ObligationConfig: s.obligations,
	})
	if err != nil {
		p.logger.Error("proxy: decision failed", "service", s.name, "error", err)
		p.problem(w, r, http.StatusInternalServerError, "internal", fmt.Sprintf("Service %s cannot decide requests now.", s.name))
		return
	}
	p.logger.Debug("proxy: decision", "service", s.name, "method", r.Method, "path", clean,
		"subject", claims["sub"], "result", d.Result, "effect", d.Effect, "error", d.Error)
	if d.Granted() {
		ctx := context.WithValue(r.Context(), identityKey{}, identity{claims: claims, rest: rest})
		s.proxy.ServeHTTP(w, r.WithContext(ctx))
		return
	}
	if claims == nil && missesSubject(&d) && len(p.providers) > 0 {
		if isAPI(r) {
			p.unauthorized(w, r, "", fmt.Sprintf("Service %s needs you to authenticate.", s.name))
			return
		}
		p.redirectToLogin(w, r)
		return
	}
	p.forbidden(w, r, s.name, &d)
}

// subjectOf returns the claims of the request's bearer token, or else of
// its session, or nil for an anonymous request. An error means a bearer
// token that is not valid.
func (p *Proxy) subjectOf(r *http.Request) (map[string]any, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return nil, errors.New("the Authorization header is not Bearer and a token")
		}
		return p.VerifyBearer(r.Context(), strings.TrimSpace(token))
	}
	if s := p.session(r); s != nil {
		return s.Claims, nil
	}
	return nil, nil
}

// missesSubject reports whether d lacked subject attributes, which a
// login may supply.
func missesSubject(d *policy.Decision) bool {
	return slices.ContainsFunc(d.Missing, func(m string) bool { return strings.HasPrefix(m, "subject.") })
}

// isAPI reports whether r comes from an API client rather than a browser:
// it carries an Authorization header, or accepts JSON and not HTML.
func isAPI(r *http.Request) bool {
	if r.Header.Get("Authorization") != "" {
		return true
	}
	accept := strings.Join(r.Header.Values("Accept"), ",")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}
