package config_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/app/config"
	"github.com/gatehouse/gatehouse/host"
)

func TestParseDefaults(t *testing.T) {
	hostname, _ := os.Hostname()
	cacheBase, err := os.UserCacheDir()
	if err != nil {
		cacheBase = os.TempDir()
	}
	want := config.File{
		Listen:     "127.0.0.1:8080",
		PluginsDir: "plugins",
		CacheDir:   filepath.Join(cacheBase, "gatehouse"),
		Store:      filepath.Join("data", "gatehouse.db"),
		Log:        config.Log{Level: "info", Format: "text"},
		OpenC2: config.OpenC2{ConsumerID: hostname, MaxRequestBytes: 65536, History: 1000, Store: filepath.Join("data", "openc2.db"),
			MQTT: config.OpenC2MQTT{DeviceID: hostname, ClientID: "gatehouse-" + hostname, SessionExpiry: time.Hour, MaxMessageBytes: 65536}},
		Server: config.Server{ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute,
			IdleTimeout: 2 * time.Minute, MaxConnections: 1024, MaxHeaderBytes: 65536},
	}
	for _, tt := range []struct {
		name string
		yaml string
	}{
		{"empty file", ""},
		{"comments only", "# nothing configured\n"},
		{"empty mapping", "{}\n"},
		{"empty values", "listen: ''\nlog: {}\nlimits: {}\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := config.Parse([]byte(tt.yaml), "zero.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*f, want) {
				t.Errorf("got  %+v\nwant %+v", *f, want)
			}
			hc := f.Host()
			if hc.Limits != (host.Limits{}) || hc.Plugins != nil || hc.Watch || hc.Logger != nil {
				t.Errorf("Host() of the zero config = %+v, want default limits, no grants", hc)
			}
		})
	}
}

