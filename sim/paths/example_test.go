package paths_test

import (
	"fmt"

	"github.com/gatehouse/gatehouse/sim/lang"
	"github.com/gatehouse/gatehouse/sim/paths"
)

// Find answers how an actor holding nothing gets from the hall to the
// vault, and Unlogged how it gets there without leaving a log entry.
func ExampleFind() {
	m, err := lang.Parse([]byte(`
possessibles { credential badge; }
connections {
  hall -> vault { badge: mlog (0%, 1) *: mlog (50%, 1) }
  hall -> yard { *: m } yard -> vault { *: m (20%, 3) }
}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	hall, _ := m.LocationID("hall")
	vault, _ := m.LocationID("vault")
	nothing := paths.Holding(nil, nil)
	for _, rule := range []paths.Rule{nothing, paths.Unlogged(nothing)} {
		p, _ := paths.Find(m, hall, vault, rule)
		for i, v := range p {
			if i > 0 {
				fmt.Print(" -> ")
			}
			fmt.Print(m.Locations()[v])
		}
		fmt.Println()
	}
	// Output:
	// hall -> vault
	// hall -> yard -> vault
}
