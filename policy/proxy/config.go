package proxy

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Config configures the proxy: the key proxy of gatehouse.yaml. The
// services take ARPOC's keys (proxy_URL, origin_URL, AC, objectsetters,
// obligations, authentication) as ARPOC's config.yml writes them.
type Config struct {
	// BaseURL is the proxy's URL as browsers reach it, such as
	// https://proxy.example.com; the redirect URI registered with the
	// providers is BaseURL followed by Paths.Callback. Required when a
	// provider is configured.
	BaseURL string `yaml:"base_url"`
	// SessionKeyFile holds the secret, at least 32 bytes, from which the
	// keys that encrypt and authenticate the cookies derive. Without it a
	// random secret is drawn at start, so sessions end with the process.
	SessionKeyFile string `yaml:"session_key_file"`
	// SessionStore is the file of the embedded store that keeps the
	// sessions ended by logout until they expire, so that a copy of a
	// session cookie taken before the logout does not open it, after a
	// restart too. The proxy itself reads Options.Sessions; gatehouse serve
	// opens this file for it when a provider is configured. Default (serve):
	// proxy.db beside store.
	SessionStore string `yaml:"session_store"`
	Cookie       Cookie `yaml:"cookie"`
	Paths        Paths  `yaml:"paths"`
	// Providers are the OpenID Connect providers, by name. A login uses the
	// one named by the login page's provider parameter, else the only one,
	// else the one named default.
	Providers map[string]Provider `yaml:"providers"`
	// Services are the proxied services, by name.
	Services map[string]Service `yaml:"services"`
}

// Cookie configures the session cookie.
type Cookie struct {
	// Name is the session cookie's name. Default gatehouse_session; the
	// login cookies, which live during a login only, are Name_login_*.
	Name string `yaml:"name"`
	// MaxAge is how long a session lasts after login. Default 8h.
	MaxAge time.Duration `yaml:"max_age"`
	// Secure sends the cookies over HTTPS only. Default true; turn it off
	// only behind plain HTTP on a trusted network.
	Secure *bool `yaml:"secure"`
	// Domain is the cookies' domain. Default: the host of the request.
	Domain string `yaml:"domain"`
}

// Paths are the paths of the proxy's own pages.
type Paths struct {
	Login    string `yaml:"login"`    // default /auth/login
	Callback string `yaml:"callback"` // default /auth/callback
	Logout   string `yaml:"logout"`   // default /auth/logout
	Userinfo string `yaml:"userinfo"` // default /auth/userinfo
}

// Provider is an OpenID Connect provider with the client registered for
// the proxy.
type Provider struct {
	// HumanReadableName is shown on the page that lets a user choose a
	// provider. Default: the provider's name.
	HumanReadableName string `yaml:"human_readable_name"`
	// ConfigurationURL is the issuer, whose
	// .well-known/openid-configuration the proxy reads at start.
	ConfigurationURL string `yaml:"configuration_url"`
	ClientID         string `yaml:"client_id"`
	// ClientSecret or ClientSecretFile, which holds it, authenticate the
	// client at the token endpoint; a public client has neither.
	ClientSecret     string `yaml:"client_secret"`
	ClientSecretFile string `yaml:"client_secret_file"`
	// Scopes are asked for at login. Default openid, email, profile.
	Scopes []string `yaml:"scopes"`
	// Audience is the audience a bearer token must name. Default ClientID.
	Audience string `yaml:"audience"`
}

// Service is a proxied service, as ARPOC's services configure one.
type Service struct {
	// ProxyURL is the path prefix the service is served under, such as
	// /serviceA.
	ProxyURL string `yaml:"proxy_URL"`
	// OriginURL is the URL the requests go to, the rest of their path
	// appended to its path.
	OriginURL string `yaml:"origin_URL"`
	// AC is the id of the policy set that decides each request.
	AC string `yaml:"AC"`
	// ObjectSetters configure object setters by component name, each
	// configuration given whole to the component: enable (default true)
	// and priority (lower runs first) are checked here, and the rest is
	// the setter's.
	ObjectSetters map[string]map[string]any `yaml:"objectsetters"`
	// Obligations holds the configuration of each obligation, by name.
	Obligations map[string]map[string]any `yaml:"obligations"`
	// Authentication is how the proxy authenticates to the origin.
	Authentication *Authentication `yaml:"authentication"`
	// OriginCA is a PEM file of the CAs that sign the origin's certificate.
	// Default: the system's.
	OriginCA string `yaml:"origin_ca"`
}

// Authentication is how the proxy authenticates to an origin: type
// Bearer sends Token in the Authorization header; type Certificate
// presents the client certificate of CertFile and KeyFile.
type Authentication struct {
	Type     string `yaml:"type"`
	Token    string `yaml:"token"`
	CertFile string `yaml:"certfile"`
	KeyFile  string `yaml:"keyfile"`
}

// Enabled reports whether the configuration has anything to serve.
func (c *Config) Enabled() bool { return len(c.Services) > 0 || len(c.Providers) > 0 }

