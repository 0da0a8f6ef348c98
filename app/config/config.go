// Package config reads gatehouse.yaml. Every key is optional; unknown keys
// are errors that name the key and its line.
package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/telemetry"
	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/decisionlog"
	"github.com/gatehouse/gatehouse/policy/proxy"
)

// File is the configuration file.
type File struct {
	// Listen is the server's address. Default 127.0.0.1:8080.
	Listen string `yaml:"listen"`
	TLS    TLS    `yaml:"tls"`
	// Server bounds the connections of the listener.
	Server Server `yaml:"server"`
	// Diagnostics is an optional second listener for probes.
	Diagnostics Diagnostics `yaml:"diagnostics"`
	// PluginsDir is the folder of plugins, watched for changes. Default plugins.
	PluginsDir string `yaml:"plugins_dir"`
	// CacheDir holds compiled plugins. Default: the user's cache folder, gatehouse/.
	CacheDir string `yaml:"cache_dir"`
	// ReloadWorkers is how many changed plugin files serve loads at once.
	// Default 0: min(2, the CPUs Go uses).
	ReloadWorkers int `yaml:"reload_workers"`
	// Store is the file of the embedded store (kv capability). Default data/gatehouse.db.
	Store string `yaml:"store"`
	Log   Log    `yaml:"log"`
	// Limits are the defaults for every plugin.
	Limits host.Limits `yaml:"limits"`
	// Plugins holds grants, limits and an optional sha256 pin by plugin
	// name; each applies to the file NAME.wasm of PluginsDir alone.
	Plugins map[string]host.PluginConfig `yaml:"plugins"`
	OpenC2  OpenC2                       `yaml:"openc2"`
	Policy  Policy                       `yaml:"policy"`
	// Proxy configures the reverse proxy that guards services with the
	// policy entities (docs/reverse-proxy.md). Default: none.
	Proxy proxy.Config `yaml:"proxy"`
	Sim   Sim          `yaml:"sim"`
	// Telemetry configures tracing (README.md, "Observability"). Default:
	// off.
	Telemetry telemetry.Config `yaml:"telemetry"`
	// UI is the web console at /ui/ (docs/console.md). Default: off.
	UI UI `yaml:"ui"`
}

// UI is the web console served at /ui/.
type UI struct {
	// Enabled serves the console.
	Enabled bool `yaml:"enabled"`
	// TokenFile holds the console's admin tokens, one a line; with one,
	// the console asks for a login. A listener other than loopback needs
	// one.
	TokenFile string `yaml:"token_file"`
	// Models is a folder of models (*.model) the simulation page offers;
	// empty offers none, and the page takes only pasted models.
	Models string `yaml:"models"`
	// OIDCLogin offers a login through the OpenID Connect providers of
	// proxy.providers; it needs PolicySet, which decides who of the
	// providers' users sees what.
	OIDCLogin bool `yaml:"oidc_login"`
	// PolicySet, when set, is the policy set that decides who sees which
	// page of the console. Default: none, every session sees every page.
	PolicySet string `yaml:"policy_set"`
	// DecisionHistory is how many of the latest decisions of the decision
	// log the console keeps in memory for its decision log page. Default
	// 10000.
	DecisionHistory int `yaml:"decision_history"`
}

// MaxDecisionHistory bounds ui.decision_history.
const MaxDecisionHistory = 1_000_000

// validate checks ui against the rest of f.
func (u *UI) validate(f *File) error {
	if u.Models != "" {
		st, err := os.Stat(u.Models)
		switch {
		case err != nil:
			return fmt.Errorf("ui.models: %v", err)
		case !st.IsDir():
			return fmt.Errorf("ui.models: %s is not a folder", u.Models)
		}
	}
	if u.DecisionHistory < 0 || u.DecisionHistory > MaxDecisionHistory {
		return fmt.Errorf("ui.decision_history %d: want 0 to %d", u.DecisionHistory, MaxDecisionHistory)
	}
	if u.PolicySet != "" && len(f.Policy.Entities) == 0 {
		return errors.New("ui.policy_set needs policy.entities, the entities that hold it")
	}
	if u.OIDCLogin {
		if len(f.Proxy.Providers) == 0 {
			return errors.New("ui.oidc_login needs proxy.providers, the OpenID Connect providers it logs in with")
		}
		if u.PolicySet == "" {
			return errors.New("ui.oidc_login needs ui.policy_set: without it, every user of the providers could use the console")
		}
	}
	return nil
}

