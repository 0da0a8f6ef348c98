// Package opa measures Gatehouse's policy engine side by side with Open
// Policy Agent on the same policy: ARPOC's sample policy set
// com.example.policysets.loggedIn, as Gatehouse loads it from ARPOC's
// entity files and as arpoc.rego writes it in Rego. It is a module of its
// own, so that OPA never becomes a dependency of Gatehouse. Run it with
//
//	cd bench/opa && go test -bench . -benchmem
package opa

import _ "embed"

// Rego is the policy in Rego; its decision is data.arpoc.loggedin.decision.
//
//go:embed arpoc.rego
var Rego string
