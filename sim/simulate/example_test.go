package simulate_test

import (
	"context"
	"fmt"
	"os"

	"github.com/gatehouse/gatehouse/sim/agent"
	"github.com/gatehouse/gatehouse/sim/lang"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

// Run plays a model out with built-in agents and writes its log: only the
// logged move, with the fields its log rule names.
func ExampleRun() {
	m, err := lang.Parse([]byte(`
possessibles { credential key at lobby; }
actors { eve { at lobby; goals office; } }
connections { lobby -> office { key: m log[actor, action] (0%, 2) } }`))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := simulate.Run(context.Background(), m, simulate.Config{
		Seed: 1,
		Log:  os.Stdout,
		Agent: func(string) (simulate.Agent, error) {
			a, _ := agent.New("shortest")
			return a, nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s after %d ticks: eve in the %s holding %v\n", res.Reason, res.Ticks, res.Actors[0].Location, res.Actors[0].Holds)
	// Output:
	// {"tick":1,"action":"move","actor":"eve"}
	// goals after 2 ticks: eve in the office holding [key]
}