// Diagnostics is a plain HTTP listener that serves only /healthz,
// /readyz and /metrics, under the bounds of Server, so that probes reach
// them when the main listener asks for client certificates.
type Diagnostics struct {
	// Listen is its address. Default: empty, no diagnostics listener.
	Listen string `yaml:"listen"`
}

// Server bounds the time and the number of the connections to serve, so
// that slow or idle clients cannot hold them, or the process's files,
// forever.
type Server struct {
	// ReadHeaderTimeout bounds the reading of a request's headers.
	// Default 10s.
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	// ReadTimeout bounds the reading of a whole request, its body
	// included. Default 1m.
	ReadTimeout time.Duration `yaml:"read_timeout"`
	// WriteTimeout bounds the time from the end of a request's headers to
	// the end of its response; a simulation run's stream sets its own
	// deadline (sim.stall_timeout), for ReadTimeout too. Default 1m.
	WriteTimeout time.Duration `yaml:"write_timeout"`
	// IdleTimeout bounds how long a keep-alive connection waits for its
	// next request. Default 2m.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// MaxConnections is the most connections open at once; more wait to
	// be accepted until one closes. Default 1024.
	MaxConnections int `yaml:"max_connections"`
	// MaxHeaderBytes bounds a request's headers. Default 65536.
	MaxHeaderBytes int `yaml:"max_header_bytes"`
}

// Sim configures the simulation runs behind POST /v1/sim/runs.
type Sim struct {
	// MaxModelBytes bounds the model of a run. Default 1 MiB.
	MaxModelBytes int64 `yaml:"max_model_bytes"`
	// MaxTicks bounds the ticks of a run. Default 100000.
	MaxTicks int64 `yaml:"max_ticks"`
	// MaxRuns bounds the runs at once. Default 4.
	MaxRuns int `yaml:"max_runs"`
	// StallTimeout ends a run whose client reads none of its events for
	// that long. Default 10s.
	StallTimeout time.Duration `yaml:"stall_timeout"`
	// MaxRunTime is the time budget of a run. Default 1m.
	MaxRunTime time.Duration `yaml:"max_run_time"`
	// MaxOutputBytes is the budget of a run's events, in bytes. Default
	// 32 MiB.
	MaxOutputBytes int64 `yaml:"max_output_bytes"`
}

// Policy configures access-control decisions (docs/policy-language.md).
type Policy struct {
	// Entities are the folders and files of entities: ARPOC's
	// access_control.json_dir. Default: none.
	Entities []string `yaml:"entities"`
	// Obligations maps obligation names of the entity files to the
	// obligation components that carry them out ([PLUGIN/]NAME, see host.Ref),
	// for names that cannot be component names, such as ARPOC's obl_log.
	Obligations map[string]string `yaml:"obligations"`
	// Providers chooses among plugins that provide a component of the
	// same name: by [KIND:]NAME, the plugin whose component the bare NAME
	// means, in obligations and object setters, when several provide it.
	// Without an entry such a name is an error that lists the candidates.
	// Default: the Go reference plugins (default.yaml).
	Providers map[string]string `yaml:"providers"`
	// DecisionLog records every decision: of POST /v1/decide, of OpenC2
	// authorization and of the reverse proxy. Default: none.
	DecisionLog DecisionLog `yaml:"decision_log"`
	// DecisionAPI configures POST /v1/decide and the other routes of the
	// decision API.
	DecisionAPI DecisionAPI `yaml:"decision_api"`
	// Compat is "arpoc-code" to decide as ARPOC's code does where it
	// departs from its documentation (a DENY rule whose condition is
	// false denies; see policy.ParseCompat). Default: "", as documented.
	Compat string `yaml:"compat"`
	// Admin configures the policy administration: changes of entities
	// over HTTP. Default: off.
	Admin Admin `yaml:"admin"`
}

