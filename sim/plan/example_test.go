package plan_test

import (
	"fmt"
	"os"

	"github.com/gatehouse/gatehouse/sim/lang"
	"github.com/gatehouse/gatehouse/sim/plan"
)

// Find answers how eve gets into the office: by fetching the key from the
// lobby first.
func ExampleFind() {
	m, err := lang.Parse([]byte(`
locations { street; lobby; office; }
possessibles { credential key at lobby; }
actors { eve { at street; goals office; } }
connections {
  street <-> lobby { *: m }
  lobby -> office { key: mlog (0%, 2) }
}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	p, _ := plan.ForActor(m, "eve")
	witness, err := plan.Find(m, p, plan.Options{Criterion: plan.Time})
	if err != nil {
		fmt.Println(err)
		return
	}
	witness.Format(os.Stdout)
	fmt.Println(witness.Locations())
	// Output:
	// fastest: eve meets office in 3 steps, time 4, 100% success, 1 logged
	//    1. move street -> lobby
	//    2. take key at lobby
	//    3. move lobby -> office, with key, time 2, logged
	// [street lobby office]
}
