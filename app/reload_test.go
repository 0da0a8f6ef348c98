package app

import (
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/app/config"
)

// TestChanges checks the keys a reload reports as changed, and which of
// them need a restart.
func TestChanges(t *testing.T) {
	base := `
listen: 127.0.0.1:8080
log: {level: info}
plugins:
  kvcounter: {grants: {log: true, kv: true}}
policy:
  entities: [a]
`
	var dropped []string
	for name := range parse(t, base).Plugins {
		dropped = append(dropped, "plugins."+name)
	}
	slices.Sort(dropped)
	tests := []struct {
		name    string
		over    string
		changed []string
		restart []string
	}{
		{"nothing", base, []string{}, nil},
		{"log level", strings.Replace(base, "level: info", "level: debug", 1), []string{"log.level"}, nil},
		{"a grant", `
listen: 127.0.0.1:8080
plugins:
  kvcounter: {grants: {log: true, kv: {max_bytes: 1024}}}
policy:
  entities: [a]
`, []string{"plugins.kvcounter.grants.kv"}, nil},
		{"a plugin added and one emptied", `
listen: 127.0.0.1:8080
plugins:
  kvcounter: null
  basics: {limits: {pool_size: 2}}
policy:
  entities: [a]
`, []string{"plugins.basics", "plugins.kvcounter.grants.kv", "plugins.kvcounter.grants.log"}, nil},
		{"all plugins dropped", `
listen: 127.0.0.1:8080
plugins: null
policy:
  entities: [a]
`, dropped, nil},
		{"entities and listen", `
listen: 127.0.0.1:9090
plugins:
  kvcounter: {grants: {log: true, kv: true}}
policy:
  entities: [a, b]
tls: {cert: c.pem, key: k.pem}
`, []string{"listen", "policy.entities", "tls.cert", "tls.key"}, []string{"listen", "tls.cert", "tls.key"}},
	}
	old := parse(t, base)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := parse(t, tt.over)
			changed := changes(old, f)
			if !slices.Equal(changed, tt.changed) {
				t.Errorf("changes = %q, want %q", changed, tt.changed)
			}
			var restart []string
			for _, k := range changed {
				if !under(k, liveKeys...) {
					restart = append(restart, k)
				}
			}
			if !slices.Equal(restart, tt.restart) {
				t.Errorf("restart = %q, want %q", restart, tt.restart)
			}
		})
	}
}

func parse(t *testing.T, text string) *config.File {
	t.Helper()
	f, err := config.Layer([]byte(text), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return f
}