// Admin configures the policy administration point (docs/policy-admin.md):
// PUT and DELETE /v1/policy/entities/ID and POST /v1/policy/check.
type Admin struct {
	// Enabled turns the routes on. Default false: they answer 503.
	Enabled bool `yaml:"enabled"`
	// Dir is the folder the administration writes, one of the folders of
	// Policy.Entities. Required when enabled.
	Dir string `yaml:"dir"`
	// TokenFile is a file of bearer tokens, one a line after the name of
	// its subject: "NAME TOKEN". Required when enabled.
	TokenFile string `yaml:"token_file"`
	// PolicySet is the policy set, among the entities, that authorizes
	// each change. Required when enabled.
	PolicySet string `yaml:"policy_set"`
}

// DecisionAPI configures the decision API (docs/decision-api.md).
type DecisionAPI struct {
	// TokenFile is a file of bearer tokens, one a line, of which every
	// request to the decision API must present one. Empty: the decision
	// API asks for none.
	TokenFile string `yaml:"token_file"`
	// ObjectSetters configure the object setters that every decision of
	// POST /v1/decide runs, by component ([PLUGIN/]NAME, see host.Ref), as a
	// proxy service's objectsetters. Default: none.
	ObjectSetters map[string]map[string]any `yaml:"object_setters"`
	// Obligations holds the configuration of obligations, by name, that
	// every decision of POST /v1/decide gives them, as a proxy service's
	// obligations. Default: none.
	Obligations map[string]map[string]any `yaml:"obligations"`
}

// DecisionLog configures the decision log (package policy/decisionlog).
type DecisionLog struct {
	// Path is the file that decisions are appended to, one JSON line
	// each, or "-" for standard output. Empty: no decision log.
	Path string `yaml:"path"`
	// Mask lists attribute paths, such as subject.email or
	// access.headers.authorization, whose values the log replaces by
	// "[masked]".
	Mask []string `yaml:"mask"`
}

// OpenC2 configures the OpenC2 consumer behind POST /.well-known/openc2.
type OpenC2 struct {
	// ConsumerID is "from" in the headers of responses. Default: the host
	// name.
	ConsumerID string `yaml:"consumer_id"`
	// RateLimit is the most commands per minute accepted, reported by
	// 'query features'; 0 means no limit.
	RateLimit float64 `yaml:"rate_limit"`
	// MaxRequestBytes bounds a command message. Default 65536.
	MaxRequestBytes int64 `yaml:"max_request_bytes"`
	// Store is the file that keeps scheduled commands, rule numbers and
	// the command history across restarts. Default: openc2.db beside store.
	Store string `yaml:"store"`
	// History is how many commands GET /v1/openc2/commands keeps, the
	// newest. Default 1000.
	History int `yaml:"history"`
	// Actuators holds the actuator specifiers that identify each actuator
	// component, by PLUGIN/NAME (host.Ref): hostname, named_group, asset_id
	// (default: the reference itself), asset_tuple, or a profile's own.
	Actuators map[string]map[string]any `yaml:"actuators"`
	// Authorization has the policy engine authorize each command before
	// it is carried out. Default: every command is carried out.
	Authorization OpenC2Authorization `yaml:"authorization"`
	// MQTT takes commands from an MQTT broker too (docs/openc2-mqtt.md).
	MQTT OpenC2MQTT `yaml:"mqtt"`
}

