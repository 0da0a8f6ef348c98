package simhttp_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/sim/simhttp"
)

// ExampleRegister serves runs with the built-in agents and reads the
// events of one.
func ExampleRegister() {
	e := echo.New()
	simhttp.Register(e, simhttp.Options{})
	srv := httptest.NewServer(e)
	defer srv.Close()

	body := `{"model": "connections { hall -> lab { *: m } }\nactors { eve { at hall; goals lab; } }", "seed": 1}`
	resp, err := http.Post(srv.URL+"/v1/sim/runs", "application/json", strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	for sc := bufio.NewScanner(resp.Body); sc.Scan(); {
		if line := sc.Text(); line != "" {
			fmt.Println(line)
		}
	}
	// Output:
	// event: start
	// data: {"seed":1,"ticks":1000,"agents":{"eve":"shortest"}}
	// event: step
	// data: {"tick":0,"actor":"eve","action":"move","source":"hall","target":"lab","risk":0,"time":1,"outcome":"ok"}
	// event: goals
	// data: {"tick":0,"actor":"eve"}
	// event: end
	// data: {"ticks":1,"steps":1,"reason":"goals","actors":[{"name":"eve","location":"lab","goals_met":0}]}
}
