package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/app"
	"github.com/gatehouse/gatehouse/app/config"
	"github.com/gatehouse/gatehouse/host"
)

func newPluginCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plugin",
		Short: "List, inspect and call plugins",
		Example: `  gatehouse plugin list plugins
  gatehouse plugin inspect plugins/basics.wasm
  gatehouse plugin call plugins/basics.wasm weekday --input '{"key":"weekday"}'`,
		// Runnable with no arguments, so that a mistyped subcommand is an
		// unknown command (exit status 2) rather than a help page.
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newPluginListCommand(), newPluginInspectCommand(), newPluginCallCommand(),
		newPluginTestCommand(), newPluginNewCommand())
	return cmd
}

func newPluginListCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list [DIR]",
		Short: "List the components every plugin in a folder provides",
		Long: `List checks every .wasm file of DIR (default: the configured plugin folder) as
serve would load it, without starting the plugins (gatehouse_start), and prints
each component with its plugin, binding and status. Files that fail to load are
listed with the reason. Exit status 1 when any file fails to load.

A content that serve, list or another command has loaded before is checked
from its description in the compilation cache (cache_dir), without compiling
it; any other is compiled and asked for its manifest. List starts no instance,
so a plugin that fails only when an instance starts under its own limits shows
as OK here and fails at serve.`,
		Example: `  gatehouse plugin list plugins
  gatehouse plugin list plugins --output json`,
		Args: cobra.MaximumNArgs(1),
		RunE: runPluginList,
	}
	addOutputFlag(cmd)
	return cmd
}

func runPluginList(cmd *cobra.Command, args []string) error {
	asJSON, err := jsonOutput(cmd)
	if err != nil {
		return err
	}
	f, err := loadConfig(cmd)
	if err != nil {
		return err
	}
	dir := f.PluginsDir
	if len(args) == 1 {
		dir = args[0]
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return usage("%s is not a folder", dir)
	}
	o := offline(cmd, dir)
	o.Describe = true
	h, err := app.Open(cmd.Context(), f, o)
	if err != nil {
		return usage("%v", err)
	}
	defer h.Close(context.WithoutCancel(cmd.Context()))
	plugins := h.Plugins()
	if asJSON {
		if err := printJSON(cmd.OutOrStdout(), map[string]any{"plugins": plugins}); err != nil {
			return err
		}
	} else {
		printPluginTable(cmd.OutOrStdout(), plugins)
	}
	for _, p := range plugins {
		if p.Status == host.StatusError {
			return finding("some plugins did not load")
		}
	}
	return nil
}

// offline returns the plugin host of commands that look at the plugins of
// dir (none when empty) without serving them: no store (a running server
// may hold it), no plugin's gatehouse_start, and only errors in the log.
func offline(cmd *cobra.Command, dir string) app.Once {
	return app.Once{Dir: dir, Logger: quietLogger(cmd.ErrOrStderr())}
}

func printPluginTable(w io.Writer, plugins []host.PluginStatus) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PLUGIN\tVERSION\tBINDING\tKIND\tCOMPONENT\tSTATUS\tFILE")
	for _, p := range plugins {
		file := filepath.Base(p.File)
		if len(p.Components) == 0 || p.Status == host.StatusError {
			// The message ends the line, so it does not widen the columns.
			fmt.Fprintf(tw, "%s\t%s\t%s\t-\t-\t%s\t%s: %s\n", dash(p.Name), dash(p.Version), dash(string(p.Binding)), p.Status, file, p.Message)
			continue
		}
		for _, c := range p.Components {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.Version, p.Binding, c.Kind, c.Name, p.Status, file)
		}
	}
	tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newPluginInspectCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "inspect FILE",
		Short: "Show a plugin's manifest, binding, imports, capabilities and problems",
		Long: `Inspect loads one plugin file as serve would, without serving it, and shows
what it declares and what is wrong with it under the current configuration.
Exit status 1 when the plugin has problems.`,
		Example: `  gatehouse plugin inspect plugins/basics.wasm
  gatehouse plugin inspect --output json plugins/kvcounter.wasm`,
		Args: cobra.ExactArgs(1),
		RunE: runPluginInspect,
	}
	addOutputFlag(cmd)
	return cmd
}

func runPluginInspect(cmd *cobra.Command, args []string) error {
	asJSON, err := jsonOutput(cmd)
	if err != nil {
		return err
	}
	f, err := loadConfig(cmd)
	if err != nil {
		return err
	}
	h, err := app.Open(cmd.Context(), f, offline(cmd, ""))
	if err != nil {
		return usage("%v", err)
	}
	defer h.Close(context.WithoutCancel(cmd.Context()))
	in, err := h.Inspect(cmd.Context(), args[0])
	if in == nil {
		return usage("%v", err)
	}
	if asJSON {
		if err := printJSON(cmd.OutOrStdout(), in); err != nil {
			return err
		}
	} else {
		printInspection(cmd.OutOrStdout(), in)
	}
	if len(in.Problems) > 0 {
		return finding("%s has %d problem(s)", args[0], len(in.Problems))
	}
	return nil
}

