/*
 * features.h: an actuator's pairs, and the answer to query features (OpenC2
 * Language Specification v1.0 section 4.1) from its own table entry, shared
 * by the actuators of c-basics and slpf-iptables.
 */
#ifndef PLUGINS_C_FEATURES_H
#define PLUGINS_C_FEATURES_H

#include "gatehouse.h"

/* actuator_supports reports whether the pairs declare action with target. */
bool actuator_supports(const gh_pair *pairs, gh_str action, gh_str target);

/* actuator_features answers query features with the features asked for
 * among versions ("1.0"), profiles and pairs, taken from self; an empty list
 * is a heartbeat, answered 200 alone, and a target that is not a list is
 * answered 400. */
gh_status actuator_features(const gh_component *self, gh_val asked, gh_writer *reply);

#endif
