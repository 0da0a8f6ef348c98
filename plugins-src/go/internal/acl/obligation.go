package acl

import (
	"errors"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/registry"
)

// LogObligation is one of ARPOC's log obligations: it logs the decisions it
// is for and lets the others pass. Either way it is fulfilled; a request
// it cannot read is an error, which fails the obligation closed.
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

// handler returns the obligation's handler, which writes its line with
// logLine.
func (o LogObligation) handler(logLine func(string)) registry.ObligationFunc {
	return func(req abi.ObligeRequest) (abi.ObligeReply, error) {
		switch req.Decision {
		case abi.DecisionGrant, abi.DecisionDeny, abi.DecisionNotApplicable:
		default:
			return abi.ObligeReply{}, abi.Errorf(abi.CodeInvalidRequest,
				"%s: decision %q is not GRANT, DENY or NOT_APPLICABLE", o.Name, req.Decision)
		}
		format, err := logFormat(req.Config)
		if err != nil {
			return abi.ObligeReply{}, abi.Errorf(abi.CodeInvalidRequest, "%s: %v", o.Name, err)
		}
		if o.Logs(req.Decision) {
			logLine(LogLine(o.Name, format, req.Decision, req.Context))
		}
		return abi.ObligeReply{Fulfilled: true}, nil
	}
}

// logFormat returns the configured log_format, "" when there is none.
func logFormat(config map[string]any) (string, error) {
	v, ok := config["log_format"]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", errors.New("config log_format: want a string")
	}
	return s, nil
}
