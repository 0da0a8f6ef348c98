package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/tlsconf"
	"github.com/gatehouse/gatehouse/policy/pap"
)

func newPolicyApplyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "apply [flags] [FILE|-]",
		Short: "Create, replace or delete entities of a running server",
		Long: `Apply sends the entities of FILE, an entity file (one JSON object of
entities by id, as policy check reads), or of standard input with -, to the
policy administration of a gatehouse serve (policy.admin, docs/policy-admin.md),
and deletes the entities that --delete names. The server writes each entity
as a file of its own, keeping the previous version and logging the change,
and decides with it at once.

Apply first asks the server to check every change together (POST
/v1/policy/check): when the entities would load with new errors, it prints
them, with the file and line of the server's folder, and changes nothing.
Then it puts the entities, those that others of FILE contain first, and
deletes last, in the order given. A refusal midway stops it: the changes
before it stay made, as its output and the server's change log say.
--dry-run stops after the check.

The server's token comes from --token-file, or from the environment variable
GATEHOUSE_TOKEN. Exit status 1 when the server refuses a change, 2 for bad
flags or a FILE that is not an entity file.`,
		Example: `  gatehouse policy apply --server http://127.0.0.1:8080 --token-file admin.token --dry-run rules.json
  gatehouse policy apply --server https://pdp.example.net --cacert ca.pem --token-file admin.token rules.json
  gatehouse policy apply --server https://pdp.example.net --token-file admin.token --delete com.example.rules.old`,
		Annotations: map[string]string{"doctest": "skip 127.0.0.1:8080 (a serve of the reader's with policy.admin)\n" +
			"skip pdp.example.net (a server of the reader's)"},
		Args: cobra.MaximumNArgs(1),
		RunE: runPolicyApply,
	}
	f := cmd.Flags()
	f.String("server", "http://127.0.0.1:8080", "the server's URL")
	f.String("token-file", "", "file of the bearer token of policy.admin.token_file to send (default: $GATEHOUSE_TOKEN)")
	f.String("cacert", "", "PEM file of the CAs that sign the server's certificate (default: the system's)")
	f.String("cert", "", "PEM file of the client certificate, for mutual TLS")
	f.String("key", "", "PEM file of the client certificate's key")
	f.StringArray("delete", nil, "the id of an entity to delete (repeat for more)")
	f.Bool("dry-run", false, "only check the changes")
	f.Duration("timeout", pap.DefaultTimeout, "how long to wait for each answer")
	addOutputFlag(cmd)
	return cmd
}

// applied is the JSON output of policy apply.
type applied struct {
	DryRun bool `json:"dry_run"`
	pap.Result
}

func runPolicyApply(cmd *cobra.Command, args []string) error {
	asJSON, err := jsonOutput(cmd)
	if err != nil {
		return err
	}
	f := cmd.Flags()
	deletes, _ := f.GetStringArray("delete")
	dryRun, _ := f.GetBool("dry-run")
	if len(args) == 0 && len(deletes) == 0 {
		return usage("nothing to apply: give an entity file, or --delete ID")
	}
	var entities []entityDef
	if len(args) == 1 {
		if entities, err = readEntityFile(cmd.InOrStdin(), args[0]); err != nil {
			return usage("%v", err)
		}
	}
	c, err := applyClient(cmd)
	if err != nil {
		return err
	}
	w, ew := cmd.OutOrStdout(), cmd.ErrOrStderr()
	req := pap.CheckRequest{Entities: map[string]json.RawMessage{}, Delete: deletes}
	for _, e := range entities {
		req.Entities[e.id] = e.def
	}
	out := applied{DryRun: dryRun}
	checked, err := c.Check(cmd.Context(), req)
	if err != nil {
		return refused(ew, err)
	}
	out.Warnings = checked.Warnings
	if dryRun {
		out.Changes = checked.Changes
	} else {
		for _, e := range containedFirst(entities) {
			r, err := c.Put(cmd.Context(), e.id, e.def)
			if err != nil {
				_ = printApplied(w, asJSON, out)
				return refused(ew, err)
			}
			out.Changes = append(out.Changes, r.Changes...)
		}
		for _, id := range deletes {
			r, err := c.Delete(cmd.Context(), id)
			if err != nil {
				_ = printApplied(w, asJSON, out)
				return refused(ew, err)
			}
			out.Changes = append(out.Changes, r.Changes...)
		}
	}
	return printApplied(w, asJSON, out)
}

