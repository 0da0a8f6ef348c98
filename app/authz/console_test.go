package authz_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/app/authz"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/consumer"
	"github.com/gatehouse/gatehouse/policy"
)

// recordingDecider keeps the requests it decides and answers result.
type recordingDecider struct {
	result policy.Result
	got    []policy.Request
}

func (d *recordingDecider) Decide(_ context.Context, req policy.Request) (policy.Decision, error) {
	d.got = append(d.got, req)
	return policy.Decision{PolicySet: req.PolicySet, Result: d.result}, nil
}

// TestConsoleAuthorize decides on a command of the web console with the
// user's claims as the subject, the console as the transfer and the login,
// and records the decision, but not a claim, in the command's origin.
func TestConsoleAuthorize(t *testing.T) {
	msg, err := openc2.DecodeMessage([]byte(`{"headers":{"request_id":"console-1"},"body":{"openc2":{"request":{"action":"deny","target":{"ipv4_net":"192.0.2.0/24"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	d := &recordingDecider{result: policy.Grant}
	c := authz.Console{Authorizer: &authz.Authorizer{Decider: d, PolicySet: "openc2"}}
	origin := &consumer.Origin{Requester: "console:idp:alice"}
	ctx := consumer.WithOrigin(context.Background(), origin)
	if err := c.Authorize(ctx, msg, "127.0.0.1:5000", map[string]any{"sub": "a-1", "preferred_username": "alice"}, "oidc"); err != nil {
		t.Fatalf("a granted command: %v", err)
	}
	want := policy.Attributes{
		Subject: map[string]any{"sub": "a-1", "preferred_username": "alice"},
		Object:  map[string]any{"target_type": "ipv4_net", "target": "192.0.2.0/24"},
		Access:  map[string]any{"action": "deny", "request_id": "console-1", "remote_addr": "127.0.0.1:5000", "transfer": "console", "login": "oidc"},
	}
	if len(d.got) != 1 || !reflect.DeepEqual(d.got[0].Attributes, want) || d.got[0].PolicySet != "openc2" {
		t.Errorf("decided %#v\nwant %#v", d.got, want)
	}
	if origin.Requester != "console:idp:alice" || origin.Decision != `policy set "openc2": GRANT` {
		t.Errorf("origin %+v", origin)
	}
	d.result = policy.Deny
	err = c.Authorize(ctx, msg, "127.0.0.1:5000", map[string]any{}, "token")
	if err == nil || !strings.Contains(err.Error(), `policy set "openc2": DENY`) {
		t.Errorf("a denied command: %v", err)
	}
}
