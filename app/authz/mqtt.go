package authz

import (
	"context"

	"github.com/gatehouse/gatehouse/openc2/https"
	"github.com/gatehouse/gatehouse/openc2/mqtt"
)

// MQTT is the mqtt.Authorizer of commands that come over MQTT: the same
// policy set decides, on the attributes of a command over HTTPS without a
// certificate or token, and
//
//	subject.from           the command's headers.from, as the producer wrote it
//	subject.mqtt_username  the publisher's username, when the broker vouches for it
//	access.transfer        "mqtt"
//	access.topic           the topic the command came on
type MQTT struct{ *Authorizer }

// Authorize returns nil when the policy set grants the command, else an
// error that says why not, as Authorizer.Authorize does.
func (m MQTT) Authorize(ctx context.Context, req mqtt.Request) error {
	attrs, err := Attributes(https.Request{Message: req.Message}, nil)
	if err != nil {
		return err
	}
	if h := req.Message.Headers; h != nil && h.From != "" {
		attrs.Subject["from"] = h.From
	}
	if req.Publisher != "" {
		attrs.Subject["mqtt_username"] = req.Publisher
	}
	attrs.Access["transfer"] = "mqtt"
	attrs.Access["topic"] = req.Topic
	return m.decide(ctx, attrs, nil)
}
