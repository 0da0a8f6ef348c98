package cli

import (
	"fmt"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/cli/internal/config"
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
drops them all, "plugins: {kvcounter: null}" those of one plugin.`,
		Example: `  gatehouse config show --config gatehouse.yaml
  gatehouse config check gatehouse.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	show := &cobra.Command{
		Use:   "show",
		Short: "Print the configuration in effect: --config laid over the default, with every default filled in",
		Example: `  gatehouse config show
  gatehouse config show --config gatehouse.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			// The limits each plugin gets, as the host fills them in.
			f.Limits = f.Limits.Or(host.DefaultLimits)
			for name, pc := range f.Plugins {
				pc.Limits = pc.Limits.Or(f.Limits)
				f.Plugins[name] = pc
			}
			b, err := yaml.Marshal(f)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
	check := &cobra.Command{
		Use:     "check FILE",
		Short:   "Check a configuration file as serve reads it; exit status 2 and the problem when it is not valid",
		Example: `  gatehouse config check gatehouse.yaml`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := config.Load(args[0]); err != nil {
				return usage("%v", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: ok\n", args[0])
			return nil
		},
	}
	cmd.AddCommand(show, check)
	return cmd
}