// applyClient returns the client of the server the flags name.
func applyClient(cmd *cobra.Command) (*pap.Client, error) {
	f := cmd.Flags()
	str := func(name string) string { v, _ := f.GetString(name); return v }
	tlsCfg, err := tlsconf.Client(str("cacert"), str("cert"), str("key"), false, [3]string{"--cacert", "--cert", "--key"})
	if err != nil {
		return nil, usage("%v", err)
	}
	token := os.Getenv("GATEHOUSE_TOKEN")
	if file := str("token-file"); file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, usage("--token-file: %v", err)
		}
		token = string(b)
	}
	timeout, _ := f.GetDuration("timeout")
	c, err := pap.NewClient(str("server"), strings.TrimSpace(token), tlsCfg, timeout)
	if err != nil {
		return nil, usage("--server: %v", err)
	}
	return c, nil
}

// printApplied prints the changes made or checked, one a line, and the
// warnings; or out as JSON.
func printApplied(w io.Writer, asJSON bool, out applied) error {
	if asJSON {
		if out.Changes == nil {
			out.Changes = []pap.Applied{}
		}
		return printJSON(w, out)
	}
	printProblems(w, out.Warnings)
	for _, a := range out.Changes {
		action := a.Action
		if out.DryRun {
			action = "would be " + action
		}
		kind := ""
		if a.Kind != "" {
			kind = " (" + a.Kind + ")"
		}
		fmt.Fprintf(w, "%s%s: %s in %s\n", a.ID, kind, action, a.File)
	}
	return nil
}

// refused prints to w the loader's problems of a change the server
// refused, and returns the refusal as a finding.
func refused(w io.Writer, err error) error {
	if ae := (*pap.AnswerError)(nil); errors.As(err, &ae) {
		printProblems(w, ae.Body.Problems)
	}
	return finding("%v", err)
}

// entityDef is an entity of an entity file: its id and definition.
type entityDef struct {
	id  string
	def json.RawMessage
}

// readEntityFile returns the entities of the entity file name ("-" for
// in), in the file's order.
func readEntityFile(in io.Reader, name string) ([]entityDef, error) {
	b, err := readInput(in, name)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("%s: an entity file is one JSON object of entities by id", name)
	}
	var out []entityDef
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		id := tok.(string)
		var def json.RawMessage
		if err := dec.Decode(&def); err != nil {
			return nil, fmt.Errorf("%s: entity %q: %v", name, id, err)
		}
		if seen[id] {
			return nil, fmt.Errorf("%s: entity %q is defined twice", name, id)
		}
		seen[id] = true
		out = append(out, entityDef{id, def})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%s: more than one JSON value", name)
	}
	return out, nil
}

// containedFirst returns entities ordered so that an entity that another
// contains (through PolicySets, Policies or Rules) comes before it, and
// the order of the file otherwise; a cycle, which the server refuses,
// keeps the file's order.
func containedFirst(entities []entityDef) []entityDef {
	byID := map[string]entityDef{}
	for _, e := range entities {
		byID[e.id] = e
	}
	var out []entityDef
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(e entityDef)
	visit = func(e entityDef) {
		if state[e.id] != 0 {
			return
		}
		state[e.id] = 1
		var refs struct{ PolicySets, Policies, Rules []string }
		_ = json.Unmarshal(e.def, &refs) // the server reports a bad definition
		for _, ids := range [][]string{refs.PolicySets, refs.Policies, refs.Rules} {
			for _, id := range ids {
				if c, ok := byID[id]; ok {
					visit(c)
				}
			}
		}
		state[e.id] = 2
		out = append(out, e)
	}
	for _, e := range entities {
		visit(e)
	}
	return out
}
