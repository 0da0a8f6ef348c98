// Package authz authorizes OpenC2 commands with the access-control
// engine: an Authorizer for the HTTPS transfer (package openc2/https)
// that asks a policy set whether the producer may have the command carried
// out, before the consumer dispatches it.
//
// The request the policy set decides on:
//
//	subject      the producer: the claims of its bearer token, when the
//	             request has one and Tokens verifies it, and from its client
//	             certificate under mutual TLS (empty without either):
//	  common_name          the subject's common name
//	  organization         the subject's organisations, a list
//	  organizational_unit  the subject's organisational units, a list
//	  dns_names            the DNS names of the subject alternative names, a list
//	  email_addresses      the email addresses of the subject alternative names, a list
//	  issuer               the issuer's common name
//	  fingerprint_sha256   the SHA-256 of the certificate (DER), lower-case hex
//	object       the command's target:
//	  profile              the actuator's profile ("slpf"), else the namespace of
//	                       an extension target ("slpf" of "slpf:rule_number"), else absent
//	  target_type          the target's type: "ipv4_net", "features", ...
//	  target               the target's value as in JSON: a string, a list or
//	                       an object of its fields
//	  actuator             the actuator specifiers, an object, when the command names them
//	access       the command itself:
//	  action               "deny", "query", ...
//	  request_id           the command's request_id
//	  args                 the arguments, an object, when the command has them
//	  remote_addr          the producer's network address
//
// A claim of the token named like one of the certificate's attributes
// gives way to the certificate's. Attributes that a token, a certificate
// or a command does not have are absent, so that "exists
// subject.email_addresses" tells. Only a GRANT lets the command through;
// anything else refuses it with the reason. A bearer token that does not
// verify, or that comes while Tokens is nil, refuses the command as
// unauthenticated (HTTP 401), without a decision.
package authz

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"strings"

	"github.com/gatehouse/gatehouse/abi/jsonnum"
	"github.com/gatehouse/gatehouse/openc2/consumer"
	"github.com/gatehouse/gatehouse/openc2/https"
	"github.com/gatehouse/gatehouse/policy"
)

// Authorizer is an https.Authorizer that asks Decider to decide each
// command with PolicySet.
type Authorizer struct {
	Decider   policy.Decider
	PolicySet string
	// Tokens verifies a bearer token and returns its subject's claims.
	// Without it, requests with a bearer token are refused.
	Tokens func(ctx context.Context, token string) (map[string]any, error)
}

// Authorize returns nil when the policy set grants the command, else an
// error that says why not: the result and its cause (a failed
// evaluation, an obligation not fulfilled, missing attributes), or the
// failure to decide at all.
func (a *Authorizer) Authorize(ctx context.Context, req https.Request) error {
	var claims map[string]any
	if req.Token != "" {
		if a.Tokens == nil {
			return fmt.Errorf("%w: this consumer takes no bearer tokens", https.ErrUnauthenticated)
		}
		var err error
		if claims, err = a.Tokens(ctx, req.Token); err != nil {
			return fmt.Errorf("%w: the bearer token: %v", https.ErrUnauthenticated, err)
		}
	}
	attrs, err := Attributes(req, claims)
	if err != nil {
		return err
	}
	return a.decide(ctx, attrs, claims)
}

// decide asks the policy set about attrs, and completes the Origin of ctx
// with the decision and the subject of claims.
func (a *Authorizer) decide(ctx context.Context, attrs policy.Attributes, claims map[string]any) error {
	d, err := a.Decider.Decide(ctx, policy.Request{PolicySet: a.PolicySet, Attributes: attrs})
	if err != nil {
		return fmt.Errorf("the policy could not decide: %w", err)
	}
	if o := consumer.OriginOf(ctx); o != nil {
		if sub, ok := claims["sub"].(string); ok && sub != "" {
			o.Requester = sub
		}
		o.Decision = fmt.Sprintf("policy set %q: %s", d.PolicySet, d.Result)
	}
	if d.Granted() {
		return nil
	}
	return Refusal(&d)
}

// Refusal says why d does not grant: the result, then the evaluation's
// error or the first obligation not fulfilled, and the missing attributes.
func Refusal(d *policy.Decision) error {
	why := fmt.Sprintf("policy set %q: %s", d.PolicySet, d.Result)
	switch {
	case d.Error != "":
		why += ": " + d.Error
	case d.Effect == policy.Grant:
		for _, o := range d.Obligations {
			if !o.Fulfilled {
				why += fmt.Sprintf(": obligation %s not fulfilled", o.Name)
				if o.Reason != "" {
					why += " (" + o.Reason + ")"
				}
				break
			}
		}
	}
	if len(d.Missing) > 0 {
		why += "; missing " + strings.Join(d.Missing, ", ")
	}
	return fmt.Errorf("%s", why)
}

// Attributes returns the attributes of req, with the claims of its
// verified bearer token, as the package documentation lists them.
func Attributes(req https.Request, claims map[string]any) (policy.Attributes, error) {
	cmd := req.Message.Request
	object := map[string]any{"target_type": cmd.Target.Name}
	target, err := generic(cmd.Target)
	if err != nil {
		return policy.Attributes{}, fmt.Errorf("target: %w", err)
	}
	object["target"] = target.(map[string]any)[cmd.Target.Name]
	if nsid, _, ok := strings.Cut(cmd.Target.Name, ":"); ok {
		object["profile"] = nsid
	}
	if cmd.Actuator != nil {
		object["profile"] = cmd.Actuator.Profile
		act, err := generic(cmd.Actuator)
		if err != nil {
			return policy.Attributes{}, fmt.Errorf("actuator: %w", err)
		}
		object["actuator"] = act.(map[string]any)[cmd.Actuator.Profile]
	}
	access := map[string]any{"action": string(cmd.Action)}
	if req.RemoteAddr != "" {
		access["remote_addr"] = req.RemoteAddr
	}
	if req.Message.Headers != nil && req.Message.Headers.RequestID != "" {
		access["request_id"] = req.Message.Headers.RequestID
	}
	if cmd.Args != nil {
		args, err := generic(cmd.Args)
		if err != nil {
			return policy.Attributes{}, fmt.Errorf("args: %w", err)
		}
		access["args"] = args
	}
	return policy.Attributes{Subject: Subject(claims, req.Peer), Object: object, Access: access}, nil
}

// Subject returns the claims with the attributes of the client certificate
// c over them, as the package documentation lists them, or an empty map
// without either.
func Subject(claims map[string]any, c *x509.Certificate) map[string]any {
	s := maps.Clone(claims)
	if s == nil {
		s = map[string]any{}
	}
	if c == nil {
		return s
	}
	sum := sha256.Sum256(c.Raw)
	s["fingerprint_sha256"] = hex.EncodeToString(sum[:])
	put := func(key, v string) {
		if v != "" {
			s[key] = v
		}
	}
	list := func(key string, vs []string) {
		if len(vs) > 0 {
			l := make([]any, len(vs))
			for i, v := range vs {
				l[i] = v
			}
			s[key] = l
		}
	}
	put("common_name", c.Subject.CommonName)
	put("issuer", c.Issuer.CommonName)
	list("organization", c.Subject.Organization)
	list("organizational_unit", c.Subject.OrganizationalUnit)
	list("dns_names", c.DNSNames)
	list("email_addresses", c.EmailAddresses)
	return s
}

// generic returns v as JSON would decode it into an any, with numbers as
// jsonnum.Convert converts them.
func generic(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return jsonnum.Convert(out)
}

// Compile-time check that an Authorizer is an https.Authorizer.
var _ https.Authorizer = (*Authorizer)(nil)
