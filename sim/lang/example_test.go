package lang_test

import (
	"fmt"

	"github.com/gatehouse/gatehouse/sim/lang"
	"github.com/gatehouse/gatehouse/sim/model"
)

// Parse reads the fragment of the framework's thesis as written and
// re-maps its clauses into components of the move policy.
func ExampleParse() {
	m, err := lang.Parse([]byte(`
connections {
  hallway -> office {
    key: mlog (0%, 2)
    *: m (10%, 5)
  };
}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range m.Connections() {
		for _, comp := range c.Policies[model.Move] {
			fmt.Printf("%s -> %s: requires %v, risk %v%%, time %d, logs %d fields\n",
				c.From, c.To, comp.Restrictions.Credentials, comp.Annotation.Risk, comp.Annotation.Time, len(comp.Log.Fields()))
		}
	}
	_, err = lang.Parse([]byte("locations { hall; }\nconnections { hall -> office { } }"))
	fmt.Println(err)
	// Output:
	// hallway -> office: requires [key], risk 0%, time 2, logs 5 fields
	// hallway -> office: requires [], risk 10%, time 5, logs 0 fields
	// 2:23: unknown location "office"
}
