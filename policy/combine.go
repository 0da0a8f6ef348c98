package policy

// combiner combines the results of the entities a policy set or a policy
// contains, one at a time, with its resolver. An incomplete result is one
// that an attribute or an entity was missing for; ARPOC's ANY and AND take
// it as it is (the entity gave its result as ARPOC does), while the XACML
// algorithms take it as XACML's Indeterminate: it could have been a grant
// or a deny.
type combiner struct {
	alg        Resolver
	settled    bool // no further result can change the outcome
	res        Result
	incomplete bool // an incomplete result was seen (XACML algorithms)
	granted    bool
	denied     bool
}

// add takes the next result and reports whether the outcome is settled, so
// that the entities after it need not be evaluated.
func (c *combiner) add(r Result, incomplete bool) bool {
	switch c.alg {
	case Any:
		if r == Grant {
			c.res, c.settled = Grant, true
		} else if r == Deny && c.res == NotApplicable {
			c.res = Deny
		}
	case And:
		if r == Deny {
			c.res, c.settled = Deny, true
		} else if r == Grant && c.res == NotApplicable {
			c.res = Grant
		}
	case DenyOverrides, PermitOverrides:
		settling := Deny
		if c.alg == PermitOverrides {
			settling = Grant
		}
		switch {
		case incomplete:
			c.incomplete = true
		case r == settling:
			c.res, c.settled = r, true
		case r == Grant:
			c.granted = true
		case r == Deny:
			c.denied = true
		}
	case FirstApplicable:
		if incomplete {
			c.res, c.incomplete, c.settled = Deny, true, true
		} else if r != NotApplicable {
			c.res, c.settled = r, true
		}
	}
	return c.settled
}

// result returns the combined result, and whether it is incomplete.
func (c *combiner) result() (Result, bool) {
	switch {
	case c.alg == Any || c.alg == And:
		return c.res, false
	case c.settled:
		// A deny settles deny-overrides and a grant permit-overrides, even
		// after incomplete results; first-applicable settles incomplete.
		return c.res, c.alg == FirstApplicable && c.incomplete
	case c.incomplete:
		return Deny, true
	case c.granted:
		return Grant, false
	case c.denied:
		return Deny, false
	}
	return NotApplicable, false
}
