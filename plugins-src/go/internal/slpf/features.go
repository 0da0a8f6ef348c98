package slpf

import (
	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/openc2"
)

// Profiles are the actuator profiles an SLPF actuator implements, for its
// manifest and for query features.
var Profiles = []string{"slpf"}

// Pairs are the action/target pairs an SLPF actuator of this package
// supports (SLPF v1.0 section 2.3, table 2.3-1), for its manifest and for
// query features. update file is left out: rules are managed one by one.
var Pairs = map[string][]string{
	"allow":  {openc2.TargetIPv4Connection, openc2.TargetIPv6Connection, openc2.TargetIPv4Net, openc2.TargetIPv6Net},
	"deny":   {openc2.TargetIPv4Connection, openc2.TargetIPv6Connection, openc2.TargetIPv4Net, openc2.TargetIPv6Net},
	"delete": {openc2.TargetSLPFRuleNumber},
	"query":  {openc2.TargetFeatures},
}

// features answers query features with the features asked for (OpenC2
// Language Specification v1.0 section 4.1); an empty list asks for none and
// is answered 200 alone. rate_limit is not reported: the actuator sets none.
func features(asked []openc2.Feature) abi.ActuateReply {
	var r openc2.Results
	for _, f := range asked {
		switch f {
		case openc2.FeatureVersions:
			r.Versions = []string{"1.0"}
		case openc2.FeatureProfiles:
			r.Profiles = Profiles
		case openc2.FeaturePairs:
			r.Pairs = make(map[openc2.Action][]string, len(Pairs))
			for action, targets := range Pairs {
				r.Pairs[openc2.Action(action)] = targets
			}
		}
	}
	if r.Versions == nil && r.Profiles == nil && r.Pairs == nil {
		return reply(&openc2.Response{Status: 200})
	}
	return reply(&openc2.Response{Status: 200, Results: &r})
}

// reply returns r as the ABI carries it.
func reply(r *openc2.Response) abi.ActuateReply {
	g, err := openc2.ResponseToGeneric(r)
	if err != nil {
		panic(err) // only extension results, which the actuator never gives, can fail
	}
	return abi.ActuateReply(g)
}
