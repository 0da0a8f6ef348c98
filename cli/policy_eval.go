package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/policy"
)

func newPolicyEvalCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "eval --entities DIR --policy-set ID --context FILE",
		Short: "Decide one request and explain the decision",
		Long: `Eval loads the entities, decides the request of the context file against the
policy set, and prints the decision, the explanation (each entity evaluated,
what it yielded and why), the obligations and the missing attributes.

The context file, JSON or YAML ("-" reads standard input), holds the request's
attributes:

  {"subject": {"email": "ann@example.com", "groups": ["/staff"]},
   "object": {"path": "admin/users"},
   "environment": {"time": "10:25:00"},
   "access": {"method": "GET"}}

Without --plugins, the environment attributes are the context's only, no
object setter runs, and no obligation can run, so a decision that carries one
does not grant. With --plugins the plugins of the folder supply environment
attributes, set object attributes (every object setter, by priority) and carry
out obligations (by component name, or as policy.obligations of the
configuration maps them).

With --compat arpoc-code, or policy.compat: arpoc-code in the --config file, a
DENY rule whose condition is false denies, as ARPOC's code decides, instead of
granting as documented (docs/policy-language.md, difference 1).

Problems of the entity files are listed on standard error; the entities that
loaded decide. Exit status 0 when access is granted, 1 when it is not, 2 for
bad usage, an unreadable context or an unknown policy set.`,
		Example: `  gatehouse policy eval --entities conformance/arpoc/config --policy-set com.example.policysets.loggedIn \
      --context examples/access-control/ann.json --plugins plugins/
  echo '{"subject": {"groups": ["/test1"]}}' | gatehouse policy eval --entities conformance/arpoc/config \
      --policy-set com.example.policysets.inTestGroup --context - --output json
  echo '{}' | gatehouse policy eval --entities conformance/arpoc/config --policy-set com.example.policysets.default \
      --context - --plugins plugins/
  echo '{"subject": {"groups": ["/test1"]}}' | gatehouse policy eval --entities conformance/arpoc/config \
      --policy-set com.example.policysets.inTestGroup --context - --compat arpoc-code`,
		Annotations: map[string]string{"doctest": "finding policysets.default (it grants in working hours only)"},
		Args:        cobra.NoArgs,
		RunE:        runPolicyEval,
	}
	cmd.Flags().StringArray("entities", nil, "a folder or file of entities; repeatable (default: the configured policy.entities)")
	cmd.Flags().String("policy-set", "", "the id of the policy set to evaluate")
	cmd.Flags().String("context", "", `the file of the request's attributes, JSON or YAML; "-" for standard input`)
	cmd.Flags().String("path", "", "the request's path, for object setters")
	cmd.Flags().String("plugins", "", "a folder of plugins that supply attributes and carry out obligations")
	addCompatFlag(cmd)
	_ = cmd.MarkFlagRequired("policy-set")
	_ = cmd.MarkFlagRequired("context")
	addOutputFlag(cmd)
	return cmd
}

func runPolicyEval(cmd *cobra.Command, _ []string) error {
	asJSON, err := jsonOutput(cmd)
	if err != nil {
		return err
	}
	entities, _ := cmd.Flags().GetStringArray("entities")
	paths, err := entityPaths(cmd, entities)
	if err != nil {
		return err
	}
	contextFile, _ := cmd.Flags().GetString("context")
	attrs, err := readContext(cmd.InOrStdin(), contextFile)
	if err != nil {
		return usage("%v", err)
	}
	s := policy.Load(paths...)
	printProblems(cmd.ErrOrStderr(), s.Problems())

	pluginDir, _ := cmd.Flags().GetString("plugins")
	plugins, err := loadPolicyPlugins(cmd, pluginDir)
	if err != nil {
		return err
	}
	defer plugins.close()
	setID, _ := cmd.Flags().GetString("policy-set")
	path, _ := cmd.Flags().GetString("path")
	compat, err := policyCompat(cmd)
	if err != nil {
		return err
	}
	e := policy.NewEngine(s, policy.Config{Environment: plugins.environment, Obligations: plugins.obligations, Compat: compat})
	d, err := e.Decide(cmd.Context(), policy.Request{PolicySet: setID, Attributes: attrs, Path: path, ObjectSetters: plugins.setters})
	if errors.Is(err, policy.ErrUnknownPolicySet) {
		return usage("%v; the policy sets are: %s", err, strings.Join(s.PolicySets(), ", "))
	}
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	if asJSON {
		if err := printJSON(w, d); err != nil {
			return err
		}
	} else {
		printDecision(w, &d)
	}
	if !d.Granted() {
		return finding("access not granted: %s", d.Result)
	}
	return nil
}

// readContext reads the request's attributes from file, or from stdin for
// "-". Unknown keys are errors naming the line.
func readContext(stdin io.Reader, file string) (policy.Attributes, error) {
	var b []byte
	var err error
	if file == "-" {
		b, err = io.ReadAll(stdin)
	} else {
		b, err = os.ReadFile(file)
	}
	if err != nil {
		return policy.Attributes{}, fmt.Errorf("read context: %w", err)
	}
	var attrs policy.Attributes
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&attrs); err != nil && !errors.Is(err, io.EOF) {
		return policy.Attributes{}, fmt.Errorf("context %s: %w", file, err)
	}
	return attrs, nil
}

// printDecision writes the decision as text: the result, the explanation,
// the obligations, the missing attributes and the error.
func printDecision(w io.Writer, d *policy.Decision) {
	fmt.Fprint(w, d.Result)
	if d.Result != d.Effect {
		fmt.Fprintf(w, " (the policy set yielded %s)", d.Effect)
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, d.Explain())
	for _, o := range d.Obligations {
		status := "fulfilled"
		if !o.Fulfilled {
			status = "not fulfilled"
			if o.Reason != "" {
				status += ": " + o.Reason
			}
		}
		fmt.Fprintf(w, "obligation %s (%s): %s\n", o.Name, strings.Join(o.Entities, ", "), status)
	}
	if len(d.Missing) > 0 {
		fmt.Fprintf(w, "missing: %s\n", strings.Join(d.Missing, ", "))
	}
	if d.Error != "" {
		fmt.Fprintf(w, "error: %s\n", d.Error)
	}
}
