package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/app"
	"github.com/gatehouse/gatehouse/sim/agent"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

func newSimRunCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Simulate a model with agents driving its actors",
		Long: `Run simulates a model tick by tick (docs/simulation.md): each free actor's agent
chooses among the actions its holdings and roles allow, risks are drawn from a
random source seeded with --seed, and the run ends when every actor with goals has
met them or after --ticks ticks. The same seed gives the same run.

Agents are built in (random, shortest, planner) or agent components of plugins in --plugins
(default: the configured plugin folder), named NAME, or PLUGIN/NAME when several
plugins provide the name (docs/plugins.md, "Naming a component"); the planner agents
of the basics plugins (basics/planner, c-basics/planner, ...) follow the built-in
planner's plans, which the host gives them. Every actor gets
the shortest agent unless --agent says otherwise; --agent '*=random' changes the
default. --trace and --log write the trace of every action and the log of the
logged ones as JSON lines, each after a header line with the format's version
and the run's seed, ticks, conflicts, agents and model digest (docs/simulation.md);
sim replay reads the trace.`,
		Example: `  gatehouse sim run examples/office.model --seed 7
  gatehouse sim run examples/office.model --agent mallory=random --trace trace.jsonl --log log.jsonl
  gatehouse sim run examples/datacentre.model --plugins plugins --agent intruder=basics/greedy --conflicts priority:gus
  gatehouse sim run examples/social.model --ticks 50 --output json
  gatehouse sim run examples/datacentre.model --agent '*=planner' --ticks 300
  gatehouse sim run examples/datacentre.model --plugins plugins --agent '*=basics/planner' --ticks 60`,
		Args: cobra.ExactArgs(1),
		RunE: runSimRun,
	}
	f := cmd.Flags()
	f.StringArray("agent", nil, "ACTOR=AGENT: the agent of an actor, or of every other actor with *= (repeatable)")
	f.Int64("ticks", simulate.DefaultTicks, "the most ticks to run")
	f.Int64("seed", 1, "the seed of the run's random source")
	f.String("trace", "", "write the trace of every action to this file, as JSON lines")
	f.String("log", "", "write the log of the logged actions to this file, as JSON lines")
	f.String("plugins", "", "the folder of agent plugins (default: the configured plugin folder)")
	f.String("conflicts", "random", "how contending actions are resolved: random, fail, or priority:ACTOR,...")
	addOutputFlag(cmd)
	return cmd
}

func runSimRun(cmd *cobra.Command, args []string) error {
	asJSON, err := jsonOutput(cmd)
	if err != nil {
		return err
	}
	m, sum, err := loadModelSum(cmd, args[0])
	if err != nil {
		return err
	}
	f := cmd.Flags()
	cfg := simulate.Config{}
	cfg.Ticks, _ = f.GetInt64("ticks")
	cfg.Seed, _ = f.GetInt64("seed")
	if cfg.Ticks < 1 {
		return usage("--ticks %d: a run needs at least 1 tick", cfg.Ticks)
	}
	conflicts, _ := f.GetString("conflicts")
	if cfg.Conflicts, err = simulate.ParseConflicts(m, conflicts); err != nil {
		return usage("--%v", err)
	}
	specs, _ := f.GetStringArray("agent")
	assigned, err := agent.Assign(m, specs)
	if err != nil {
		return usage("--%v", err)
	}
	ctx := cmd.Context()
	team, closeAgents, err := openAgents(cmd, assigned)
	if err != nil {
		return err
	}
	defer closeAgents()
	cfg.Agent = team
	for _, out := range []struct {
		flag string
		dst  *io.Writer
	}{{"trace", &cfg.Trace}, {"log", &cfg.Log}} {
		path, _ := f.GetString(out.flag)
		if path == "" {
			continue
		}
		file, err := os.Create(path)
		if err != nil {
			return usage("--%s: %v", out.flag, err)
		}
		defer file.Close()
		h := simulate.Header{Kind: out.flag, Seed: cfg.Seed, Ticks: cfg.Ticks, Conflicts: conflicts, Agents: assigned, Model: sum}
		if err := simulate.WriteHeader(file, h); err != nil {
			return usage("--%s: %v", out.flag, err)
		}
		*out.dst = file
	}
	bar := progressBar(cmd, asJSON, false, "run", cfg.Ticks, "ticks")
	if bar != nil {
		cfg.Progress = bar.Set
	}
	res, err := simulate.Run(ctx, m, cfg)
	bar.Done()
	if err != nil {
		return finding("%v", err)
	}
	if asJSON {
		return printJSON(cmd.OutOrStdout(), res)
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "run ended after %d ticks (%s) with %d steps\n", res.Ticks, res.Reason, res.Steps)
	return printActors(w, res, assigned)
}

// openAgents loads the plugin folder if some agent is not built in, and
// opens a session per plugin agent component: it returns the Config.Agent
// of the run and the function that closes the sessions and the plugins.
func openAgents(cmd *cobra.Command, assigned map[string]string) (func(actor string) (simulate.Agent, error), func(), error) {
	names := agent.Plugins(assigned)
	if len(names) == 0 {
		return agent.Play(assigned, nil), func() {}, nil
	}
	f, err := loadConfig(cmd)
	if err != nil {
		return nil, nil, err
	}
	dir := f.PluginsDir
	if d, _ := cmd.Flags().GetString("plugins"); d != "" {
		dir = d
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, nil, usage("agents %s are not built in (%s), and the plugin folder %s is not a folder",
			strings.Join(names, ", "), strings.Join(agent.Names, ", "), dir)
	}
	ctx := cmd.Context()
	h, err := app.Open(ctx, f, offline(cmd, dir))
	if err != nil {
		return nil, nil, usage("%v", err)
	}
	closeHost := func() { h.Close(context.WithoutCancel(ctx)) }
	team, closeSessions, err := app.Agents(ctx, h, assigned)
	if err != nil {
		closeHost()
		return nil, nil, usage("%v", err) // it names the agent, and its plugin if there is one
	}
	return team, func() { closeSessions(); closeHost() }, nil
}
