package cli

import (
	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/policy"
)

// addCompatFlag adds --compat to a command that decides.
func addCompatFlag(cmd *cobra.Command) {
	cmd.Flags().String("compat", "", `"arpoc-code" to decide as ARPOC's code: a DENY rule whose condition is false denies (default: the configured policy.compat)`)
}

// policyCompat returns the Compat of --compat, or of the configured
// policy.compat when the flag is not given.
func policyCompat(cmd *cobra.Command) (policy.Compat, error) {
	name, _ := cmd.Flags().GetString("compat")
	if !cmd.Flags().Changed("compat") {
		f, err := loadConfig(cmd)
		if err != nil {
			return 0, err
		}
		name = f.Policy.Compat
	}
	c, err := policy.ParseCompat(name)
	if err != nil {
		return 0, usage("--compat: %v", err)
	}
	return c, nil
}