func printInspection(w io.Writer, in *host.Inspection) {
	fmt.Fprintf(w, "file:     %s (%d bytes, sha256 %s)\n", in.File, in.Size, in.SHA256)
	fmt.Fprintf(w, "binding:  %s\n", dash(string(in.Binding)))
	if m := in.Manifest; m != nil {
		fmt.Fprintf(w, "plugin:   %s %s (ABI %s)\n", m.Name, m.Version, m.ABI)
		if m.Description != "" {
			fmt.Fprintf(w, "about:    %s\n", m.Description)
		}
		fmt.Fprintln(w, "components:")
		for _, c := range m.Components {
			fmt.Fprintf(w, "  %-12s %s", c.Kind, c.Name)
			if c.Description != "" {
				fmt.Fprintf(w, ": %s", c.Description)
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "capabilities asked: %s\n", joinOrNone(m.Capabilities))
	}
	fmt.Fprintf(w, "capabilities imported: %s\n", joinOrNone(in.Capabilities))
	fmt.Fprintf(w, "imports:  %s\n", dash(strings.Join(in.Imports, ", ")))
	if len(in.Problems) == 0 {
		fmt.Fprintln(w, "problems: none")
		return
	}
	fmt.Fprintln(w, "problems:")
	for _, p := range in.Problems {
		fmt.Fprintf(w, "  - %s\n", p.Error())
	}
}

func joinOrNone[T ~string](xs []T) string {
	if len(xs) == 0 {
		return "none"
	}
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}

func newPluginCallCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "call FILE [COMPONENT]",
		Short: "Call one component of a plugin with a JSON request, or one export of an Extism plugin",
		Long: `Call loads one plugin file, sends one request to COMPONENT and prints the reply
as JSON. COMPONENT is a component name, or KIND:NAME when several kinds share
the name (docs/plugins.md, "Naming a component"). The request is JSON
(converted to msgpack); "component" is filled in. Agents are reset with
--reset, then asked to act with the request, on one instance, unless
--export names gatehouse_agent_reset. The kv capability uses a throw-away
store unless --store is given. The log on stderr
holds warnings and errors, the plugin's and the host's; --log-level info adds
the plugin's other messages and the host's (such as "plugin loaded"). Exit
status 1 when the plugin does not load or answers with an error.

Without COMPONENT, call runs the export --export of any Extism plugin, as
"extism call" does: the plugin needs no Gatehouse export, --input is passed
as it is and the output is printed as it is. --wasi gives the plugin WASI
(the host's sandbox: no files, environment or arguments; real clocks),
--allow-host lets it send HTTP requests to a host (repeat for more), and
--config KEY=VALUE sets a key of its Extism configuration (repeat for more;
a --config without "=" names the configuration file, as everywhere).`,
		Example: `  gatehouse plugin call plugins/basics.wasm actuator:echo --input '{"command":{"action":"query","target":{"features":[]}}}'
  gatehouse plugin call plugins/basics.wasm environment:echo --input '{"key":"weekday"}'
  echo '{"path":"/docs/a"}' | gatehouse plugin call plugins/basics.wasm path-segments --input -
  gatehouse plugin call plugins/kvcounter.wasm counter --input '{"key":"door"}' --log-level debug
  gatehouse plugin call plugin.wasm --export greet --input Benjamin --wasi
  gatehouse plugin call plugin.wasm --export greet --config user=Benjamin --allow-host api.example.com`,
		Annotations: map[string]string{"doctest": "skip plugin.wasm (an Extism plugin of the reader's)"},
		Args:        cobra.RangeArgs(1, 2),
		RunE:        runPluginCall,
	}
	cmd.Flags().String("input", "{}", "request as JSON, or - to read it from standard input (without COMPONENT: the input as it is, default none)")
	cmd.Flags().String("export", "", "call export to use (default: the one of the component's kind); without COMPONENT, the Extism export to call")
	cmd.Flags().String("store", "", "store file for the kv capability (default: a temporary one)")
	cmd.Flags().String("reset", "{}", "for agents: the reset request sent first, on the same instance")
	cmd.Flags().String("log-level", "warn", "the least level logged on stderr: debug, info, warn or error")
	cmd.Flags().Bool("wasi", false, "without COMPONENT: give the Extism plugin WASI")
	cmd.Flags().StringArray("allow-host", nil, "without COMPONENT: a host the Extism plugin may send HTTP requests to")
	cmd.Flags().StringArray("config", nil, "without COMPONENT: KEY=VALUE of the Extism plugin's configuration; without \"=\": the configuration file")
	return cmd
}

