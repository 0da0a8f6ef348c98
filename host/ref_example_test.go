package host_test

import (
	"fmt"

	"github.com/gatehouse/gatehouse/host"
)

func ExampleParseRef() {
	for _, s := range []string{"weekday", "basics/echo", "environment:echo", "environment/echo"} {
		r, err := host.ParseRef(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("kind %q, plugin %q, name %q\n", r.Kind, r.Plugin, r.Name)
	}
	// Output:
	// kind "", plugin "", name "weekday"
	// kind "", plugin "basics", name "echo"
	// kind "environment", plugin "", name "echo"
	// component reference "environment/echo": environment is a kind, written before a colon: environment:echo; a plugin named environment is written KIND:environment/echo (want [KIND:][PLUGIN/]NAME)
}