// OpenC2MQTT configures the OpenC2 transfer over MQTT: a consumer that
// takes commands from a broker, beside POST /.well-known/openc2, through
// the same consumer, authorization, scheduling and history.
type OpenC2MQTT struct {
	// URL is the broker, mqtt://host[:port] or mqtts://host[:port]. Empty,
	// the default, takes no commands over MQTT, unless Broker.Listen runs
	// a broker in serve: then it is that broker.
	URL string `yaml:"url"`
	// ClientID is the MQTT Client Identifier. Default: gatehouse-DEVICE_ID.
	ClientID string `yaml:"client_id"`
	// DeviceID names this consumer in oc2/cmd/device/DEVICE_ID. Default:
	// openc2.consumer_id.
	DeviceID string `yaml:"device_id"`
	// Profiles are the actuator profiles whose topics it subscribes to.
	// Default: those of the actuators loaded when a command arrives.
	Profiles []string `yaml:"profiles"`
	// Username and PasswordFile log in to the broker.
	Username     string `yaml:"username"`
	PasswordFile string `yaml:"password_file"`
	// Cert and Key are a client certificate for mqtts://; CA the PEM file
	// of the CAs that sign the broker's (default: the system's).
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
	CA   string `yaml:"ca"`
	// SessionExpiry is how long the broker keeps the session, and the
	// commands published to it, while serve is away. Default 1h.
	SessionExpiry time.Duration `yaml:"session_expiry"`
	// MaxMessageBytes bounds a command message. Default:
	// openc2.max_request_bytes.
	MaxMessageBytes int `yaml:"max_message_bytes"`
	// Seen is how many commands are remembered so that a second delivery
	// is not carried out. Default 4096.
	Seen int `yaml:"seen"`
	// TrustPublisherProperty has the consumer take the user property
	// gatehouse-publisher, which the embedded broker sets, as the
	// publisher's username (subject.mqtt_username). Only for a broker that
	// sets it itself: a client could send any.
	TrustPublisherProperty bool `yaml:"trust_publisher_property"`
	// Broker runs an MQTT broker in serve.
	Broker MQTTBroker `yaml:"broker"`
}

// MQTTBroker configures an embedded MQTT broker.
type MQTTBroker struct {
	// Listen is its TCP address, such as 127.0.0.1:1883. Empty, the
	// default, runs none.
	Listen string `yaml:"listen"`
	// Cert and Key turn TLS on.
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
	// Users is the password file (lines name:bcrypt-hash[:role]); empty
	// lets every client in.
	Users string `yaml:"users"`
	// MaxPacketBytes bounds a packet. Default 1 MiB.
	MaxPacketBytes uint32 `yaml:"max_packet_bytes"`
	// Store is the file that keeps the broker's sessions across restarts;
	// empty, the default, keeps them in memory.
	Store string `yaml:"store"`
}

// OpenC2Authorization configures the authorization of OpenC2 commands
// (docs/decision-api.md).
type OpenC2Authorization struct {
	// PolicySet is the id of the policy set that decides on each command,
	// with the producer's client certificate, and the claims of its bearer
	// token verified by the providers of proxy.providers, as the subject.
	// Empty: no authorization. It needs policy.entities.
	PolicySet string `yaml:"policy_set"`
}

// TLS configures HTTPS; without Cert the server speaks plain HTTP.
type TLS struct {
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
	// ClientCA, when set, requires clients to present a certificate it signed.
	ClientCA string `yaml:"client_ca"`
}

// Log configures the logs.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error; default info
	Format string `yaml:"format"` // text or json; default text
}

//go:embed default.yaml
var defaultYAML []byte

// Default returns the embedded default configuration, which runs the
// reference plugins with the grants they need and no outside service.
func Default() *File {
	f, err := Parse(defaultYAML, "default.yaml")
	if err != nil {
		panic(fmt.Sprintf("embedded default configuration: %v", err))
	}
	return f
}