func runPluginCall(cmd *cobra.Command, args []string) error {
	input, _ := cmd.Flags().GetString("input")
	if input == "-" {
		b, err := io.ReadAll(cmd.InOrStdin())
		if err != nil {
			return usage("read standard input: %v", err)
		}
		input = string(b)
	}
	configs, _ := cmd.Flags().GetStringArray("config")
	file, extismConfig, err := splitConfigFlags(configs)
	if err != nil {
		return err
	}
	f, err := config.Load(file)
	if err != nil {
		return usage("%v", err)
	}
	switch f.Log.Level, _ = cmd.Flags().GetString("log-level"); f.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return usage("--log-level %q is not one of debug, info, warn, error", f.Log.Level)
	}
	if len(args) == 1 {
		if !cmd.Flags().Changed("input") {
			input = ""
		}
		return callExtism(cmd, f, args[0], []byte(input), extismConfig)
	}
	for _, name := range []string{"wasi", "allow-host"} {
		if cmd.Flags().Changed(name) {
			return usage("--%s applies to Extism exports, called without COMPONENT", name)
		}
	}
	if len(extismConfig) > 0 {
		return usage("--config KEY=VALUE applies to Extism exports, called without COMPONENT")
	}
	req, err := abi.DecodeJSONObject([]byte(input))
	if err != nil {
		return usage("--input: %v", err)
	}
	reset, _ := cmd.Flags().GetString("reset")
	resetReq, err := abi.DecodeJSONObject([]byte(reset))
	if err != nil {
		return usage("--reset: %v", err)
	}
	if _, err := os.Stat(args[0]); err != nil {
		return usage("read plugin: %v", err)
	}
	once := app.Once{Start: true, Logger: app.Logger(f, cmd.ErrOrStderr())}
	if once.Store, _ = cmd.Flags().GetString("store"); once.Store == "" {
		dir, err := os.MkdirTemp("", "gatehouse-call-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		once.Store = filepath.Join(dir, "store.db")
	}
	ctx := cmd.Context()
	h, err := app.Open(ctx, f, once)
	if err != nil {
		return usage("%v", err)
	}
	defer h.Close(context.WithoutCancel(ctx))
	if err := h.LoadFile(ctx, args[0]); err != nil {
		return finding("%v", err)
	}
	c, err := h.Resolve(args[1])
	if err != nil {
		return usage("%v", err)
	}
	kind := c.Component.Kind
	exports := kind.Exports()
	export, _ := cmd.Flags().GetString("export")
	if export == "" {
		export = exports[len(exports)-1] // agents: act
	} else if !slices.Contains(exports, export) {
		return usage("--export %s: %s components are called through %s", export, kind, strings.Join(exports, " or "))
	}
	sess, err := h.Session(ctx, kind, c.Ref())
	if err != nil {
		return finding("%v", err)
	}
	defer sess.Close()
	if kind == abi.KindAgent && export == abi.ExportAgentAct {
		if _, err := sess.CallRaw(ctx, abi.ExportAgentReset, resetReq); err != nil {
			return finding("%v", err)
		}
	}
	reply, err := sess.CallRaw(ctx, export, req)
	if err != nil {
		return finding("%v", err)
	}
	return printJSON(cmd.OutOrStdout(), reply)
}

// splitConfigFlags splits the --config flags of plugin call into the
// configuration file, the one without "=", and the Extism configuration.
func splitConfigFlags(flags []string) (string, map[string]string, error) {
	var file string
	var kv map[string]string
	for _, c := range flags {
		k, v, ok := strings.Cut(c, "=")
		switch {
		case !ok && file != "":
			return "", nil, usage("--config %s: a second configuration file (after %s); Extism configuration is KEY=VALUE", c, file)
		case !ok:
			file = c
		case k == "":
			return "", nil, usage("--config %s: the key is empty", c)
		default:
			if kv == nil {
				kv = map[string]string{}
			}
			kv[k] = v
		}
	}
	return file, kv, nil
}

// callExtism calls the export --export of the Extism plugin in file with
// input and prints its output.
func callExtism(cmd *cobra.Command, f *config.File, file string, input []byte, kv map[string]string) error {
	export, _ := cmd.Flags().GetString("export")
	if export == "" {
		return usage("--export: name the Extism export to call (or give COMPONENT to call a component)")
	}
	if _, err := os.Stat(file); err != nil {
		return usage("read plugin: %v", err)
	}
	wasi, _ := cmd.Flags().GetBool("wasi")
	hosts, _ := cmd.Flags().GetStringArray("allow-host")
	grants := host.Grants{Log: true, Clock: wasi}
	if len(hosts) > 0 {
		grants.HTTP = &host.HTTPGrant{Hosts: hosts}
	}
	// An Extism plugin has no kv capability: no store.
	ctx := cmd.Context()
	h, err := app.Open(ctx, f, app.Once{Logger: app.Logger(f, cmd.ErrOrStderr())})
	if err != nil {
		return usage("%v", err)
	}
	defer h.Close(context.WithoutCancel(ctx))
	out, err := h.CallExtism(ctx, file, export, input, host.ExtismConfig{WASI: wasi, Config: kv}, grants)
	if err != nil {
		return finding("%v", err)
	}
	_, err = cmd.OutOrStdout().Write(out)
	return err
}
