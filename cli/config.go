package cli

import (
	"bytes"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/app/config"
	"github.com/gatehouse/gatehouse/host"
)

func newConfigCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show the configuration in effect, or check a configuration file",
		Long: `A configuration file given with --config lies over the embedded default:
mappings merge key by key, at every depth, and any other value of the file (a
string, a number, a list, null) replaces the default's. A file that sets only
listen keeps the default grants of the reference plugins; "plugins: null"
drops them all, "plugins: {kvcounter: null}" those of one plugin. A plugin's
entry, plugins.NAME, replaces the default's whole: it says all that the
plugin is granted and limited to.`,
		Example: `  gatehouse config show
  gatehouse config check examples/openc2/gatehouse.yaml`,
	}
	cmd.AddCommand(newConfigShowCommand(), newConfigCheckCommand())
	return cmd
}

func newConfigShowCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print the configuration in effect",
		Long: `Show prints the configuration gatehouse serve would run with: the --config
file read over the embedded default, every default filled in. Secrets written
in the file (proxy.providers.*.client_secret and a service's
authentication.token) print as "[redacted]".`,
		Example: `  gatehouse config show
  gatehouse config show --config examples/openc2/gatehouse.yaml --output json`,
		Args: cobra.NoArgs,
		RunE: runConfigShow,
	}
	cmd.Flags().StringP("output", "o", "yaml", "output format: yaml or json")
	return cmd
}

func runConfigShow(cmd *cobra.Command, _ []string) error {
	format, _ := cmd.Flags().GetString("output")
	if format != "yaml" && format != "json" {
		return usage("--output %q is not yaml or json", format)
	}
	f, err := loadConfig(cmd)
	if err != nil {
		return err
	}
	redactSecrets(f)
	fillLimits(f)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("encode the configuration: %w", err)
	}
	if format == "yaml" {
		_, err = cmd.OutOrStdout().Write(b.Bytes())
		return err
	}
	var v map[string]any
	if err := yaml.Unmarshal(b.Bytes(), &v); err != nil {
		return fmt.Errorf("encode the configuration: %w", err)
	}
	return printJSON(cmd.OutOrStdout(), v)
}

// fillLimits sets the limits of f, and of each plugin entry, to those in
// effect: each zero limit takes the value it stands for.
func fillLimits(f *config.File) {
	f.Limits = f.Limits.Or(host.DefaultLimits)
	for name, pc := range f.Plugins {
		pc.Limits = pc.Limits.Or(f.Limits)
		f.Plugins[name] = pc
	}
}

// redacted replaces a secret in what config show prints.
const redacted = "[redacted]"

// redactSecrets replaces the secrets written in f, not the files that
// hold them.
func redactSecrets(f *config.File) {
	for name, p := range f.Proxy.Providers {
		if p.ClientSecret != "" {
			p.ClientSecret = redacted
			f.Proxy.Providers[name] = p
		}
	}
	for name, s := range f.Proxy.Services {
		if a := s.Authentication; a != nil && a.Token != "" {
			c := *a
			c.Token = redacted
			s.Authentication = &c
			f.Proxy.Services[name] = s
		}
	}
}

func newConfigCheckCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "check FILE",
		Short: "Check a configuration file as gatehouse serve would read it",
		Long: `Check reads FILE over the embedded default configuration, as gatehouse serve
--config FILE does, and reports its errors as serve would: unknown keys and
values of the wrong type with their line, values out of range and keys that
go together with their key. It opens none of the files the configuration names
(TLS certificates, entities, stores). Exit status 0 when the file is valid, 1
when it is not, 2 when it cannot be read.`,
		Example: `  gatehouse config check examples/openc2/gatehouse.yaml
  gatehouse config check examples/access-control/gatehouse.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: runConfigCheck,
	}
}

func runConfigCheck(cmd *cobra.Command, args []string) error {
	b, err := os.ReadFile(args[0])
	if err != nil {
		return usage("read config: %v", err)
	}
	if _, err := config.Layer(b, args[0]); err != nil {
		return finding("%v", err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: ok\n", args[0])
	return nil
}
