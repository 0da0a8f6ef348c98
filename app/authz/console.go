package authz

import (
	"context"

	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/https"
)

// ConsoleSubject is the subject.console attribute of a command sent from
// the web console: its user, who holds one of its admin tokens, or who
// reached a console without a login on loopback.
const ConsoleSubject = "admin"

// Console is the authorizer of commands sent from the web console's
// OpenC2 page: the same policy set decides, on the attributes of a command
// over HTTPS without a certificate or token, and
//
//	subject.console     "admin", the console's user
//	access.transfer     "console"
//	access.remote_addr  the browser's network address
type Console struct{ *Authorizer }

// Authorize returns nil when the policy set grants the command msg, sent
// from the browser at remoteAddr, else an error that says why not, as
// Authorizer.Authorize does.
func (c Console) Authorize(ctx context.Context, msg *openc2.Message, remoteAddr string) error {
	attrs, err := Attributes(https.Request{Message: msg, RemoteAddr: remoteAddr}, nil)
	if err != nil {
		return err
	}
	attrs.Subject["console"] = ConsoleSubject
	attrs.Access["transfer"] = "console"
	return c.decide(ctx, attrs, nil)
}