// Load reads the file at path, laid over the embedded default (see Layer);
// an empty path gives Default.
func Load(path string) (*File, error) {
	if path == "" {
		return Default(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Layer(b, path)
}

// Layer returns the configuration b (named name in errors) laid over the
// embedded default: mappings merge key by key, at every depth, and any
// other value of b (a string, a number, a list, null) replaces the
// default's. So a file that sets only listen keeps the default grants of
// the reference plugins; "plugins: null" drops them all, and
// "plugins: {kvcounter: null}" those of one plugin. Errors are those of
// Parse on b alone, with its lines.
func Layer(b []byte, name string) (*File, error) {
	if _, err := Parse(b, name); err != nil {
		return nil, err
	}
	var base, over yaml.Node
	if err := yaml.Unmarshal(defaultYAML, &base); err != nil {
		return nil, fmt.Errorf("embedded default configuration: %w", err)
	}
	if err := yaml.Unmarshal(b, &over); err != nil {
		return nil, fmt.Errorf("config %s: %s", name, decodeError(err))
	}
	merged, err := yaml.Marshal(layer(document(&base), document(&over), ""))
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	return Parse(merged, name)
}

// document returns the value of a YAML document, nil for an empty one.
func document(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		return n.Content[0]
	}
	return nil
}

// layer returns over laid on base: mappings merge key by key,
// recursively, but the entries of plugins, which over replaces whole, so
// that an operator's entry for a plugin says all that the plugin is
// granted; any other value of over replaces base's. path is the key of
// base and over in the document, "" at its top.
func layer(base, over *yaml.Node, path string) *yaml.Node {
	if over == nil {
		return base
	}
	if base == nil || base.Kind != yaml.MappingNode || over.Kind != yaml.MappingNode {
		return over
	}
	out := *base
	out.Content = slices.Clone(base.Content)
next:
	for i := 0; i+1 < len(over.Content); i += 2 {
		key, value := over.Content[i], over.Content[i+1]
		for j := 0; j+1 < len(out.Content); j += 2 {
			if out.Content[j].Value == key.Value {
				if path == "plugins" {
					out.Content[j+1] = value
				} else {
					out.Content[j+1] = layer(out.Content[j+1], value, strings.TrimPrefix(path+"."+key.Value, "."))
				}
				continue next
			}
		}
		out.Content = append(out.Content, key, value)
	}
	return &out
}

// Parse decodes a configuration and fills in defaults. name is used in
// errors.
func Parse(b []byte, name string) (*File, error) {
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config %s: %s", name, decodeError(err))
	}
	f.fillDefaults()
	if err := f.validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	return &f, nil
}

func (f *File) fillDefaults() {
	if f.Listen == "" {
		f.Listen = "127.0.0.1:8080"
	}
	if f.PluginsDir == "" {
		f.PluginsDir = "plugins"
	}
	if f.CacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			dir = os.TempDir()
		}
		f.CacheDir = filepath.Join(dir, "gatehouse")
	}
	if f.Store == "" {
		f.Store = filepath.Join("data", "gatehouse.db")
	}
	if f.OpenC2.ConsumerID == "" {
		f.OpenC2.ConsumerID, _ = os.Hostname()
	}
	if f.OpenC2.History == 0 {
		f.OpenC2.History = 1000
	}
	if f.OpenC2.MaxRequestBytes == 0 {
		f.OpenC2.MaxRequestBytes = 64 << 10
	}
	if f.OpenC2.Store == "" {
		f.OpenC2.Store = filepath.Join(filepath.Dir(f.Store), "openc2.db")
	}
	f.OpenC2.MQTT.fillDefaults(f.OpenC2)
	if f.Proxy.SessionStore == "" && len(f.Proxy.Providers) > 0 {
		f.Proxy.SessionStore = filepath.Join(filepath.Dir(f.Store), "proxy.db")
	}
	f.Server.fillDefaults()
	if f.Log.Level == "" {
		f.Log.Level = "info"
	}
	if f.Log.Format == "" {
		f.Log.Format = "text"
	}
}

