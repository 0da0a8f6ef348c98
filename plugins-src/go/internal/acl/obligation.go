package acl

import (
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/registry"
)

// LogObligation is one of ARPOC's log obligations: it logs the decisions it
// is for and lets the others pass. It writes to the host log, or, when its
// configuration names a sink, to that sink of the host's sink capability.
// It is fulfilled when it has written the line or has nothing to write;
// a line the sink did not take leaves it unfulfilled, with the sink's
// error as the reason, and a request it cannot read is an error: either
// way access is denied.
type LogObligation struct {
	Name        string
	Description string
	// Logs reports whether the obligation logs a decision.
	Logs func(abi.Decision) bool
}

// Obligations are the log obligations, under ARPOC's names.
var Obligations = []LogObligation{
	{"obl_log", "logs every decision with its context", func(abi.Decision) bool { return true }},
	{"obl_log_successful", "logs granted accesses with their context",
		func(d abi.Decision) bool { return d == abi.DecisionGrant }},
	{"obl_log_failed", "logs denied and not applicable accesses with their context",
		func(d abi.Decision) bool { return d != abi.DecisionGrant }},
}

// ConfigKeys are the configuration keys the log obligations read.
var ConfigKeys = []string{"log_format", "sink"}

// Writer writes a line to the sink named to, or to the host log when to is
// empty.
type Writer func(to, line string) error

// handler returns the obligation's handler, which writes its line with
// write.
func (o LogObligation) handler(write Writer) registry.ObligationFunc {
	return func(req abi.ObligeRequest) (abi.ObligeReply, error) {
		switch req.Decision {
		case abi.DecisionGrant, abi.DecisionDeny, abi.DecisionNotApplicable:
		default:
			return abi.ObligeReply{}, abi.Errorf(abi.CodeInvalidRequest,
				"%s: decision %q is not GRANT, DENY or NOT_APPLICABLE", o.Name, req.Decision)
		}
		format, err := configString(req.Config, "log_format", "a string")
		if err != nil {
			return abi.ObligeReply{}, abi.Errorf(abi.CodeInvalidRequest, "%s: %v", o.Name, err)
		}
		to, err := configString(req.Config, "sink", "the name of a sink, a string")
		if err != nil {
			return abi.ObligeReply{}, abi.Errorf(abi.CodeInvalidRequest, "%s: %v", o.Name, err)
		}
		if !o.Logs(req.Decision) {
			return abi.ObligeReply{Fulfilled: true}, nil
		}
		if err := write(to, LogLine(o.Name, format, req.Decision, req.Context)); err != nil {
			return abi.ObligeReply{Reason: fmt.Sprintf("%s: sink %s: %v", o.Name, to, err)}, nil
		}
		return abi.ObligeReply{Fulfilled: true}, nil
	}
}

// configString returns the string under key in config, "" when there is
// none; its error names the key and what is wanted.
func configString(config map[string]any, key, want string) (string, error) {
	v, ok := config[key]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", errors.New("config " + key + ": want " + want)
	}
	return s, nil
}
