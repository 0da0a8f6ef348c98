package simulate_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/sim/fuzz"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

// TestReplayGivesTheRunsEnd checks on generated models that replaying a
// run's trace, with or without a header, ends where the run did.
func TestReplayGivesTheRunsEnd(t *testing.T) {
	for seed := range uint64(10) {
		m, err := fuzz.Generate(fuzz.Options{Locations: 30, Density: 2, Credentials: 3, Documents: 3, Roles: 2, Actors: 6, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		var trace bytes.Buffer
		if seed%2 == 0 {
			simulate.WriteHeader(&trace, simulate.Header{Kind: simulate.HeaderTrace, Seed: int64(seed), Ticks: 200})
		}
		res, err := simulate.Run(context.Background(), m, simulate.Config{Seed: int64(seed), Ticks: 200, Agent: builtin("random"), Trace: &trace})
		if err != nil {
			t.Fatal(err)
		}
		h, steps, err := simulate.ReadTrace(&trace)
		if err != nil {
			t.Fatal(err)
		}
		if h.Version != 1 || int64(len(steps)) != res.Steps {
			t.Fatalf("seed %d: header %+v, %d steps; want version 1, %d steps", seed, h, len(steps), res.Steps)
		}
		ticks := 0
		got, err := simulate.Replay(context.Background(), m, steps, func(*simulate.Result) error { ticks++; return nil })
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !reflect.DeepEqual(got.Actors, res.Actors) || got.Reason != res.Reason || got.Steps != res.Steps || ticks == 0 {
			t.Fatalf("seed %d: replay ends with %+v after %d ticks, the run with %+v", seed, got, ticks, res)
		}
	}
}

// TestHostileTrace checks that traces that are not what the model lets
// happen, or not traces of this version, are refused, naming the step or
// the line.
func TestHostileTrace(t *testing.T) {
	m := load(t, office)
	var trace bytes.Buffer
	if _, err := simulate.Run(context.Background(), m, simulate.Config{Seed: 1, Agent: builtin("shortest"), Trace: &trace}); err != nil {
		t.Fatal(err)
	}
	good := trace.String() // street -> lobby, take key, lobby -> office, take plans
	for _, tc := range []struct{ name, old, new, want string }{
		{"teleport", `"source":"street","target":"lobby"`, `"source":"street","target":"office"`, `step 1: actor "eve" cannot move "office" at "street"`},
		{"elsewhere", `"source":"street"`, `"source":"lobby"`, `step 1: actor "eve" acts at "lobby" but is at "street"`},
		{"cheaper", `"time":2`, `"time":1`, `has risk 0%, time 2`},
		{"unknown actor", `"actor":"eve"`, `"actor":"mallory"`, `step 1: no actor "mallory"`},
		{"time travel", `{"tick":1,`, `{"tick":0,`, `step 2: actor "eve" acts twice in tick 0`},
		{"busy", `{"tick":4,`, `{"tick":3,`, `step 4: actor "eve" acts in tick 3 but is busy until tick 4`},
		{"lucky", `"outcome":"ok"`, `"outcome":"risk"`, `recorded failed by chance but has no risk`},
		{"unknown field", `"outcome":"ok"`, `"outcome":"ok","extra":1`, `line 1: json: unknown field "extra"`},
		{"newer", ``, `{"version":2,"kind":"trace","seed":1,"ticks":9}` + "\n", `line 1: version 2: this gatehouse reads versions 1 to 1`},
		{"log", ``, `{"version":1,"kind":"log","seed":1,"ticks":9}` + "\n", `line 1: a log, not a trace`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.new + good
			if tc.old != "" {
				src = strings.Replace(good, tc.old, tc.new, 1)
			}
			_, steps, err := simulate.ReadTrace(strings.NewReader(src))
			if err == nil {
				_, err = simulate.Replay(context.Background(), m, steps, nil)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if tc.name == "log" && !errors.Is(err, simulate.ErrNotTrace) {
				t.Errorf("%v is not ErrNotTrace", err)
			}
		})
	}
}