func TestParseFullRoundTrip(t *testing.T) {
	const yaml = `
listen: 0.0.0.0:9443
tls:
  cert: /etc/gatehouse/tls.crt
  key: /etc/gatehouse/tls.key
  client_ca: /etc/gatehouse/ca.crt
plugins_dir: /srv/plugins
cache_dir: /var/cache/gatehouse
store: /var/lib/gatehouse/store.db
log:
  level: debug
  format: json
limits:
  memory_pages: 256
  timeout: 2s
  pool_size: 8
  max_reply_bytes: 65536
  quarantine_after: 3
plugins:
  firewall:
    grants:
      log: true
      exec:
        programs: [nft, /usr/sbin/iptables]
        timeout: 30s
        dry_run: true
        max_output: 4096
    limits:
      timeout: 1m30s
  threatintel:
    grants:
      clock: true
      kv: true
      http:
        hosts: [api.example.com, "*.feeds.example.org:8443", "10.0.0.1"]
        max_bytes: 1048576
        timeout: 250ms
openc2:
  consumer_id: fw1.example.net
  rate_limit: 600
  max_request_bytes: 8192
  store: /var/lib/gatehouse/openc2.db
  actuators:
    slpf-nft/filter:
      hostname: fw1
      named_group: edge
      asset_tuple: [rack-4, port-2]
  authorization:
    policy_set: openc2.producers
  mqtt:
    url: mqtts://broker.example.net
    device_id: fw1
    profiles: [slpf]
    username: fw1
    password_file: /etc/gatehouse/mqtt.pass
    ca: /etc/gatehouse/mqtt-ca.pem
policy:
  entities: [/etc/gatehouse/acl, extra.json]
  obligations:
    obl_log: logger/log
  decision_log:
    path: /var/log/gatehouse/decisions.log
    mask: [subject.email, access.headers.authorization]
`
	in := []byte(yaml)
	f, err := config.Parse(in, "full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(in, []byte(yaml)) {
		t.Error("Parse modified its input")
	}

	wantTLS := config.TLS{Cert: "/etc/gatehouse/tls.crt", Key: "/etc/gatehouse/tls.key", ClientCA: "/etc/gatehouse/ca.crt"}
	if f.Listen != "0.0.0.0:9443" || f.TLS != wantTLS || f.Log != (config.Log{Level: "debug", Format: "json"}) {
		t.Errorf("listen, tls, log = %q, %+v, %+v", f.Listen, f.TLS, f.Log)
	}

	wantOpenC2 := config.OpenC2{ConsumerID: "fw1.example.net", RateLimit: 600, MaxRequestBytes: 8192, History: 1000, Store: "/var/lib/gatehouse/openc2.db",
		Actuators:     map[string]map[string]any{"slpf-nft/filter": {"hostname": "fw1", "named_group": "edge", "asset_tuple": []any{"rack-4", "port-2"}}},
		Authorization: config.OpenC2Authorization{PolicySet: "openc2.producers"},
		MQTT: config.OpenC2MQTT{URL: "mqtts://broker.example.net", ClientID: "gatehouse-fw1", DeviceID: "fw1", Profiles: []string{"slpf"},
			Username: "fw1", PasswordFile: "/etc/gatehouse/mqtt.pass", CA: "/etc/gatehouse/mqtt-ca.pem", SessionExpiry: time.Hour, MaxMessageBytes: 8192}}
	if !reflect.DeepEqual(f.OpenC2, wantOpenC2) {
		t.Errorf("openc2 = %+v, want %+v", f.OpenC2, wantOpenC2)
	}

	wantPolicy := config.Policy{Entities: []string{"/etc/gatehouse/acl", "extra.json"}, Obligations: map[string]string{"obl_log": "logger/log"},
		DecisionLog: config.DecisionLog{Path: "/var/log/gatehouse/decisions.log", Mask: []string{"subject.email", "access.headers.authorization"}}}
	if !reflect.DeepEqual(f.Policy, wantPolicy) {
		t.Errorf("policy = %+v, want %+v", f.Policy, wantPolicy)
	}

	// host.Grants' HTTP and Exec grants are of types internal to host, so
	// they are compared field by field.
	got := f.Host()
	fw, ti := got.Plugins["firewall"], got.Plugins["threatintel"]
	fw.Grants.Exec, ti.Grants.HTTP = nil, nil
	want := host.Config{
		PluginDir: "/srv/plugins",
		CacheDir:  "/var/cache/gatehouse",
		StorePath: "/var/lib/gatehouse/store.db",
		Limits: host.Limits{
			MemoryPages:     256,
			Timeout:         2 * time.Second,
			PoolSize:        8,
			MaxReplyBytes:   65536,
			QuarantineAfter: 3,
		},
		Plugins: map[string]host.PluginConfig{
			"firewall": {
				Grants: host.Grants{Log: true},
				Limits: host.Limits{Timeout: 90 * time.Second},
			},
			"threatintel": {Grants: host.Grants{Clock: true, KV: host.KVGrant{Granted: true}}},
		},
	}
	wantPlugins := want.Plugins
	got.Plugins, want.Plugins = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Host() =\n%+v\nwant\n%+v", got, want)
	}
	if !reflect.DeepEqual(fw, wantPlugins["firewall"]) || !reflect.DeepEqual(ti, wantPlugins["threatintel"]) || len(f.Plugins) != 2 {
		t.Errorf("plugins = %+v, %+v, want %+v", fw, ti, wantPlugins)
	}

	exec := f.Host().Plugins["firewall"].Grants.Exec
	http := f.Host().Plugins["threatintel"].Grants.HTTP
	if exec == nil || http == nil {
		t.Fatalf("exec grant %+v, http grant %+v: want both", exec, http)
	}
	for _, c := range []struct {
		key       string
		got, want any
	}{
		{"exec.programs", exec.Programs, []string{"nft", "/usr/sbin/iptables"}},
		{"exec.timeout", exec.Timeout, 30 * time.Second},
		{"exec.dry_run", exec.DryRun, true},
		{"exec.max_output", exec.MaxOutput, int64(4096)},
		{"http.hosts", http.Hosts, []string{"api.example.com", "*.feeds.example.org:8443", "10.0.0.1"}},
		{"http.max_bytes", http.MaxBytes, int64(1 << 20)},
		{"http.timeout", http.Timeout, 250 * time.Millisecond},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.key, c.got, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		yaml string
		want []string // substrings of the error
	}{
		{
			name: "unknown key",
			yaml: "listen: 127.0.0.1:1\nlisten_addr: 127.0.0.1:2\n",
			want: []string{"config bad.yaml", "line 2", `unknown key "listen_addr"`},
		},
		{
			name: "unknown nested key",
			yaml: "limits:\n  timeout: 2s\n  timout: 3s\n",
			want: []string{"line 3", `unknown key "timout"`},
		},
		{
			name: "unknown grant",
			yaml: "plugins:\n  p:\n    grants:\n      log: true\n      files: true\n",
			want: []string{"line 5", `unknown key "files"`},
		},
		{
			name: "several unknown keys",
			yaml: "a: 1\nlog:\n  colour: true\n",
			want: []string{`line 1: unknown key "a"; line 3: unknown key "colour"`},
		},
		{
			name: "unknown openc2 key",
			yaml: "openc2:\n  consumer: fw1\n",
			want: []string{"line 2", `unknown key "consumer"`},
		},
		{
			name: "negative rate limit",
			yaml: "openc2:\n  rate_limit: -1\n",
			want: []string{"openc2.rate_limit -1 is negative"},
		},
		{
			name: "sample ratio over 1",
			yaml: "telemetry:\n  tracing: {sample_ratio: 1.5}\n",
			want: []string{"telemetry.tracing.sample_ratio 1.5 is not between 0 and 1"},
		},
		{
			name: "tracing endpoint not a URL",
			yaml: "telemetry:\n  tracing: {endpoint: collector:4318}\n",
			want: []string{`telemetry.tracing.endpoint "collector:4318" is not an http or https URL`},
		},
		{
			name: "negative request size",
			yaml: "openc2:\n  max_request_bytes: -5\n",
			want: []string{"openc2.max_request_bytes -5 is negative"},
		},
		{
			name: "actuator not PLUGIN/NAME",
			yaml: "openc2:\n  actuators:\n    filter:\n      hostname: fw1\n",
			want: []string{`openc2.actuators: "filter" is not PLUGIN/NAME, the actuator's reference`},
		},
		{
			name: "actuator named by kind",
			yaml: "openc2:\n  actuators:\n    actuator/filter:\n      hostname: fw1\n",
			want: []string{`openc2.actuators: component reference "actuator/filter": actuator is a kind, written before a colon: actuator:filter`},
		},
		{
			name: "obligation of another kind",
			yaml: "policy:\n  obligations:\n    obl_log: environment:basics/log\n",
			want: []string{`policy.obligations.obl_log: component reference "environment:basics/log": names a component of kind environment, where kind obligation is wanted`},
		},
		{
			name: "object setter of an unknown kind",
			yaml: "policy:\n  entities: [acl]\n  decision_api:\n    object_setters:\n      setter:urlmap: {}\n",
			want: []string{`policy.decision_api.object_setters: component reference "setter:urlmap": unknown kind "setter"; the kinds are actuator, obligation, environment, object, agent`},
		},
		{
			name: "unknown compat",
			yaml: "policy:\n  compat: arpoc\n",
			want: []string{`policy.compat: "arpoc" is not arpoc-code (or empty, to decide as documented)`},
		},
		{
			name: "obligation without a component",
			yaml: "policy:\n  obligations:\n    obl_log: ''\n",
			want: []string{"policy.obligations.obl_log: name the component that carries it out"},
		},
		{
			name: "decision log mask without a path",
			yaml: "policy:\n  entities: [acl]\n  decision_log:\n    mask: [subject.email]\n",
			want: []string{"policy.decision_log.mask needs policy.decision_log.path"},
		},
		{
			name: "decision log without entities",
			yaml: "policy:\n  decision_log:\n    path: decisions.log\n",
			want: []string{"policy.decision_log needs policy.entities"},
		},
		{
			name: "decision log mask of no category",
			yaml: "policy:\n  entities: [acl]\n  decision_log:\n    path: '-'\n    mask: [subject.email, email]\n",
			want: []string{`policy.decision_log.mask[1] "email": start with subject, object, environment or access`},
		},
		{
			name: "decision log mask with an empty part",
			yaml: "policy:\n  entities: [acl]\n  decision_log:\n    path: '-'\n    mask: [access.headers..x]\n",
			want: []string{`policy.decision_log.mask[0] "access.headers..x": an empty part`},
		},
		{
			name: "decision log mask not a list",
			yaml: "policy:\n  entities: [acl]\n  decision_log:\n    path: '-'\n    mask: subject.email\n",
			want: []string{"line 5", "cannot unmarshal"},
		},
		{
			name: "unknown decision log key",
			yaml: "policy:\n  decision_log:\n    file: d.log\n",
			want: []string{"line 3", `unknown key "file"`},
		},
		{
			name: "ui models folder missing",
			yaml: "ui:\n  models: no-such-folder\n",
			want: []string{"ui.models: stat no-such-folder: no such file or directory"},
		},
		{
			name: "ui models not a folder",
			yaml: "ui:\n  models: config.go\n",
			want: []string{"ui.models: config.go is not a folder"},
		},
		{
			name: "negative server timeout",
			yaml: "server:\n  idle_timeout: -1s\n",
			want: []string{"server.idle_timeout -1s is negative"},
		},
		{
			name: "negative connection limit",
			yaml: "server:\n  max_connections: -1\n",
			want: []string{"server.max_connections -1 is negative"},
		},
		{
			name: "decision api without entities",
			yaml: "policy:\n  decision_api:\n    token_file: api.token\n",
			want: []string{"policy.decision_api needs policy.entities"},
		},
		{
			name: "decision api object setter priority not an integer",
			yaml: "policy:\n  entities: [acl]\n  decision_api:\n    object_setters:\n      urlmap: {priority: high}\n",
			want: []string{"policy.decision_api.object_setters.urlmap.priority: high is not an integer"},
		},
		{
			name: "policy admin without its token file",
			yaml: "policy:\n  entities: [acl]\n  admin: {enabled: true, dir: acl, policy_set: admins}\n",
			want: []string{"policy.admin.token_file is required when policy.admin.enabled is true"},
		},
		{
			name: "policy admin folder not among the entities",
			yaml: "policy:\n  entities: [acl]\n  admin: {enabled: true, dir: other, token_file: t, policy_set: admins}\n",
			want: []string{`policy.admin.dir "other" is not one of policy.entities`},
		},
		{
			name: "console policy set without entities",
			yaml: "ui:\n  enabled: true\n  policy_set: console\n",
			want: []string{"ui.policy_set needs policy.entities"},
		},
		{
			name: "console OIDC login without providers",
			yaml: "policy:\n  entities: [acl]\nui:\n  oidc_login: true\n  policy_set: console\n",
			want: []string{"ui.oidc_login needs proxy.providers"},
		},
		{
			name: "console OIDC login without its policy set",
			yaml: "policy:\n  entities: [acl]\nproxy:\n  base_url: https://gh.example.com\n  providers:\n    default: {configuration_url: https://id.example.com, client_id: gh}\nui:\n  oidc_login: true\n",
			want: []string{"ui.oidc_login needs ui.policy_set"},
		},
		{
			name: "console decision history too long",
			yaml: "ui:\n  decision_history: 2000000\n",
			want: []string{"ui.decision_history 2000000: want 0 to 1000000"},
		},
		{
			name: "openc2 authorization without entities",
			yaml: "openc2:\n  authorization:\n    policy_set: producers\n",
			want: []string{"openc2.authorization.policy_set needs policy.entities"},
		},
		{
			name: "unknown openc2 authorization key",
			yaml: "openc2:\n  authorization:\n    policyset: producers\n",
			want: []string{"line 3", `unknown key "policyset"`},
		},
		{
			name: "unknown policy key",
			yaml: "policy:\n  json_dir: [acl]\n",
			want: []string{"line 2", `unknown key "json_dir"`},
		},
		{
			name: "bad log level",
			yaml: "log:\n  level: verbose\n",
			want: []string{`log.level "verbose"`, "debug, info, warn, error"},
		},
		{
			name: "bad log format",
			yaml: "log:\n  format: xml\n",
			want: []string{`log.format "xml"`, "text or json"},
		},
		{
			name: "tls cert without key",
			yaml: "tls:\n  cert: server.crt\n",
			want: []string{"tls: cert and key go together"},
		},
		{
			name: "tls key without cert",
			yaml: "tls:\n  key: server.key\n",
			want: []string{"tls: cert and key go together"},
		},
		{
			name: "tls client_ca without cert",
			yaml: "tls:\n  client_ca: ca.crt\n",
			want: []string{"tls.client_ca needs tls.cert and tls.key"},
		},
		{
			name: "duration without unit",
			yaml: "limits:\n  timeout: 2\n",
			want: []string{"line 2", "`2` is not a duration"},
		},
		{
			name: "duration of words",
			yaml: "plugins:\n  p:\n    grants:\n      http:\n        timeout: soon\n",
			want: []string{"line 5", "`soon` is not a duration"},
		},
		{
			name: "bad http host",
			yaml: "plugins:\n  p:\n    grants:\n      http:\n        hosts: [ok.example.com, 'http://x/']\n",
			want: []string{`plugins.p.grants.http.hosts[1]: host "http://x/"`},
		},
		{
			name: "bad sinks",
			yaml: "plugins:\n  p:\n    grants:\n      sink:\n        audit: {file: {path: audit.log}}\n        sys: {syslog: {network: tcp}, smtp: {addr: x}}\n",
			want: []string{`plugins.p.grants.sink.audit.file.path: "audit.log" is not an absolute path`, `plugins.p.grants.sink.sys.syslog.network: "tcp" is neither unix nor udp`,
				"plugins.p.grants.sink.sys: give exactly one of file, syslog and smtp, not 2"},
		},
		{
			name: "unknown sink key",
			yaml: "plugins:\n  p:\n    grants:\n      sink:\n        mail: {smtp: {addr: 'localhost:25', from: a@example.com, to: [a@example.com], retries: 3}}\n",
			want: []string{`line 5: unknown key "retries"`},
		},
		{
			name: "relative exec program",
			yaml: "plugins:\n  p:\n    grants:\n      exec:\n        programs: [bin/nft]\n        timeout: -1s\n",
			want: []string{`plugins.p.grants.exec.programs[0]: "bin/nft"`, "; plugins.p.grants.exec.timeout: -1s is negative"},
		},
		{
			name: "extism exports",
			yaml: "plugins:\n  p:\n    extism:\n      exports:\n        a: {kind: agent, name: x}\n        b: {kind: environment}\n",
			want: []string{"plugins.p.extism.exports.a.kind: an agent needs two exports", "; plugins.p.extism.exports.b.name: the component needs a name"},
		},
		{
			name: "extism field unknown",
			yaml: "plugins:\n  p:\n    extism:\n      exports:\n        a: {kind: object, name: x, prio: 1}\n",
			want: []string{"line 5", "prio"},
		},
		{
			name: "short sha256 pin",
			yaml: "plugins:\n  p:\n    sha256: abc123\n    limits: {pool_size: -1}\n",
			want: []string{`plugins.p.limits: pool_size -1 is negative; plugins.p.sha256: "abc123" is not 64 hexadecimal digits`},
		},
		{
			name: "wrong type",
			yaml: "listen: [a, b]\n",
			want: []string{"line 1", "cannot unmarshal"},
		},
		{
			name: "duplicate key",
			yaml: "listen: a\nlisten: b\n",
			want: []string{"line 2", `"listen" already defined at line 1`},
		},
		{
			name: "unknown proxy service key",
			yaml: "proxy:\n  services:\n    serviceA:\n      proxy_URL: /a\n      origin_url: http://a\n",
			want: []string{"line 5", `unknown key "origin_url"`},
		},
		{
			name: "proxy service without origin",
			yaml: "proxy:\n  services:\n    serviceA:\n      proxy_URL: /a\n      AC: x\n",
			want: []string{`proxy.services.serviceA.origin_URL: "" is not an http or https URL`},
		},
		{
			name: "proxy without entities",
			yaml: "proxy:\n  services:\n    a: {proxy_URL: /a, origin_URL: 'http://a', AC: x}\n",
			want: []string{"proxy needs policy.entities"},
		},
		{
			name: "proxy session length",
			yaml: "proxy:\n  cookie:\n    max_age: a day\n",
			want: []string{"line 3", "is not a duration"},
		},
		{
			name: "not yaml",
			yaml: "listen: [\n",
			want: []string{"config bad.yaml: line"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := config.Parse([]byte(tt.yaml), "bad.yaml")
			if err == nil {
				t.Fatalf("Parse = %+v, want an error", f)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is on several lines", err)
			}
		})
	}
}