// withDefaults returns c with the defaults filled in.
func (c Config) withDefaults() Config {
	if c.Cookie.Name == "" {
		c.Cookie.Name = "gatehouse_session"
	}
	if c.Cookie.MaxAge == 0 {
		c.Cookie.MaxAge = 8 * time.Hour
	}
	if c.Cookie.Secure == nil {
		secure := true
		c.Cookie.Secure = &secure
	}
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&c.Paths.Login, "/auth/login")
	def(&c.Paths.Callback, "/auth/callback")
	def(&c.Paths.Logout, "/auth/logout")
	def(&c.Paths.Userinfo, "/auth/userinfo")
	providers := make(map[string]Provider, len(c.Providers))
	for name, p := range c.Providers {
		def(&p.HumanReadableName, name)
		def(&p.Audience, p.ClientID)
		if len(p.Scopes) == 0 {
			p.Scopes = []string{"openid", "email", "profile"}
		}
		providers[name] = p
	}
	c.Providers = providers
	return c
}

// Validate checks c after filling in defaults. Each error names its key
// below proxy, such as services.serviceA.origin_URL.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf(key+": "+format, args...))
	}
	if len(c.Providers) > 0 {
		if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("base_url", "%q is not an http or https URL; the redirect URI of the providers starts with it", c.BaseURL)
		}
	}
	if c.Cookie.MaxAge < 0 {
		bad("cookie.max_age", "%v is negative", c.Cookie.MaxAge)
	}
	paths := map[string]string{"login": c.Paths.Login, "callback": c.Paths.Callback, "logout": c.Paths.Logout, "userinfo": c.Paths.Userinfo}
	for _, key := range slices.Sorted(maps.Keys(paths)) {
		if !strings.HasPrefix(paths[key], "/") {
			bad("paths."+key, "%q does not start with /", paths[key])
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.Providers)) {
		p, key := c.Providers[name], "providers."+name
		if u, err := url.Parse(p.ConfigurationURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad(key+".configuration_url", "%q is not an http or https URL", p.ConfigurationURL)
		}
		if p.ClientID == "" {
			bad(key+".client_id", "missing: the client registered for the proxy at the provider")
		}
		if p.ClientSecret != "" && p.ClientSecretFile != "" {
			bad(key, "client_secret and client_secret_file exclude each other")
		}
		if !slices.Contains(p.Scopes, "openid") {
			bad(key+".scopes", "%v lacks openid", p.Scopes)
		}
	}
	prefixes := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(c.Services)) {
		s, key := c.Services[name], "services."+name
		switch {
		case !strings.HasPrefix(s.ProxyURL, "/"):
			bad(key+".proxy_URL", "%q is not a path that starts with /", s.ProxyURL)
		case prefixes[cleanPrefix(s.ProxyURL)] != "":
			bad(key+".proxy_URL", "%q is the prefix of service %s too", s.ProxyURL, prefixes[cleanPrefix(s.ProxyURL)])
		case slices.Contains(slices.Collect(maps.Values(paths)), cleanPrefix(s.ProxyURL)):
			bad(key+".proxy_URL", "%q is a page of the proxy (paths)", s.ProxyURL)
		default:
			prefixes[cleanPrefix(s.ProxyURL)] = name
		}
		if u, err := url.Parse(s.OriginURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad(key+".origin_URL", "%q is not an http or https URL", s.OriginURL)
		}
		if s.AC == "" {
			bad(key+".AC", "missing: the id of the policy set that decides the service's requests")
		}
		for _, setter := range slices.Sorted(maps.Keys(s.ObjectSetters)) {
			if _, _, err := setterOptions(s.ObjectSetters[setter]); err != nil {
				bad(key+".objectsetters."+setter, "%v", err)
			}
		}
		if a := s.Authentication; a != nil {
			switch a.Type {
			case "Bearer":
				if a.Token == "" {
					bad(key+".authentication.token", "missing: type Bearer sends it to the origin")
				}
			case "Certificate":
				if a.CertFile == "" || a.KeyFile == "" {
					bad(key+".authentication", "type Certificate needs certfile and keyfile")
				}
			default:
				bad(key+".authentication.type", "%q is not Bearer or Certificate", a.Type)
			}
		}
	}
	return errors.Join(errs...)
}

// setterOptions splits the configuration of an object setter into enable,
// priority and the rest.
func setterOptions(m map[string]any) (enable bool, priority int, err error) {
	enable = true
	if v, ok := m["enable"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return false, 0, fmt.Errorf("enable: %v is not true or false", v)
		}
		enable = b
	}
	if v, ok := m["priority"]; ok {
		n, isInt := v.(int)
		if !isInt {
			return false, 0, fmt.Errorf("priority: %v is not an integer", v)
		}
		priority = n
	}
	return enable, priority, nil
}

// cleanPrefix returns a service's path prefix without its trailing slashes.
func cleanPrefix(p string) string {
	if t := strings.TrimRight(p, "/"); t != "" {
		return t
	}
	return "/"
}

// CheckObjectSetter checks the configuration of an object setter as a
// service's objectsetters hold it: enable a bool, priority an integer.
func CheckObjectSetter(config map[string]any) error {
	_, _, err := setterOptions(config)
	return err
}
