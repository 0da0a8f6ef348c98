package capability

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host/internal/sink"
)

func TestGrantsHas(t *testing.T) {
	tests := []struct {
		name   string
		grants Grants
		want   []abi.Capability
	}{
		{"zero", Grants{}, nil},
		{"log", Grants{Log: true}, []abi.Capability{abi.CapLog}},
		{"clock", Grants{Clock: true}, []abi.Capability{abi.CapClock}},
		{"kv", Grants{KV: KVGrant{Granted: true}}, []abi.Capability{abi.CapKV}},
		{"http with no hosts", Grants{HTTP: &HTTPGrant{}}, []abi.Capability{abi.CapHTTP}},
		{"exec", Grants{Exec: &ExecGrant{Programs: []string{"nft"}}}, []abi.Capability{abi.CapExec}},
		{"sink with no destinations", Grants{Sink: SinkGrant{}}, []abi.Capability{abi.CapSink}},
		{"all", Grants{Log: true, Clock: true, KV: KVGrant{Granted: true}, HTTP: &HTTPGrant{}, Exec: &ExecGrant{}, Sink: SinkGrant{}}, abi.Capabilities},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range abi.Capabilities {
				want := c == abi.CapPlan // every plugin may plan
				for _, w := range tt.want {
					want = want || w == c
				}
				if got := tt.grants.Has(c); got != want {
					t.Errorf("Has(%s) = %v, want %v", c, got, want)
				}
			}
			if tt.grants.Has("") || tt.grants.Has("net") {
				t.Error("Has grants a capability that does not exist")
			}
		})
	}
}

func TestConfigKey(t *testing.T) {
	if got, want := ConfigKey("firewall", abi.CapExec), "plugins.firewall.grants.exec"; got != want {
		t.Errorf("ConfigKey = %q, want %q", got, want)
	}
}

