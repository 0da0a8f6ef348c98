package openc2

// IsTargetName reports whether s names a target type: one of LS v1.0 section
// 3.3.1.2, an SLPF target ("slpf:rule_number"), or an extension target
// "nsid:name" of an "x-" namespace (LS v1.0 section 3.1.4).
func IsTargetName(s string) bool { return knownTargetName(s) }

// IsNsid reports whether s is a namespace identifier: a registered profile
// ("slpf") or "x-" followed by letters, digits and underscores, at most 16
// characters in all (LS v1.0 sections 3.1.4 and 3.4.2.12).
func IsNsid(s string) bool { return checkNsid(s) == "" }