func (f *File) validate() error {
	if (f.TLS.Cert == "") != (f.TLS.Key == "") {
		return errors.New("tls: cert and key go together")
	}
	if f.TLS.ClientCA != "" && f.TLS.Cert == "" {
		return errors.New("tls.client_ca needs tls.cert and tls.key")
	}
	switch f.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log.level %q is not one of debug, info, warn, error", f.Log.Level)
	}
	switch f.Log.Format {
	case "text", "json":
	default:
		return fmt.Errorf("log.format %q is not text or json", f.Log.Format)
	}
	if f.ReloadWorkers < 0 {
		return fmt.Errorf("reload_workers %d is negative", f.ReloadWorkers)
	}
	if f.OpenC2.RateLimit < 0 {
		return fmt.Errorf("openc2.rate_limit %v is negative", f.OpenC2.RateLimit)
	}
	if f.OpenC2.History < 0 {
		return fmt.Errorf("openc2.history %d is negative", f.OpenC2.History)
	}
	if f.OpenC2.MaxRequestBytes < 0 {
		return fmt.Errorf("openc2.max_request_bytes %d is negative", f.OpenC2.MaxRequestBytes)
	}
	if err := f.OpenC2.MQTT.validate(); err != nil {
		return err
	}
	if err := f.Server.validate(); err != nil {
		return err
	}
	if f.Sim.MaxModelBytes < 0 {
		return fmt.Errorf("sim.max_model_bytes %d is negative", f.Sim.MaxModelBytes)
	}
	if f.Sim.MaxTicks < 0 {
		return fmt.Errorf("sim.max_ticks %d is negative", f.Sim.MaxTicks)
	}
	if f.Sim.MaxRuns < 0 {
		return fmt.Errorf("sim.max_runs %d is negative", f.Sim.MaxRuns)
	}
	if f.Sim.StallTimeout < 0 {
		return fmt.Errorf("sim.stall_timeout %s is negative", f.Sim.StallTimeout)
	}
	if f.Sim.MaxRunTime < 0 {
		return fmt.Errorf("sim.max_run_time %s is negative", f.Sim.MaxRunTime)
	}
	if f.Sim.MaxOutputBytes < 0 {
		return fmt.Errorf("sim.max_output_bytes %d is negative", f.Sim.MaxOutputBytes)
	}
	for _, ref := range slices.Sorted(maps.Keys(f.OpenC2.Actuators)) {
		r, err := host.ParseRef(ref)
		if err == nil && (r.Kind != "" || r.Plugin == "") {
			err = fmt.Errorf("%q is not PLUGIN/NAME, the actuator's reference", ref)
		}
		if err != nil {
			return fmt.Errorf("openc2.actuators: %w", err)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(f.Policy.Obligations)) {
		ref := f.Policy.Obligations[name]
		if ref == "" {
			return fmt.Errorf("policy.obligations.%s: name the component that carries it out", name)
		}
		if _, err := host.ParseRefOf(abi.KindObligation, ref); err != nil {
			return fmt.Errorf("policy.obligations.%s: %w", name, err)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(f.Policy.Providers)) {
		plugin := f.Policy.Providers[name]
		r, err := host.ParseRef(name)
		switch {
		case err == nil && r.Plugin != "":
			err = fmt.Errorf("%q names a plugin; write [KIND:]NAME: PLUGIN", name)
		case err == nil && (plugin == "" || strings.ContainsAny(plugin, ":/")):
			err = fmt.Errorf("%s: %q is not the name of a plugin", name, plugin)
		}
		if err != nil {
			return fmt.Errorf("policy.providers: %w", err)
		}
	}
	if _, err := policy.ParseCompat(f.Policy.Compat); err != nil {
		return fmt.Errorf("policy.compat: %w", err)
	}
	if err := f.Policy.DecisionLog.validate(len(f.Policy.Entities) > 0); err != nil {
		return err
	}
	if api := f.Policy.DecisionAPI; (api.TokenFile != "" || len(api.ObjectSetters) > 0 || len(api.Obligations) > 0) && len(f.Policy.Entities) == 0 {
		return errors.New("policy.decision_api needs policy.entities: without entities there is no decision API")
	}
	for _, ref := range slices.Sorted(maps.Keys(f.Policy.DecisionAPI.ObjectSetters)) {
		if _, err := host.ParseRefOf(abi.KindObject, ref); err != nil {
			return fmt.Errorf("policy.decision_api.object_setters: %w", err)
		}
		if err := proxy.CheckObjectSetter(f.Policy.DecisionAPI.ObjectSetters[ref]); err != nil {
			return fmt.Errorf("policy.decision_api.object_setters.%s.%w", ref, err)
		}
	}
	if err := f.Policy.validateAdmin(); err != nil {
		return err
	}
	if f.OpenC2.Authorization.PolicySet != "" && len(f.Policy.Entities) == 0 {
		return errors.New("openc2.authorization.policy_set needs policy.entities, the entities that hold it")
	}
	if err := f.Telemetry.Tracing.Validate(); err != nil {
		return err
	}
	if err := f.UI.validate(f); err != nil {
		return err
	}
	if err := f.Proxy.Validate(); err != nil {
		return prefixErrors("proxy.", err)
	}
	if f.Proxy.Enabled() && len(f.Policy.Entities) == 0 {
		return errors.New("proxy needs policy.entities, the entities that hold the policy sets of its services")
	}
	names := slices.Sorted(maps.Keys(f.Plugins))
	for _, name := range names {
		if err := f.Plugins[name].Validate(); err != nil {
			return prefixErrors("plugins."+name+".", err)
		}
	}
	return nil
}

// validateAdmin checks policy.admin: when enabled, its keys are set and
// its folder is one of policy.entities.
func (p *Policy) validateAdmin() error {
	a := p.Admin
	if !a.Enabled {
		return nil
	}
	for _, k := range []struct{ key, value string }{{"dir", a.Dir}, {"token_file", a.TokenFile}, {"policy_set", a.PolicySet}} {
		if k.value == "" {
			return fmt.Errorf("policy.admin.%s is required when policy.admin.enabled is true", k.key)
		}
	}
	if !slices.ContainsFunc(p.Entities, func(e string) bool { return filepath.Clean(e) == filepath.Clean(a.Dir) }) {
		return fmt.Errorf("policy.admin.dir %q is not one of policy.entities: the entities it writes would not be loaded", a.Dir)
	}
	return nil
}

func (s *Server) fillDefaults() {
	if s.ReadHeaderTimeout == 0 {
		s.ReadHeaderTimeout = 10 * time.Second
	}
	if s.ReadTimeout == 0 {
		s.ReadTimeout = time.Minute
	}
	if s.WriteTimeout == 0 {
		s.WriteTimeout = time.Minute
	}
	if s.IdleTimeout == 0 {
		s.IdleTimeout = 2 * time.Minute
	}
	if s.MaxConnections == 0 {
		s.MaxConnections = 1024
	}
	if s.MaxHeaderBytes == 0 {
		s.MaxHeaderBytes = 64 << 10
	}
}

func (s *Server) validate() error {
	for _, d := range []struct {
		key string
		v   time.Duration
	}{
		{"read_header_timeout", s.ReadHeaderTimeout}, {"read_timeout", s.ReadTimeout},
		{"write_timeout", s.WriteTimeout}, {"idle_timeout", s.IdleTimeout},
	} {
		if d.v < 0 {
			return fmt.Errorf("server.%s %s is negative", d.key, d.v)
		}
	}
	if s.MaxConnections < 0 {
		return fmt.Errorf("server.max_connections %d is negative", s.MaxConnections)
	}
	if s.MaxHeaderBytes < 0 {
		return fmt.Errorf("server.max_header_bytes %d is negative", s.MaxHeaderBytes)
	}
	return nil
}

func (d *DecisionLog) validate(entities bool) error {
	if d.Path == "" {
		if len(d.Mask) > 0 {
			return errors.New("policy.decision_log.mask needs policy.decision_log.path, the file to write")
		}
		return nil
	}
	if !entities {
		return errors.New("policy.decision_log needs policy.entities: without entities there are no decisions to log")
	}
	if _, err := decisionlog.NewMask(d.Mask); err != nil {
		return fmt.Errorf("policy.decision_log.%w", err)
	}
	return nil
}

// prefixErrors returns err, or each error joined in err, on one line with
// prefix before each message.
func prefixErrors(prefix string, err error) error {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = prefix + e.Error()
	}
	return errors.New(strings.Join(msgs, "; "))
}

