package consumer

import (
	"slices"

	"github.com/gatehouse/gatehouse/openc2"
)

// versions are the OpenC2 language versions the consumer speaks.
var versions = []string{"1.0"}

// features answers 'query features' (LS v1.0 section 4.1) from the
// components' manifests: versions, the profiles and pairs of the components,
// with the consumer's own 'query features' and 'cancel command', and the
// rate limit when one is configured. A command that names an actuator is
// answered for the components it routes to by profile and specifiers,
// without 'cancel command', which is no profile's; pairs and profiles that
// are not LS v1.0 names are left out. An empty list of features is a
// heartbeat and gets 200 alone.
func (c *Consumer) features(cmd *openc2.Command) *openc2.Response {
	asked, _ := cmd.Target.Value.([]openc2.Feature)
	acts := c.acts.Actuators()
	ac, err := actuatorCommand(cmd)
	if err != nil {
		return status(openc2.StatusInternalError, "command: "+err.Error())
	}
	profile, specs, err := specifiers(ac)
	if err != nil {
		return status(openc2.StatusInternalError, err.Error())
	}
	if profile != "" {
		if acts = c.matching(acts, profile, specs); len(acts) == 0 {
			return status(openc2.StatusNotFound, "no "+profile+" actuator matches the command's actuator")
		}
	}
	if len(asked) == 0 {
		return status(openc2.StatusOK, "")
	}
	r := &openc2.Results{}
	for _, f := range asked {
		switch f {
		case openc2.FeatureVersions:
			r.Versions = versions
		case openc2.FeatureProfiles:
			r.Profiles = profiles(acts)
		case openc2.FeaturePairs:
			r.Pairs = pairs(acts, profile == "")
		case openc2.FeatureRateLimit:
			if c.rateLimit > 0 {
				r.RateLimit = &c.rateLimit
			}
		}
	}
	if r.Versions == nil && r.Profiles == nil && r.Pairs == nil && r.RateLimit == nil {
		return status(openc2.StatusOK, "") // nothing to say: Results holds one result at least
	}
	return &openc2.Response{Status: openc2.StatusOK, Results: r}
}

// profiles returns the namespace identifiers the components implement,
// sorted, without duplicates.
func profiles(acts []Actuator) []string {
	out := []string{}
	for _, a := range acts {
		for _, p := range a.Profiles {
			if openc2.IsNsid(p) && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	return out
}

// pairs returns the union of the components' pairs and 'query features',
// and 'cancel command' when cancel is the consumer's (the query names no
// actuator), targets sorted, without duplicates.
func pairs(acts []Actuator, cancel bool) map[openc2.Action][]string {
	out := map[openc2.Action][]string{openc2.ActionQuery: {openc2.TargetFeatures}}
	if cancel {
		out[openc2.ActionCancel] = []string{openc2.TargetCommand}
	}
	for _, a := range acts {
		for action, targets := range a.Pairs {
			act := openc2.Action(action)
			if !act.Valid() {
				continue
			}
			for _, t := range targets {
				if openc2.IsTargetName(t) && !slices.Contains(out[act], t) {
					out[act] = append(out[act], t)
				}
			}
		}
	}
	for _, targets := range out {
		slices.Sort(targets)
	}
	return out
}
