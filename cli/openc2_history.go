package cli

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/openc2/producer"
)

func newOpenC2HistoryCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "history --to URL [flags]",
		Short: "List the commands a Gatehouse consumer received",
		Long: `History prints the commands a gatehouse serve received, newest first, from
its GET /v1/openc2/commands: when each arrived, its requester, action and
target, the components it was routed to, its state (pending, scheduled,
done, in_effect, ended, cancelled), its latest status and the rule number
it holds. A scheduled command shows the outcome of its start, or of its end
at stop_time when that failed.

--status keeps one status code, or "failed" for every error; --actuator
one component (PLUGIN/NAME); --limit and --before page through the
history (the last line says which --before gives the next page).
--output json prints the page as the route answers it.`,
		Example: `  gatehouse openc2 history --to http://127.0.0.1:8080
  gatehouse openc2 history --to https://fw1.example.net --cacert ca.pem --status failed --output json`,
		Annotations: map[string]string{"doctest": "skip fw1.example.net (a consumer of the reader's)"},
		Args:        cobra.NoArgs,
		RunE:        runOpenC2History,
	}
	addConsumerFlags(cmd)
	f := cmd.Flags()
	f.String("status", "", `only commands of this status code, or "failed" for every error`)
	f.String("actuator", "", `only commands routed to this component, PLUGIN/NAME`)
	f.Int("limit", 50, "the most commands to list")
	f.Uint64("before", 0, "only commands older than this sequence number")
	addOutputFlag(cmd)
	return cmd
}

func runOpenC2History(cmd *cobra.Command, _ []string) error {
	asJSON, err := jsonOutput(cmd)
	if err != nil {
		return err
	}
	cfg, err := consumerConfig(cmd)
	if err != nil {
		return err
	}
	c, err := producer.New(cfg)
	if err != nil {
		return usage("--to: %v", err)
	}
	f := cmd.Flags()
	q := url.Values{}
	for _, name := range []string{"status", "actuator"} {
		if v, _ := f.GetString(name); v != "" {
			q.Set(name, v)
		}
	}
	if v, _ := f.GetInt("limit"); v != 50 {
		q.Set("limit", strconv.Itoa(v))
	}
	if v, _ := f.GetUint64("before"); v != 0 {
		q.Set("before", strconv.FormatUint(v, 10))
	}
	page, err := c.History(cmd.Context(), q)
	if err != nil {
		return finding("history of %s: %v", cfg.URL, err)
	}
	if asJSON {
		return printJSON(cmd.OutOrStdout(), page)
	}
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SEQ\tRECEIVED\tREQUESTER\tCOMMAND\tACTUATORS\tSTATE\tSTATUS\tRULE")
	for _, r := range page.Commands {
		action, _ := commandSummary(r.Command)
		rule := ""
		if r.RuleNumber != nil {
			rule = strconv.FormatInt(*r.RuleNumber, 10)
		}
		status := strconv.Itoa(r.Status)
		if r.StatusText != "" {
			status += " " + r.StatusText
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Seq, time.UnixMilli(r.Received).UTC().Format(time.RFC3339),
			orDash(r.Requester), action, orDash(fmt.Sprint(r.Actuators)), r.State, status, orDash(rule))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if page.Next != 0 {
		fmt.Fprintf(cmd.OutOrStdout(), "more: --before %d\n", page.Next)
	}
	return nil
}

// commandSummary returns "action target" of a command's JSON.
func commandSummary(b []byte) (string, bool) {
	var c struct {
		Action string         `json:"action"`
		Target map[string]any `json:"target"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return "?", false
	}
	for name := range c.Target {
		return c.Action + " " + name, true
	}
	return c.Action, true
}

// orDash returns s, or "-" for nothing.
func orDash(s string) string {
	if s == "" || s == "[]" {
		return "-"
	}
	return s
}
