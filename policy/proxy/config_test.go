package proxy

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	good := func() Config {
		return Config{
			BaseURL:   "https://proxy.example.com",
			Providers: map[string]Provider{"default": {ConfigurationURL: "https://idp.example.com/realms/a", ClientID: "gatehouse"}},
			Services: map[string]Service{
				"serviceA": {ProxyURL: "/serviceA", OriginURL: "http://a.example.com", AC: "com.example.policysets.loggedIn",
					ObjectSetters: map[string]map[string]any{"jsonsetter": {"enable": true, "priority": 32, "url": "http://json.example.com/"}}},
			},
		}
	}
	if err := good().Validate(); err != nil {
		t.Fatalf("a good configuration: %v", err)
	}
	cases := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"no base URL", func(c *Config) { c.BaseURL = "" }, "base_url: "},
		{"relative prefix", func(c *Config) { s := c.Services["serviceA"]; s.ProxyURL = "serviceA"; c.Services["serviceA"] = s },
			"services.serviceA.proxy_URL: \"serviceA\" is not a path"},
		{"same prefix twice", func(c *Config) {
			c.Services["serviceB"] = Service{ProxyURL: "/serviceA/", OriginURL: "http://b", AC: "x"}
		},
			"services.serviceB.proxy_URL: \"/serviceA/\" is the prefix of service serviceA too"},
		{"prefix on a page", func(c *Config) { c.Services["b"] = Service{ProxyURL: "/auth/login", OriginURL: "http://b", AC: "x"} },
			"services.b.proxy_URL: \"/auth/login\" is a page of the proxy"},
		{"bad origin", func(c *Config) { s := c.Services["serviceA"]; s.OriginURL = "service-a"; c.Services["serviceA"] = s },
			"services.serviceA.origin_URL: \"service-a\" is not an http or https URL"},
		{"no AC", func(c *Config) { s := c.Services["serviceA"]; s.AC = ""; c.Services["serviceA"] = s }, "services.serviceA.AC: missing"},
		{"bad priority", func(c *Config) { c.Services["serviceA"].ObjectSetters["jsonsetter"]["priority"] = "high" },
			"services.serviceA.objectsetters.jsonsetter: priority: high is not an integer"},
		{"bad enable", func(c *Config) { c.Services["serviceA"].ObjectSetters["jsonsetter"]["enable"] = "yes" },
			"services.serviceA.objectsetters.jsonsetter: enable: yes is not true or false"},
		{"bearer without token", func(c *Config) {
			s := c.Services["serviceA"]
			s.Authentication = &Authentication{Type: "Bearer"}
			c.Services["serviceA"] = s
		}, "services.serviceA.authentication.token: missing"},
		{"certificate without key", func(c *Config) {
			s := c.Services["serviceA"]
			s.Authentication = &Authentication{Type: "Certificate", CertFile: "c.pem"}
			c.Services["serviceA"] = s
		}, "services.serviceA.authentication: type Certificate needs certfile and keyfile"},
		{"unknown authentication", func(c *Config) {
			s := c.Services["serviceA"]
			s.Authentication = &Authentication{Type: "Basic"}
			c.Services["serviceA"] = s
		}, "services.serviceA.authentication.type: \"Basic\" is not Bearer or Certificate"},
		{"no client id", func(c *Config) { c.Providers["default"] = Provider{ConfigurationURL: "https://idp"} }, "providers.default.client_id: missing"},
		{"no openid scope", func(c *Config) {
			c.Providers["default"] = Provider{ConfigurationURL: "https://idp", ClientID: "x", Scopes: []string{"email"}}
		}, "providers.default.scopes: [email] lacks openid"},
		{"two secrets", func(c *Config) {
			c.Providers["default"] = Provider{ConfigurationURL: "https://idp", ClientID: "x", ClientSecret: "s", ClientSecretFile: "f"}
		}, "providers.default: client_secret and client_secret_file exclude each other"},
		{"relative page", func(c *Config) { c.Paths.Userinfo = "userinfo" }, "paths.userinfo: \"userinfo\" does not start with /"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := good()
			c.change(&cfg)
			err := cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Validate: %v, want %q", err, c.want)
			}
		})
	}
}

func TestBelow(t *testing.T) {
	cases := []struct {
		path, prefix, rest string
		ok                 bool
	}{
		{"/serviceA", "/serviceA", "", true},
		{"/serviceA/x/y", "/serviceA", "/x/y", true},
		{"/serviceAB", "/serviceA", "", false},
		{"/x", "/", "/x", true},
	}
	for _, c := range cases {
		rest, ok := below(c.path, c.prefix)
		if rest != c.rest || ok != c.ok {
			t.Errorf("below(%q, %q) = %q, %v", c.path, c.prefix, rest, ok)
		}
	}
	for in, want := range map[string]string{"/a/../b": "/b", "/a//b/": "/a/b/", "": "/", "/../..": "/", "/a/./b": "/a/b"} {
		if got := cleanPath(in); got != want {
			t.Errorf("cleanPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/app/x?y=1":           "/app/x?y=1",
		"//evil.example.com/":  "/",
		"https://evil.example": "/",
		"/\\evil.example.com":  "/",
		"":                     "/",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}
