package app

import (
	"context"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/gatehouse/gatehouse/app/authz"
	"github.com/gatehouse/gatehouse/app/config"
	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/pap"
)

// startAdmin makes the policy administration of policy.admin, when it is
// enabled: a store over its folder, which must be one, that puts changes
// in use through the decision point in use, the tokens of its token file,
// and the authorization of each change by its policy set.
func (d *decisions) startAdmin(f config.Admin, logger *slog.Logger) error {
	if !f.Enabled {
		return nil
	}
	if fi, err := os.Stat(f.Dir); err != nil || !fi.IsDir() {
		if err == nil {
			err = fmt.Errorf("%s is not a folder", f.Dir)
		}
		return fmt.Errorf("policy.admin.dir: %v", err)
	}
	tokens, err := readNamedTokens(f.TokenFile)
	if err != nil {
		return fmt.Errorf("policy.admin.token_file: %v", err)
	}
	warnUnloadedAt(d.point.Load(), f.PolicySet, "policy.admin.policy_set", "every change is refused until it is", logger)
	d.admin = pap.Options{
		Store: &pap.Store{
			Dir:    f.Dir,
			Paths:  func() []string { return d.point.Load().Status().Entities },
			Reload: func() { d.point.Load().Reload() },
		},
		Tokens:    tokens,
		Authorize: d.authorizeChange(f.PolicySet),
	}
	d.adminSet = f.PolicySet
	return nil
}

// adminOptions returns the options of the policy administration's
// routes over d, which may be nil: without entities, or with
// policy.admin off, they have no store.
func (d *decisions) adminOptions() pap.Options {
	if d == nil {
		return pap.Options{}
	}
	return d.admin
}

// authorizeChange returns the authorization of changes of entities by the
// policy set set, deciding with the entities in use:
//
//	subject  name: the token's subject, with the attributes of the client
//	         certificate under mutual TLS (as OpenC2 authorization has them)
//	object   id, and kind ("PolicySet", "Policy", "Rule") when a definition
//	         gives it
//	access   action: "put", "delete" or "check"; remote_addr
//
// Only a GRANT lets a change through.
func (d *decisions) authorizeChange(set string) func(context.Context, pap.Request) error {
	decider := d.Decider("admin")
	return func(ctx context.Context, r pap.Request) error {
		var peer *x509.Certificate
		if t := r.HTTP.TLS; t != nil && len(t.PeerCertificates) > 0 {
			peer = t.PeerCertificates[0]
		}
		return decideChange(ctx, decider, set, authz.Subject(map[string]any{"name": r.Subject}, peer), r.ID, r.Kind,
			map[string]any{"action": r.Action, "remote_addr": r.HTTP.RemoteAddr})
	}
}

// decideChange decides with decider whether the policy set set grants
// subject the change of entity id of kind, with the access attributes
// access: nil when it does, else why not.
func decideChange(ctx context.Context, decider policy.Decider, set string, subject map[string]any, id, kind string, access map[string]any) error {
	object := map[string]any{"id": id}
	if kind != "" {
		object["kind"] = kind
	}
	dec, err := decider.Decide(ctx, policy.Request{PolicySet: set, Attributes: policy.Attributes{
		Subject: subject, Object: object, Access: access,
	}})
	if err != nil {
		return fmt.Errorf("the policy could not decide: %w", err)
	}
	if dec.Granted() {
		return nil
	}
	return authz.Refusal(&dec)
}

// readNamedTokens returns the bearer tokens of file, each with the name of
// its subject: one "NAME TOKEN" a line; blank lines and lines starting
// with # aside.
func readNamedTokens(file string) (map[string]string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	tokens := map[string]string{}
	n := 0
	for line := range strings.Lines(string(b)) {
		n++
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if len(fields) != 2 {
			return nil, fmt.Errorf("%s:%d: want NAME TOKEN, the subject's name and its token", file, n)
		}
		if _, dup := tokens[fields[1]]; dup {
			return nil, fmt.Errorf("%s:%d: the token of %s is another subject's too", file, n, fields[0])
		}
		tokens[fields[1]] = fields[0]
	}
	if len(tokens) == 0 {
		return nil, fmt.Errorf("%s holds no token", file)
	}
	return tokens, nil
}
