package consumer

import (
	"fmt"

	"github.com/gatehouse/gatehouse/openc2"
)

// check applies the rules of LS v1.0 and SLPF v1.0 that are the consumer's
// rather than an actuator's, and returns a 400 response for a command that
// breaks one, or nil. The codec has already checked each field on its own;
// these rules concern combinations.
//
//   - 'query features' takes no argument but response_requested "complete"
//     (LS v1.0 section 4.1).
//   - insert_rule needs response_requested "complete", explicit or by
//     default, since the producer must learn the rule number (SLPF v1.0
//     sections 2.3.1 and 2.3.2).
//   - The slpf arguments apply to allow and deny only, and drop_process to
//     deny only (SLPF v1.0 Table 2.3-2).
//   - 'delete slpf:rule_number' takes no argument but response_requested and
//     start_time (SLPF v1.0 section 2.3.4.1 and Table 2.3-2).
//   - stop_time and duration apply to allow and deny only: the consumer ends
//     a command by deleting the rule it created (SLPF v1.0 Table 2.3-2).
//   - 'cancel command', which the consumer answers itself, takes no
//     argument but response_requested: it acts at once, on no actuator.
func check(cmd *openc2.Command) *openc2.Response {
	a := cmd.Args
	bad := func(format string, args ...any) *openc2.Response {
		return status(openc2.StatusBadRequest, fmt.Sprintf(format, args...))
	}
	if isQueryFeatures(cmd) {
		if a != nil && (a.StartTime != nil || a.StopTime != nil || a.Duration != nil || a.SLPF != nil ||
			len(a.Extensions) > 0 || a.ResponseRequested != openc2.ResponseComplete) {
			return bad("args: query features takes no argument but response_requested complete (LS v1.0 section 4.1)")
		}
		return nil
	}
	if a == nil {
		return nil
	}
	if isCancel(cmd) && (a.StartTime != nil || a.StopTime != nil || a.Duration != nil || a.SLPF != nil || len(a.Extensions) > 0) {
		return bad("args: cancel command takes no argument but response_requested")
	}
	allowDeny := cmd.Action == openc2.ActionAllow || cmd.Action == openc2.ActionDeny
	if s := a.SLPF; s != nil {
		switch {
		case !allowDeny:
			return bad("args.slpf: the slpf arguments apply to allow and deny only (SLPF v1.0 Table 2.3-2)")
		case s.DropProcess != "" && cmd.Action != openc2.ActionDeny:
			return bad("args.slpf.drop_process: applies to deny only (SLPF v1.0 Table 2.3-2)")
		case s.InsertRule != nil && a.ResponseRequested != "" && a.ResponseRequested != openc2.ResponseComplete:
			return bad("args.slpf.insert_rule: needs response_requested complete, got %s (SLPF v1.0 section 2.3.1)", a.ResponseRequested)
		}
	}
	if cmd.Action == openc2.ActionDelete && cmd.Target.Name == openc2.TargetSLPFRuleNumber {
		if a.StopTime != nil || a.Duration != nil || a.SLPF != nil || len(a.Extensions) > 0 {
			return bad("args: delete slpf:rule_number takes no argument but response_requested and start_time (SLPF v1.0 section 2.3.4.1)")
		}
	}
	if (a.StopTime != nil || a.Duration != nil) && !allowDeny {
		return bad("args: stop_time and duration apply to allow and deny only; the consumer ends a command by deleting its rule (SLPF v1.0 Table 2.3-2)")
	}
	return nil
}

// isQueryFeatures reports whether cmd is 'query features'.
func isQueryFeatures(cmd *openc2.Command) bool {
	return cmd.Action == openc2.ActionQuery && cmd.Target.Name == openc2.TargetFeatures
}
