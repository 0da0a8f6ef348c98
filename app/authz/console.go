package authz

import (
	"context"
	"maps"

	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/https"
)

// Console is the authorizer of commands sent from the web console's
// OpenC2 page: the same policy set decides, on the attributes of a command
// over HTTPS without a certificate or token, and
//
//	subject             the console user's: the claims of an OIDC login,
//	                    none for a token login or a console without a login
//	access.transfer     "console"
//	access.login        how the user logged in: "token", "oidc" or "none"
//	access.remote_addr  the browser's network address
type Console struct{ *Authorizer }

// Authorize returns nil when the policy set grants the command msg, sent
// from the browser at remoteAddr by the user of subject, who logged in
// by login, else an error that says why not, as Authorizer.Authorize does.
func (c Console) Authorize(ctx context.Context, msg *openc2.Message, remoteAddr string, subject map[string]any, login string) error {
	attrs, err := Attributes(https.Request{Message: msg, RemoteAddr: remoteAddr}, nil)
	if err != nil {
		return err
	}
	maps.Copy(attrs.Subject, subject)
	attrs.Access["transfer"] = "console"
	attrs.Access["login"] = login
	return c.decide(ctx, attrs, nil) // the history names the console's user, not a claim
}
