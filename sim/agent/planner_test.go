package agent

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/sim/simulate"
)

func datacentre(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("../../examples/datacentre.model")
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

// TestPlannerFetchesTheKey checks the data centre's story: the
// technician, played by the planner, fetches the cage key from the NOC and
// reaches the cage by the mantrap, its fastest sure way, at the tick worked
// out by hand (moves in ticks 0 to 5, the key in 6, back to the hall in 7,
// into the cage, which takes 2 ticks, in 8). The shortest-path agent,
// which never plans to pick up a key, does not get him there. The
// intruder, also planning, races him for the key, finds it gone and lives
// on without a plan.
func TestPlannerFetchesTheKey(t *testing.T) {
	m := load(t, datacentre(t))
	for _, tc := range []struct {
		agent string
		met   int64
	}{{"planner", 8}, {"shortest", simulate.NotMet}} {
		for seed := range int64(5) {
			var trace bytes.Buffer
			res, err := simulate.Run(context.Background(), m, simulate.Config{Seed: seed, Ticks: 300, Trace: &trace,
				Conflicts: simulate.Priority{"gus"},
				Agent: func(string) (simulate.Agent, error) {
					a, _ := New(tc.agent)
					return a, nil
				}})
			if err != nil {
				t.Fatal(err)
			}
			tech := res.Actors[2]
			if tech.Name != "tech" || tech.GoalsMet != tc.met {
				t.Fatalf("%s, seed %d: %+v, want goals met at %d", tc.agent, seed, tech, tc.met)
			}
			if tc.agent != "planner" {
				continue
			}
			if !strings.Contains(trace.String(), `"tick":6,"actor":"tech","action":"take","source":"noc","possessible":"cage key"`) ||
				!strings.Contains(trace.String(), `"actor":"intruder","action":"move","source":"hall","target":"noc"`) {
				t.Errorf("seed %d: the technician did not take the key in tick 6, or the intruder never went for it:\n%s", seed, trace.String())
			}
		}
	}
}

// TestPlannerReplans checks that the planner tries a failed action again,
// and plans another way when what it went for is gone: eve goes for the
// key in the lobby (the safe way into the office), but it is not there
// (ann holds it), so she takes the risky door.
func TestPlannerReplans(t *testing.T) {
	m := load(t, `
locations { street; lobby; office; }
possessibles { credential key at lobby; }
actors { eve { at street; goals office; } ann { at lobby; } }
connections {
  street <-> lobby { *: m }
  lobby -> office { key: m *: m (50%, 2) }
}`)
	var trace bytes.Buffer
	res, err := simulate.Run(context.Background(), m, simulate.Config{Seed: 1, Trace: &trace, Ticks: 100,
		Agent: func(actor string) (simulate.Agent, error) {
			if actor == "ann" {
				return takeOnce{}, nil
			}
			return &Planner{}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if eve := res.Actors[1]; eve.GoalsMet == simulate.NotMet {
		t.Fatalf("eve did not get in:\n%s", trace.String())
	}
	if !strings.Contains(trace.String(), `"actor":"eve","action":"move","source":"lobby","target":"office","risk":50`) {
		t.Errorf("eve did not take the risky door:\n%s", trace.String())
	}
}

// takeOnce takes whatever it may, and else waits.
type takeOnce struct{}

func (takeOnce) Reset(context.Context, simulate.Start) error { return nil }
func (takeOnce) Act(_ context.Context, obs simulate.Observation) (simulate.Action, error) {
	for _, c := range obs.Choices {
		if c.Kind == simulate.KindTake {
			return c, nil
		}
	}
	return simulate.Action{Kind: simulate.KindWait}, nil
}
