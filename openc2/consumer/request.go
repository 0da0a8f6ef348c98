package consumer

import (
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/openc2"
)

// abiCommand returns cmd in the shape the ABI carries it (abi/README.md,
// section 6.2): its generic form without start_time, stop_time and
// duration. Those are the consumer's: an actuator gets the command when it
// starts, and a delete of its rule when it stops.
func abiCommand(cmd *openc2.Command) (abi.Command, error) {
	c := *cmd
	if a := cmd.Args; a != nil {
		rest := *a
		rest.StartTime, rest.StopTime, rest.Duration = nil, nil, nil
		c.Args = &rest
		if rest.ResponseRequested == "" && rest.SLPF == nil && len(rest.Extensions) == 0 {
			c.Args = nil
		}
	}
	g, err := openc2.CommandToGeneric(&c)
	return abi.Command(g), err
}

// responseOf returns the LS v1.0 response an actuator's reply stands for,
// read from its generic form as strictly as openc2.DecodeResponse reads
// JSON. Empty results are none, as the ABI's encoders leave an empty map
// out; bytes of the status text that are not UTF-8 become U+FFFD rather
// than failing a command that was carried out.
func responseOf(reply abi.ActuateReply) (*openc2.Response, error) {
	reply.StatusText = strings.ToValidUTF8(reply.StatusText, "\uFFFD")
	if len(reply.Results) == 0 {
		reply.Results = nil
	}
	return openc2.ResponseFromGeneric(openc2.GenericResponse(reply))
}

// specifiers returns the profile that ac, a command in the shape the ABI
// carries it, names and its actuator specifiers, or "" and nil when it
// names none.
func specifiers(ac abi.Command) (string, map[string]any, error) {
	for profile, v := range ac.Actuator {
		m, ok := v.(map[string]any)
		if !ok {
			return "", nil, fmt.Errorf("actuator specifiers %s: not an object", profile)
		}
		return profile, m, nil
	}
	return "", nil, nil
}
