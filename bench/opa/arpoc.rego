# ARPOC's sample policy set com.example.policysets.loggedIn
# (shared/conformance/arpoc/config/) in Rego, deciding as Gatehouse's engine
# does (docs/policy-language.md); bench_test.go checks that both agree.
package arpoc.loggedin

# com.example.rules.loggedIn, condition "subject.email": GRANT when the
# email is true in Python's sense; DENY when it is not or is missing.
logged_in_rule := "GRANT" if {
	email := input.subject.email
	email != ""
	email != false
} else := "DENY"

# com.example.rules.is_admin, condition "subject.age > 9".
is_admin_rule := "GRANT" if {
	input.subject.age > 9
} else := "DENY"

# com.example.policies.adminpages, target "object.path startswith 'admin'".
admin_policy := is_admin_rule if {
	startswith(input.object.path, "admin")
} else := "NOT_APPLICABLE"

# The policy set's resolver, AND: a deny wins, else a grant.
effect := "DENY" if {
	"DENY" in [logged_in_rule, admin_policy]
} else := "GRANT" if {
	"GRANT" in [logged_in_rule, admin_policy]
} else := "NOT_APPLICABLE"

# The rule's obligation when its condition could be evaluated, and the
# policy set's.
obligations contains "obl_log_successful" if input.subject.email != null

obligations contains "obl_log"

decision := {"effect": effect, "obligations": obligations}
