package agent

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/sim/lang"
)

func TestAssign(t *testing.T) {
	m, err := lang.Parse([]byte(`actors { ann { at hall; } bob { at hall; } eve { at hall; } }`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		specs   []string
		want    map[string]string
		plugins []string
		err     string
	}{
		{"default", nil, map[string]string{"ann": "shortest", "bob": "shortest", "eve": "shortest"}, nil, ""},
		{"one actor and the rest", []string{"eve=greedy", "*=random", "bob=c-basics/greedy"},
			map[string]string{"ann": "random", "bob": "c-basics/greedy", "eve": "greedy"}, []string{"c-basics/greedy", "greedy"}, ""},
		{"the last spec of an actor wins", []string{"eve=random", "eve=greedy", "*=greedy"},
			map[string]string{"ann": "greedy", "bob": "greedy", "eve": "greedy"}, []string{"greedy"}, ""},
		{"no agent", []string{"eve="}, nil, nil, `agent "eve=": want ACTOR=AGENT`},
		{"no actor", []string{"=random"}, nil, nil, `agent "=random": want ACTOR=AGENT`},
		{"unknown actor", []string{"zed=random"}, nil, nil, `agent "zed=random": the model has no actor "zed"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			specs := slices.Clone(tt.specs)
			got, err := Assign(m, tt.specs)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || !maps.Equal(got, tt.want) {
				t.Fatalf("Assign = %v, %v; want %v", got, err, tt.want)
			}
			if p := Plugins(got); !slices.Equal(p, tt.plugins) {
				t.Errorf("Plugins = %q, want %q", p, tt.plugins)
			}
			if !slices.Equal(specs, tt.specs) {
				t.Errorf("specs changed to %q", tt.specs)
			}
		})
	}
}
