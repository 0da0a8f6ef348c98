package basics

import (
	"slices"

	"github.com/gatehouse/gatehouse/abi"
)

// echoProfiles and echoPairs are what the echo actuator declares and
// reports to query features.
var (
	echoProfiles = []string{"x-echo"}
	echoPairs    = map[string][]string{
		"query": {"features"},
		"allow": {"ipv4_net", "ipv6_net"},
		"deny":  {"ipv4_net", "ipv6_net"},
	}
)

// Echo is the actuator echo. It answers query features with the features
// asked for among versions, profiles and pairs (an empty list is a
// heartbeat and gets status 200 alone, OpenC2 Language Specification v1.0,
// section 4.1); it answers the other pairs it supports with status 200 and
// results echoing the action and target under its profile, x-echo; any other pair gets 501, and a
// command whose target does not have exactly one type gets 400.
func Echo(req abi.ActuateRequest) (abi.ActuateReply, error) {
	cmd := req.Command
	if len(cmd.Target) != 1 {
		return abi.ActuateReply{Status: 400, StatusText: "target must have exactly one type"}, nil
	}
	var target string
	for target = range cmd.Target {
	}
	if !slices.Contains(echoPairs[cmd.Action], target) {
		return abi.ActuateReply{Status: 501, StatusText: "command not supported: " + cmd.Action + " " + target}, nil
	}
	if cmd.Action == "query" {
		return features(cmd.Target[target]), nil
	}
	// Results of a profile go under its namespace (LS v1.0 section 3.3.2.2).
	return abi.ActuateReply{Status: 200, Results: map[string]any{"x-echo": map[string]any{"action": cmd.Action, "target": cmd.Target}}}, nil
}

// features answers query features for the list of features asked.
func features(asked any) abi.ActuateReply {
	list, ok := asked.([]any)
	if asked != nil && !ok {
		return abi.ActuateReply{Status: 400, StatusText: "target features must be a list"}
	}
	results := map[string]any{}
	for _, f := range list {
		switch f {
		case "versions":
			results["versions"] = []string{"1.0"}
		case "profiles":
			results["profiles"] = echoProfiles
		case "pairs":
			results["pairs"] = echoPairs
		}
	}
	if len(results) == 0 {
		return abi.ActuateReply{Status: 200}
	}
	return abi.ActuateReply{Status: 200, Results: results}
}
