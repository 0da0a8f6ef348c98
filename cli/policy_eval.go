package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/decisionapi"
)

func newPolicyEvalCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "eval --entities DIR [--policy-set ID] --context FILE",
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

A JSON context is read as the body of POST /v1/decide is, by the same reader
(docs/decision-api.md): it may also hold policy_set and path, which the flags
then need not repeat, and a lone surrogate escape such as \ud800 is refused
with its byte. --output json writes the decision as the API answers it.

Without --plugins, the environment attributes are the context's only, no
object setter runs, and no obligation can run, so a decision that carries one
does not grant. With --plugins the plugins of the folder supply environment
attributes, set object attributes and carry out obligations as gatehouse serve
does at POST /v1/decide with the same --config (laid over the embedded one):
the object setters of policy.decision_api.object_setters with their
configuration (without that key, every object setter, by priority, without
configuration), the obligations by component name, or as policy.obligations
maps them, with the configuration of policy.decision_api.obligations; a name
that several plugins provide means the component of the plugin
policy.providers chooses.

With --compat arpoc-code, or policy.compat: arpoc-code in the --config file, a
DENY rule whose condition is false denies, as ARPOC's code decides, instead of
granting as documented (docs/policy-language.md, difference 1).

Problems of the entity files are listed on standard error; the entities that
loaded decide. Exit status 0 when access is granted, 1 when it is not, 2 for
bad usage, an unreadable context or an unknown policy set.`,
		Example: `  gatehouse policy eval --entities conformance/arpoc/config --policy-set com.example.policysets.loggedIn \
      --context examples/access-control/ann.json --plugins plugins/
  gatehouse policy eval --entities conformance/arpoc/config --context examples/access-control/decide.json \
      --plugins plugins/ --config examples/access-control/gatehouse.yaml
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
	cmd.Flags().String("policy-set", "", "the id of the policy set to evaluate (default: the context's policy_set)")
	cmd.Flags().String("context", "", `the file of the request's attributes, JSON or YAML; "-" for standard input`)
	cmd.Flags().String("path", "", "the request's path, for object setters (default: the context's path)")
	cmd.Flags().String("plugins", "", "a folder of plugins that supply attributes and carry out obligations")
	addCompatFlag(cmd)
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
	req, err := readContext(cmd.InOrStdin(), contextFile)
	if err != nil {
		return usage("%v", err)
	}
	for _, f := range []struct {
		flag  string
		field *string
	}{{"policy-set", &req.PolicySet}, {"path", &req.Path}} {
		v, _ := cmd.Flags().GetString(f.flag)
		switch {
		case v != "" && *f.field != "" && v != *f.field:
			return usage("--%s %q and the context's %q differ", f.flag, v, *f.field)
		case v != "":
			*f.field = v
		}
	}
	if req.PolicySet == "" {
		return usage("--policy-set: required, unless the context holds policy_set")
	}
	s := policy.Load(paths...)
	printProblems(cmd.ErrOrStderr(), s.Problems())

	pluginDir, _ := cmd.Flags().GetString("plugins")
	plugins, err := loadPolicyPlugins(cmd, pluginDir)
	if err != nil {
		return err
	}
	defer plugins.close()
	compat, err := policyCompat(cmd)
	if err != nil {
		return err
	}
	e := policy.NewEngine(s, policy.Config{Environment: plugins.environment, Obligations: plugins.obligations, Compat: compat})
	d, err := e.Decide(cmd.Context(), req.PolicyRequest(plugins.setters, plugins.obligationConfig))
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

// readContext reads the request from file, or from stdin for "-": a JSON
// object as the body of POST /v1/decide, read by the same reader (so
// policy_set and path may be there), or YAML, whose unknown keys are
// errors naming the line.
func readContext(stdin io.Reader, file string) (*decisionapi.Request, error) {
	b, err := readInput(stdin, file)
	if err != nil {
		return nil, fmt.Errorf("read context: %w", err)
	}
	name := "context " + file
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return decisionapi.ReadRequest(b, name)
	}
	var attrs policy.Attributes
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&attrs); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &decisionapi.Request{Subject: attrs.Subject, Object: attrs.Object, Environment: attrs.Environment, Access: attrs.Access}, nil
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
