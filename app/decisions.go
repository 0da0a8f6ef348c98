package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/gatehouse/gatehouse/app/attrs"
	"github.com/gatehouse/gatehouse/app/authz"
	"github.com/gatehouse/gatehouse/app/config"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/telemetry"
	"github.com/gatehouse/gatehouse/openc2/https"
	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/decisionapi"
	"github.com/gatehouse/gatehouse/policy/decisionlog"
	"github.com/gatehouse/gatehouse/policy/pap"
	"github.com/gatehouse/gatehouse/policy/pdp"
	"github.com/gatehouse/gatehouse/policy/proxy"
)

// decisions is the access control of serve: the policy decision point
// over policy.entities and the decision log. Every part of the server
// that decides access asks Decider for its policy.Decider, which decides
// with the point in use: a reload of the configuration replaces it.
type decisions struct {
	point atomic.Pointer[pdp.Point]
	log   *decisionlog.Log // nil without policy.decision_log
	host  *host.Host
	tel   *telemetry.Telemetry
	// api is the configuration of the decision API.
	api config.DecisionAPI
	// tokens are those of api.TokenFile.
	tokens []string
	// providers chooses among plugins that provide a name: those of the
	// policy.providers in effect, which a reload replaces.
	providers atomic.Pointer[attrs.Providers]
	// admin are the options of the policy administration's routes, and
	// adminSet the policy set that authorizes changes.
	admin    pap.Options
	adminSet string
}

// startDecisions starts the policy decision point of serve over the
// configured policy.entities, deciding with the environment setters and
// obligations of h's plugins (obligations named through
// policy.obligations), and opens the decision log; tel counts and traces
// the decisions. It returns nil when no entities are configured.
func startDecisions(f *config.File, h *host.Host, tel *telemetry.Telemetry, logger *slog.Logger) (*decisions, error) {
	if len(f.Policy.Entities) == 0 {
		return nil, nil
	}
	p, err := startPoint(f, h, logger)
	if err != nil {
		return nil, err
	}
	d := &decisions{host: h, tel: tel, api: f.Policy.DecisionAPI}
	d.point.Store(p)
	d.setProviders(f)
	if file := d.api.TokenFile; file != "" {
		if d.tokens, err = readTokens(file); err != nil {
			_ = p.Close()
			return nil, fmt.Errorf("policy.decision_api.token_file: %v", err)
		}
	}
	if dl := f.Policy.DecisionLog; dl.Path != "" {
		if d.log, err = decisionlog.Open(dl.Path, dl.Mask, logger); err != nil {
			_ = p.Close()
			return nil, fmt.Errorf("policy.decision_log.path: %v", err)
		}
	}
	// After the decision log, which the authorization of changes writes.
	if err := d.startAdmin(f.Policy.Admin, logger); err != nil {
		return nil, errors.Join(err, d.Close())
	}
	return d, nil
}

// startPoint starts a policy decision point over f's policy.entities,
// deciding with the environment setters and obligations of h's plugins.
func startPoint(f *config.File, h *host.Host, logger *slog.Logger) (*pdp.Point, error) {
	p, err := pdp.Start(pdp.Config{Entities: f.Policy.Entities, Engine: policyEngine(f, h), Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("policy.entities: %v", err)
	}
	return p, nil
}

// setProviders puts f's policy.providers in use for the object setters.
func (d *decisions) setProviders(f *config.File) {
	p := attrs.Providers(f.Policy.Providers)
	d.providers.Store(&p)
}

// replace puts the decision point p in use and closes the one it
// replaces; decisions under way finish with the old one.
func (d *decisions) replace(p *pdp.Point) error {
	return d.point.Swap(p).Close()
}

// Decide decides req with the decision point in use.
func (d *decisions) Decide(ctx context.Context, req policy.Request) (policy.Decision, error) {
	return d.point.Load().Decide(ctx, req)
}

// Decider returns the decision point, with each decision written to the
// decision log, if there is one, counted and traced, as coming from source
// ("api", "openc2", "proxy", "admin"). Without entities (d is nil) it returns nil.
func (d *decisions) Decider(source string) policy.Decider {
	if d == nil {
		return nil
	}
	var next policy.Decider = d
	if d.log != nil {
		next = d.log.Decider(d, source)
	}
	return d.tel.Decider(next, source)
}

// readTokens returns the bearer tokens of file, one a line.
func readTokens(file string) ([]string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var tokens []string
	for line := range strings.Lines(string(b)) {
		if t := strings.TrimSpace(line); t != "" {
			tokens = append(tokens, t)
		}
	}
	if len(tokens) == 0 {
		return nil, fmt.Errorf("%s holds no token", file)
	}
	return tokens, nil
}

// apiOptions returns the options of the decision API over d, which may be
// nil: the object setters of policy.decision_api.object_setters among the
// object components of the host, and the tokens of its token_file.
func (d *decisions) apiOptions() decisionapi.Options {
	if d == nil {
		return decisionapi.Options{}
	}
	opts := decisionapi.Options{
		Ready:       d.host.Ready,
		Decider:     d.Decider("api"),
		Status:      func() pdp.Status { return d.point.Load().Status() },
		Snapshot:    func() *policy.Snapshot { return d.point.Load().Snapshot() },
		Tokens:      d.tokens,
		Obligations: d.api.Obligations,
	}
	if len(d.api.ObjectSetters) > 0 {
		opts.ObjectSetters = func() ([]policy.ObjectSetter, error) {
			return attrs.ConfiguredObjectSetters(d.host, d.api.ObjectSetters, *d.providers.Load())
		}
	}
	return opts
}

// openc2Authorizer returns the authorizer of OpenC2 commands by the policy
// set set over d, or nil when set is empty. A policy set that is not
// loaded now is reported: until it is, every command is refused. Bearer
// tokens verify against the OpenID Connect providers of pep, when there
// is a proxy; without one they are refused.
func (d *decisions) openc2Authorizer(set string, pep *proxy.Proxy, logger *slog.Logger) https.Authorizer {
	if d == nil || set == "" {
		return nil
	}
	warnUnloaded(d.point.Load(), set, logger)
	a := &authz.Authorizer{Decider: d.Decider("openc2"), PolicySet: set}
	if pep != nil {
		a.Tokens = pep.VerifyBearer
	}
	return a
}

// warnUnloaded warns when the policy set of OpenC2 authorization, set, is
// not among those p has loaded: until it is, every command is refused.
func warnUnloaded(p *pdp.Point, set string, logger *slog.Logger) {
	warnUnloadedAt(p, set, "openc2.authorization.policy_set", "every command is refused until it is", logger)
}

// warnUnloadedAt warns when set, the policy set of the configuration's
// key, is not among those p has loaded, saying what follows.
func warnUnloadedAt(p *pdp.Point, set, key, follows string, logger *slog.Logger) {
	if set != "" && !slices.Contains(p.Status().PolicySets, set) {
		logger.Warn(key+" is not loaded: "+follows, "policy_set", set)
	}
}

// Close stops watching the entity files and closes the decision log, once
// no request is being served.
func (d *decisions) Close() error {
	if d == nil {
		return nil
	}
	err := d.point.Load().Close()
	if d.log != nil {
		err = errors.Join(err, d.log.Close())
	}
	return err
}
