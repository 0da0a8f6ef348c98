package cli_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/cli"
)

func TestConfigShow(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	listenOnly := writeFile(t, dir, "listen.yaml", "listen: 127.0.0.1:9999\nplugins:\n  mine: {grants: {kv: {max_bytes: 1024}}}\n")

	r := run(t, "", "config", "show", "--config", listenOnly)
	r.check(t, cli.ExitOK)
	for _, want := range []string{
		"listen: 127.0.0.1:9999\n",
		"  kvcounter:\n    grants:\n      log: true\n      clock: true\n      kv: true\n",
		"      kv:\n        max_bytes: 1024\n",
		"limits:\n  memory_pages: 1024\n  timeout: 5s\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("config show does not print %q:\n%s", want, r.stdout)
		}
	}
	// What show prints reads back as itself.
	shown := writeFile(t, dir, "shown.yaml", r.stdout)
	run(t, "", "config", "check", shown).check(t, cli.ExitOK)
	if again := run(t, "", "config", "show", "--config", shown); again.stdout != r.stdout {
		t.Errorf("show of show's output differs:\n%s\nwant\n%s", again.stdout, r.stdout)
	}

	r = run(t, "", "config", "show", "--config", listenOnly, "--output", "json")
	r.check(t, cli.ExitOK)
	var v struct {
		Listen  string
		Plugins map[string]struct{ Grants struct{ KV any } }
	}
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("%v:\n%s", err, r.stdout)
	}
	if v.Listen != "127.0.0.1:9999" || v.Plugins["kvcounter"].Grants.KV != true {
		t.Errorf("config show --output json = %s", r.stdout)
	}

	run(t, "", "config", "show", "--output", "text").check(t, cli.ExitUsage, `--output "text" is not yaml or json`)
	run(t, "", "config", "show", "--config", filepath.Join(dir, "missing.yaml")).check(t, cli.ExitUsage, "read config")
}

// TestConfigShowRedacts checks that config show prints no secret written
// in the configuration.
func TestConfigShowRedacts(t *testing.T) {
	t.Parallel()
	cfg := writeFile(t, t.TempDir(), "proxy.yaml", `
policy:
  entities: [acl]
proxy:
  base_url: https://proxy.example.com
  session_key_file: session.key
  providers:
    default: {configuration_url: https://idp.example.com, client_id: gatehouse, client_secret: provider-s3cret}
  services:
    a:
      proxy_URL: /a
      origin_URL: http://a.example.com
      AC: com.example.policysets.loggedIn
      authentication: {type: Bearer, token: service-s3cret}
`)
	r := run(t, "", "config", "show", "--config", cfg)
	r.check(t, cli.ExitOK)
	if strings.Contains(r.stdout, "s3cret") || strings.Count(r.stdout, "[redacted]") != 2 {
		t.Errorf("config show prints a secret:\n%s", r.stdout)
	}
}

func TestConfigCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tt := range []struct {
		name, yaml string
		code       int
		out, err   string
	}{
		{name: "valid", yaml: "listen: 127.0.0.1:9999\n", code: cli.ExitOK, out: ": ok\n"},
		{name: "unknown key", yaml: "listen: x\nplugins:\n  kvcounter:\n    grant: {}\n", code: cli.ExitFinding,
			err: `bad.yaml: line 4: unknown key "grant"`},
		{name: "not a duration", yaml: "server:\n  read_timeout: soon\n", code: cli.ExitFinding,
			err: "line 2: `soon` is not a duration"},
		{name: "out of range", yaml: "plugins:\n  kvcounter: {limits: {pool_size: -1}}\n", code: cli.ExitFinding,
			err: "plugins.kvcounter.limits: pool_size -1 is negative"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, "", "config", "check", writeFile(t, dir, "bad.yaml", tt.yaml))
			r.check(t, tt.code, tt.err)
			if !strings.HasSuffix(r.stdout, tt.out) || (tt.out == "") != (r.stdout == "") {
				t.Errorf("stdout = %q, want %q", r.stdout, tt.out)
			}
		})
	}
	run(t, "", "config", "check", filepath.Join(dir, "missing.yaml")).check(t, cli.ExitUsage, "read config")
	run(t, "", "config", "check").check(t, cli.ExitUsage)
}