// Messages of yaml.TypeError that decodeError rewrites.
var (
	unknownField = regexp.MustCompile(`^(line \d+): field (\S+) not found in type \S+$`)
	notDuration  = regexp.MustCompile("^(line \\d+): cannot unmarshal !!\\w+ (`[^`]*`) into time\\.Duration$")
)

// decodeError returns the message of a decoding error on one line, naming
// unknown keys and durations as a reader of the file knows them rather
// than by their Go types.
func decodeError(err error) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return strings.TrimPrefix(err.Error(), "yaml: ")
	}
	msgs := make([]string, len(te.Errors))
	for i, m := range te.Errors {
		m = unknownField.ReplaceAllString(m, `$1: unknown key "$2"`)
		m = notDuration.ReplaceAllString(m, `$1: $2 is not a duration such as 500ms, 2s or 1m`)
		msgs[i] = m
	}
	return strings.Join(msgs, "; ")
}

// Host returns the host configuration.
func (f *File) Host() host.Config {
	return host.Config{
		PluginDir:     f.PluginsDir,
		CacheDir:      f.CacheDir,
		ReloadWorkers: f.ReloadWorkers,
		StorePath:     f.Store,
		Limits:        f.Limits,
		Plugins:       f.Plugins,
	}
}

func (m *OpenC2MQTT) fillDefaults(o OpenC2) {
	if m.URL == "" && m.Broker.Listen != "" {
		scheme := "mqtt"
		if m.Broker.Cert != "" {
			scheme = "mqtts"
		}
		m.URL = scheme + "://" + m.Broker.Listen
	}
	if m.DeviceID == "" {
		m.DeviceID = o.ConsumerID
	}
	if m.ClientID == "" {
		m.ClientID = "gatehouse-" + m.DeviceID
	}
	if m.SessionExpiry == 0 {
		m.SessionExpiry = time.Hour
	}
	if m.MaxMessageBytes == 0 {
		m.MaxMessageBytes = int(o.MaxRequestBytes)
	}
}

func (m *OpenC2MQTT) validate() error {
	switch {
	case m.URL != "" && !strings.HasPrefix(m.URL, "mqtt://") && !strings.HasPrefix(m.URL, "mqtts://"):
		return fmt.Errorf("openc2.mqtt.url %q is not mqtt://host[:port] or mqtts://host[:port]", m.URL)
	case m.SessionExpiry < 0:
		return fmt.Errorf("openc2.mqtt.session_expiry %s is negative", m.SessionExpiry)
	case m.MaxMessageBytes < 0:
		return fmt.Errorf("openc2.mqtt.max_message_bytes %d is negative", m.MaxMessageBytes)
	case m.Seen < 0:
		return fmt.Errorf("openc2.mqtt.seen %d is negative", m.Seen)
	case (m.Cert == "") != (m.Key == ""):
		return errors.New("openc2.mqtt: cert and key go together")
	case (m.Broker.Cert == "") != (m.Broker.Key == ""):
		return errors.New("openc2.mqtt.broker: cert and key go together")
	case (m.PasswordFile != "") && m.Username == "":
		return errors.New("openc2.mqtt.password_file needs openc2.mqtt.username")
	}
	return nil
}
