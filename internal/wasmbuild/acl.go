package wasmbuild

import "testing"

// The suites of cases the access-control reference plugins pass, one per
// kind, relative to the module root.
const (
	ACLObligationSuite  = "plugins-src/cases/acl-obligations.yaml"
	ACLEnvironmentSuite = "plugins-src/cases/acl-environment.yaml"
	ACLObjectSuite      = "plugins-src/cases/acl-objects.yaml"
)

// ACLSuite is a suite an access-control reference plugin passes. A Partial
// suite has components the plugin does not provide; it runs with
// hosttest.SkipMissing.
type ACLSuite struct {
	File    string
	Partial bool
}

// ACLPlugin is an access-control reference plugin: ARPOC's obligations,
// environment setters or object setters, in one language.
type ACLPlugin struct {
	// Name is the plugin's name, and the name of its folder in plugins-src.
	Name string
	// HTTP is true for a plugin that needs the http capability; the others
	// need log and clock.
	HTTP bool
	// Suites are the suites it passes.
	Suites []ACLSuite
	// Build builds the plugin and returns the .wasm file.
	Build func(t testing.TB) string
}

// ACLPlugins are the access-control reference plugins of every language.
var ACLPlugins = []ACLPlugin{
	{Name: "acl-basics", Suites: []ACLSuite{{File: ACLObligationSuite}, {File: ACLEnvironmentSuite}, {File: ACLObjectSuite, Partial: true}},
		Build: func(t testing.TB) string { return Go(t, "plugins-src/go/acl-basics") }},
	{Name: "acl-jsonsetter", HTTP: true, Suites: []ACLSuite{{File: ACLObjectSuite, Partial: true}},
		Build: func(t testing.TB) string { return Go(t, "plugins-src/go/acl-jsonsetter") }},
	{Name: "c-acl-basics", Suites: []ACLSuite{{File: ACLObligationSuite}, {File: ACLEnvironmentSuite}, {File: ACLObjectSuite, Partial: true}},
		Build: func(t testing.TB) string { return C.Plugin(t, "c-acl-basics") }},
	{Name: "c-acl-jsonsetter", HTTP: true, Suites: []ACLSuite{{File: ACLObjectSuite, Partial: true}},
		Build: func(t testing.TB) string { return C.Plugin(t, "c-acl-jsonsetter") }},
	{Name: "rs-acl-basics", Suites: []ACLSuite{{File: ACLObligationSuite}, {File: ACLEnvironmentSuite}, {File: ACLObjectSuite, Partial: true}},
		Build: func(t testing.TB) string { return Rust.Plugin(t, "rs-acl-basics") }},
	{Name: "rs-acl-jsonsetter", HTTP: true, Suites: []ACLSuite{{File: ACLObjectSuite, Partial: true}},
		Build: func(t testing.TB) string { return Rust.Plugin(t, "rs-acl-jsonsetter") }},
}
