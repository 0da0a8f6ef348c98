package slpf

import (
	"fmt"

	"github.com/gatehouse/gatehouse/abi"
)

// Refusal is a command the actuator answers with an OpenC2 status other than
// 200, as SLPF v1.0 section 2.3 asks: 400 for a command it cannot parse, 500
// for a rule it could not add or remove, 501 for a command, target or
// option it does not support.
type Refusal struct {
	Status int
	Text   string
}

// refuse returns a Refusal with a formatted status text.
func refuse(status int, format string, args ...any) *Refusal {
	return &Refusal{Status: status, Text: fmt.Sprintf(format, args...)}
}

// Error returns the status and its text.
func (r *Refusal) Error() string { return fmt.Sprintf("%d: %s", r.Status, r.Text) }

// Reply returns the OpenC2 response that carries the refusal.
func (r *Refusal) Reply() abi.ActuateReply {
	return abi.ActuateReply{Status: r.Status, StatusText: r.Text}
}
