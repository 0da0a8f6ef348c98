package policy

// Attributes are the attributes of an access request in ARPOC's four
// categories, each a map of attribute names to values: who asks
// (Subject), what is accessed (Object), the circumstances (Environment)
// and the access itself (Access). Values are those JSON decodes to, with
// integers as int64 or, beyond its range, *big.Int; expressions also
// compare the other Go numbers.
type Attributes struct {
	Subject     map[string]any `json:"subject,omitempty"`
	Object      map[string]any `json:"object,omitempty"`
	Environment map[string]any `json:"environment,omitempty"`
	Access      map[string]any `json:"access,omitempty"`
}