func TestDefault(t *testing.T) {
	f := config.Default()
	if f.Listen != "127.0.0.1:8080" || f.PluginsDir != "plugins" || f.Store != filepath.Join("data", "gatehouse.db") {
		t.Errorf("Default() = %+v", f)
	}
	if f.TLS.Cert != "" {
		t.Error("the default configuration serves TLS; want plain HTTP on loopback")
	}
	// The reference plugins of the kv capability, in Go, C, Rust and
	// AssemblyScript, and no other.
	counters := []string{"kvcounter", "c-kvcounter", "rs-kvcounter", "as-kvcounter"}
	for _, name := range counters {
		g := f.Plugins[name].Grants
		if !g.Log || !g.Clock || !g.KV.Granted || g.HTTP != nil || g.Exec != nil {
			t.Errorf("%s grants = %+v, want log, clock and kv only", name, g)
		}
	}
	// The SLPF actuators: exec of their programs in dry run only, one
	// instance at a time.
	actuators := map[string][]string{"slpf-nftables": {"nft"}, "slpf-iptables": {"iptables", "ip6tables"}}
	for name, programs := range actuators {
		pc := f.Plugins[name]
		g := pc.Grants
		if !g.Log || !g.KV.Granted || g.Clock || g.HTTP != nil || g.Exec == nil || !g.Exec.DryRun || !slices.Equal(g.Exec.Programs, programs) {
			t.Errorf("%s grants = %+v (exec %+v), want log, kv and exec of %v in dry run", name, g, g.Exec, programs)
		}
		if pc.Limits.PoolSize != 1 {
			t.Errorf("%s pool_size = %d, want 1", name, pc.Limits.PoolSize)
		}
	}
	// The access-control plugins: log and clock, or http to no host.
	acl := []string{"acl-basics", "c-acl-basics", "rs-acl-basics"}
	for _, name := range acl {
		if g := f.Plugins[name].Grants; !g.Log || !g.Clock || g.KV.Granted || g.HTTP != nil || g.Exec != nil {
			t.Errorf("%s grants = %+v, want log and clock only", name, g)
		}
	}
	jsonsetters := []string{"acl-jsonsetter", "c-acl-jsonsetter", "rs-acl-jsonsetter"}
	for _, name := range jsonsetters {
		if g := f.Plugins[name].Grants; g.Log || g.Clock || g.KV.Granted || g.Exec != nil || g.HTTP == nil || len(g.HTTP.Hosts) != 0 {
			t.Errorf("%s grants = %+v (http %+v), want http to no host only", name, g, g.HTTP)
		}
	}
	// The sink plugins of the Zig and AssemblyScript kits: sink with no
	// destination only.
	sinks := []string{"zig-sink", "as-sink"}
	for _, name := range sinks {
		if g := f.Plugins[name].Grants; g.Log || g.Clock || g.KV.Granted || g.HTTP != nil || g.Exec != nil || g.Sink == nil || len(g.Sink) != 0 {
			t.Errorf("%s grants = %+v, want sink with no destination only", name, g)
		}
	}
	if len(f.Plugins) != len(counters)+len(actuators)+len(acl)+len(jsonsetters)+len(sinks) {
		t.Errorf("default grants plugins %v, want %v, %v, %v, %v and %v only", f.Plugins, counters, actuators, acl, jsonsetters, sinks)
	}
	delete(f.Plugins, "kvcounter")
	if !config.Default().Plugins["kvcounter"].Grants.KV.Granted {
		t.Error("changing one Default() changes the next")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "gatehouse.yaml")
	if err := os.WriteFile(good, []byte("listen: 127.0.0.1:9999\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("lisen: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, path string
		listen     string // when it loads
		plugins    int    // entries of plugins, when it loads
		err        string // when it does not
	}{
		{name: "empty path is the default", path: "", listen: "127.0.0.1:8080", plugins: len(config.Default().Plugins)},
		{name: "file", path: good, listen: "127.0.0.1:9999", plugins: len(config.Default().Plugins)},
		{name: "missing file", path: filepath.Join(dir, "missing.yaml"), err: "read config"},
		{name: "errors name the file", path: bad, err: "config " + bad + `: line 1: unknown key "lisen"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := config.Load(tt.path)
			switch {
			case tt.err != "":
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("Load error = %v, want %q", err, tt.err)
				}
			case err != nil:
				t.Fatal(err)
			case f.Listen != tt.listen || len(f.Plugins) != tt.plugins:
				t.Errorf("listen, plugins = %q, %d, want %q, %d", f.Listen, len(f.Plugins), tt.listen, tt.plugins)
			}
		})
	}
}

func ExampleParse() {
	f, err := config.Parse([]byte(`
plugins_dir: /srv/plugins
limits:
  timeout: 2s
plugins:
  threatintel:
    grants:
      http:
        hosts: [api.example.com]
`), "gatehouse.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	hc := f.Host()
	fmt.Println("listen:", f.Listen)
	fmt.Println("plugins:", hc.PluginDir)
	fmt.Println("timeout:", hc.Limits.Timeout)
	fmt.Println("threatintel may reach:", hc.Plugins["threatintel"].Grants.HTTP.Hosts)

	_, err = config.Parse([]byte("limits:\n  timeout: 2s\n  pool: 3\n"), "gatehouse.yaml")
	fmt.Println(err)
	// Output:
	// listen: 127.0.0.1:8080
	// plugins: /srv/plugins
	// timeout: 2s
	// threatintel may reach: [api.example.com]
	// config gatehouse.yaml: line 3: unknown key "pool"
}

func TestParseProxy(t *testing.T) {
	const yaml = `
policy:
  entities: [/etc/gatehouse/acl]
proxy:
  base_url: https://proxy.example.com
  session_key_file: /etc/gatehouse/session.key
  cookie: {max_age: 1h, secure: false}
  providers:
    default:
      configuration_url: https://idp.example.com/realms/master
      client_id: gatehouse
      client_secret_file: /etc/gatehouse/client-secret
  services:
    serviceA:
      origin_URL: http://service-a.example.com
      proxy_URL: /serviceA
      AC: com.example.policysets.loggedIn
      objectsetters:
        jsonsetter: {enable: true, url: "http://json-server.example.com/posts/5/", priority: 32}
      obligations:
        obl_log: {file: /var/log/gatehouse/obl.log}
    serviceG:
      origin_URL: https://fortknox.example.com/cert
      proxy_URL: /serviceG
      AC: com.example.policysets.loggedIn
      authentication: {type: Certificate, keyfile: /etc/gatehouse/key.pem, certfile: /etc/gatehouse/client.crt}
`
	f, err := config.Parse([]byte(yaml), "proxy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := f.Proxy
	if p.Cookie.MaxAge != time.Hour || p.Cookie.Secure == nil || *p.Cookie.Secure || p.Providers["default"].ClientSecretFile != "/etc/gatehouse/client-secret" {
		t.Errorf("proxy = %+v", p)
	}
	a := p.Services["serviceA"]
	if a.ObjectSetters["jsonsetter"]["priority"] != 32 || a.Obligations["obl_log"]["file"] != "/var/log/gatehouse/obl.log" {
		t.Errorf("serviceA = %+v", a)
	}
	if g := p.Services["serviceG"].Authentication; g == nil || g.Type != "Certificate" || g.KeyFile != "/etc/gatehouse/key.pem" {
		t.Errorf("serviceG.authentication = %+v", g)
	}
}

// TestLayer lays files over the embedded default: mappings merge at every
// depth, other values replace, null drops, and errors keep the file's lines.
func TestLayer(t *testing.T) {
	for _, tt := range []struct {
		name, yaml string
		check      func(t *testing.T, f *config.File)
		err        string
	}{
		{name: "empty file is the default", yaml: "", check: func(t *testing.T, f *config.File) {
			if !reflect.DeepEqual(f, config.Default()) {
				t.Errorf("got %+v, want the default", f)
			}
		}},
		{name: "listen only keeps the grants", yaml: "listen: 127.0.0.1:9999\n", check: func(t *testing.T, f *config.File) {
			if f.Listen != "127.0.0.1:9999" || !f.Plugins["kvcounter"].Grants.KV.Granted || f.Store != "data/gatehouse.db" {
				t.Errorf("listen %q, kvcounter %+v, store %q", f.Listen, f.Plugins["kvcounter"], f.Store)
			}
		}},
		{name: "nested keys merge", yaml: "server: {max_connections: 10}\nplugins:\n  mine:\n    grants: {clock: true}\n", check: func(t *testing.T, f *config.File) {
			if f.Server.MaxConnections != 10 || f.Server.ReadTimeout != time.Minute {
				t.Errorf("server: %+v", f.Server)
			}
			if !f.Plugins["mine"].Grants.Clock || !f.Plugins["kvcounter"].Grants.KV.Granted {
				t.Errorf("plugins: %+v", f.Plugins)
			}
		}},
		{name: "a plugin's entry replaces the default's", yaml: "plugins: {slpf-nftables: {grants: {exec: {programs: [nft, ip]}}}}\n", check: func(t *testing.T, f *config.File) {
			p := f.Plugins["slpf-nftables"]
			if g := p.Grants; !slices.Equal(g.Exec.Programs, []string{"nft", "ip"}) || g.Exec.DryRun || g.Log || g.KV.Granted || p.Limits.PoolSize != 0 {
				t.Errorf("slpf-nftables: %+v, exec %+v", p, g.Exec)
			}
		}},
		{name: "null drops a plugin's grants", yaml: "plugins: {kvcounter: null}\n", check: func(t *testing.T, f *config.File) {
			if g := f.Plugins["kvcounter"].Grants; g.KV.Granted || g.Log || !f.Plugins["acl-basics"].Grants.Log {
				t.Errorf("plugins: %+v", f.Plugins)
			}
		}},
		{name: "null drops every grant", yaml: "plugins: null\n", check: func(t *testing.T, f *config.File) {
			if len(f.Plugins) != 0 {
				t.Errorf("plugins: %+v", f.Plugins)
			}
		}},
		{name: "errors keep the lines", yaml: "listen: x\nplugins:\n  kvcounter:\n    grant: {}\n", err: `config g.yaml: line 4: unknown key "grant"`},
		{name: "and the checks", yaml: "log: {level: loud}\n", err: `config g.yaml: log.level "loud" is not one of`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := config.Layer([]byte(tt.yaml), "g.yaml")
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, f)
		})
	}
}
