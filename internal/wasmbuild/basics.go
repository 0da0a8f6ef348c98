package wasmbuild

import "testing"

// BasicsSuite is the suite of cases every basics reference plugin passes,
// whatever its language and binding, relative to the module root.
const BasicsSuite = "plugins-src/cases/basics.yaml"

// BasicsPlugin is a reference plugin that passes BasicsSuite.
type BasicsPlugin struct {
	// Name is the plugin's name, and the name of its folder in plugins-src.
	Name string
	// Partial is true for a plugin that provides some of the suite's
	// components only, and passes their cases.
	Partial bool
	// Build builds the plugin and returns the .wasm file.
	Build func(t testing.TB) string
}

// BasicsPlugins are the basics reference plugins of every language and
// binding.
var BasicsPlugins = []BasicsPlugin{
	{Name: "basics", Build: func(t testing.TB) string { return Go(t, "plugins-src/go/basics") }},
	{Name: "basics-extism", Build: func(t testing.TB) string { return Go(t, "plugins-src/go/basics-extism") }},
	{Name: "c-basics", Build: func(t testing.TB) string { return C.Plugin(t, "c-basics") }},
	{Name: "c-echo-extism", Partial: true, Build: func(t testing.TB) string { return C.Plugin(t, "c-echo-extism") }},
	{Name: "rs-basics", Build: func(t testing.TB) string { return Rust.Plugin(t, "rs-basics") }},
	{Name: "zig-basics", Build: func(t testing.TB) string { return Zig.Plugin(t, "zig-basics") }},
	{Name: "as-basics", Build: func(t testing.TB) string { return AssemblyScript.Plugin(t, "as-basics") }},
	{Name: "as-echo-extism", Partial: true, Build: func(t testing.TB) string { return AssemblyScript.Plugin(t, "as-echo-extism") }},
}