func TestGrantsYAML(t *testing.T) {
	const doc = `
log: true
clock: true
kv: true
http:
  hosts: [api.example.com, "*.example.org:8443"]
  max_bytes: 4096
  timeout: 2s
exec:
  programs: [nft, /usr/sbin/iptables]
  timeout: 1m
  dry_run: true
  max_output: 100
sink:
  audit: {file: {path: /var/log/gatehouse/audit.log, max_size: 1048576, max_backups: 3}}
  sys: {syslog: {network: udp, address: "127.0.0.1:514", tag: gatehouse, facility: authpriv}, timeout: 1s}
  mail: {smtp: {addr: "mail.example.com:25", from: gatehouse@example.com, to: [sec@example.com]}}
`
	var got Grants
	if err := yaml.Unmarshal([]byte(doc), &got); err != nil {
		t.Fatal(err)
	}
	want := Grants{
		Log: true, Clock: true, KV: KVGrant{Granted: true},
		HTTP: &HTTPGrant{Hosts: []string{"api.example.com", "*.example.org:8443"}, MaxBytes: 4096, Timeout: 2 * time.Second},
		Exec: &ExecGrant{Programs: []string{"nft", "/usr/sbin/iptables"}, Timeout: time.Minute, DryRun: true, MaxOutput: 100},
		Sink: SinkGrant{
			"audit": {File: &sink.File{Path: "/var/log/gatehouse/audit.log", MaxSize: 1 << 20, MaxBackups: 3}},
			"sys":   {Syslog: &sink.Syslog{Network: "udp", Address: "127.0.0.1:514", Tag: "gatehouse", Facility: "authpriv"}, Timeout: time.Second},
			"mail":  {SMTP: &sink.SMTP{Addr: "mail.example.com:25", From: "gatehouse@example.com", To: []string{"sec@example.com"}}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded %+v %+v %+v, want %+v %+v %+v", got, got.HTTP, got.Exec, want, want.HTTP, want.Exec)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestKVGrantYAML(t *testing.T) {
	for _, tt := range []struct {
		doc  string
		want KVGrant
		err  string
	}{
		{doc: "kv: true", want: KVGrant{Granted: true}},
		{doc: "kv: false", want: KVGrant{}},
		{doc: "{}", want: KVGrant{}},
		{doc: "kv: {max_bytes: 1048576}", want: KVGrant{Granted: true, MaxBytes: 1 << 20}},
		{doc: "kv: {}", want: KVGrant{Granted: true}},
		{doc: "kv: {size: 1}", err: `line 1: unknown key "size" in kv`},
		{doc: "kv: yes please", err: "cannot unmarshal"},
	} {
		t.Run(tt.doc, func(t *testing.T) {
			var got Grants
			err := yaml.Unmarshal([]byte(tt.doc), &got)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got.KV != tt.want {
				t.Errorf("decoded %+v, %v; want %+v", got.KV, err, tt.want)
			}
		})
	}
}

func TestGrantDefaults(t *testing.T) {
	h, e := &HTTPGrant{}, &ExecGrant{}
	if h.maxBytes() != DefaultHTTPMaxBytes || h.timeout() != DefaultHTTPTimeout {
		t.Errorf("http defaults = %d, %s", h.maxBytes(), h.timeout())
	}
	if e.maxOutput() != DefaultExecMaxOutput || e.timeout() != DefaultExecTimeout {
		t.Errorf("exec defaults = %d, %s", e.maxOutput(), e.timeout())
	}
	if q := (KVGrant{Granted: true}).Quota(); q != DefaultKVMaxBytes {
		t.Errorf("kv default quota = %d", q)
	}
}

func TestGrantsValidate(t *testing.T) {
	tests := []struct {
		name   string
		grants Grants
		want   []string // substrings of the error, none for no error
	}{
		{"zero", Grants{}, nil},
		{"good hosts", Grants{HTTP: &HTTPGrant{Hosts: []string{
			"example.com", "Example.COM.", "*.example.com", "example.com:8080", "10.0.0.1", "10.0.0.1:80",
			"::1", "[::1]", "[::1]:8080",
		}}}, nil},
		{"bad hosts", Grants{HTTP: &HTTPGrant{Hosts: []string{
			"", "*", "*.", "a.*.com", "example.com:0", "example.com:http", "example.com:", "http://example.com",
			"user@example.com", "a:b:c",
		}}}, []string{
			"http.hosts[0]", "http.hosts[1]", "http.hosts[2]", "http.hosts[3]", "http.hosts[4]",
			"http.hosts[5]", "http.hosts[6]", "http.hosts[7]", "http.hosts[8]", "http.hosts[9]",
		}},
		{"negative limits", Grants{
			KV:   KVGrant{Granted: true, MaxBytes: -1},
			HTTP: &HTTPGrant{MaxBytes: -1, Timeout: -time.Second},
			Exec: &ExecGrant{MaxOutput: -1, Timeout: -time.Second},
		}, []string{"kv.max_bytes", "http.max_bytes", "http.timeout", "exec.max_output", "exec.timeout"}},
		{"good programs", Grants{Exec: &ExecGrant{Programs: []string{"nft", "/usr/sbin/nft"}}}, nil},
		{"bad programs", Grants{Exec: &ExecGrant{Programs: []string{"ok", "", "./nft", "bin/nft"}}},
			[]string{"exec.programs[1]", "exec.programs[2]", "exec.programs[3]"}},
		{"bad sinks", Grants{Sink: SinkGrant{"a b": {File: &sink.File{Path: "/x"}}, "f": {File: &sink.File{Path: "x"}}, "none": {}}},
			[]string{"sink", "sink.f.file.path", "sink.none"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.grants.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w+":") {
					t.Errorf("error %q does not name %s", err, w)
				}
			}
			if n := strings.Count(err.Error(), "\n") + 1; n != len(tt.want) {
				t.Errorf("error has %d lines, want %d: %q", n, len(tt.want), err)
			}
		})
	}
}

func TestHTTPGrantAllows(t *testing.T) {
	g := &HTTPGrant{Hosts: []string{
		"api.example.com", "*.example.org", "svc.example.net:8443", "127.0.0.1:9000", "[::1]:9000", "bad.example.com:99999",
	}}
	tests := []struct {
		url  string
		want bool
	}{
		{"https://api.example.com/v1", true},
		{"http://api.example.com/v1", true},
		{"https://API.Example.COM./v1", true},
		{"https://api.example.com:443/", true},
		{"http://api.example.com:80/", true},
		{"https://api.example.com:8443/", false},
		{"http://api.example.com:443/", false},
		{"https://example.com/", false},
		{"https://evil-api.example.com/", false},
		{"https://api.example.com.evil.net/", false},
		{"https://a.example.org/", true},
		{"https://a.b.example.org/", true},
		{"https://example.org/", false},
		{"https://aexample.org/", false},
		{"https://svc.example.net:8443/", true},
		{"https://svc.example.net/", false},
		{"http://127.0.0.1:9000/", true},
		{"http://127.0.0.1/", false},
		{"http://[::1]:9000/", true},
		{"ftp://api.example.com/", false},
		{"http://bad.example.com:99999/", false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			u, err := url.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			if got := g.allows(u); got != tt.want {
				t.Errorf("allows(%s) = %v, want %v", tt.url, got, tt.want)
			}
		})
	}
}
