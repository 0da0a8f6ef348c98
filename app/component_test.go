package app

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestComponentsCloseInReverse starts components of which the third
// fails, and checks that it and those before it close in reverse order,
// that the one after it never starts, and that a close failure is
// reported with the start's error.
func TestComponentsCloseInReverse(t *testing.T) {
	var log []string
	comp := func(name string, startErr, closeErr error) component {
		return component{
			name: name,
			start: func(context.Context) error {
				log = append(log, "start "+name)
				return startErr
			},
			close: func(context.Context) error {
				log = append(log, "close "+name)
				return closeErr
			},
		}
	}
	cleanup := func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }
	tests := []struct {
		name  string
		comps []component
		log   []string
		err   string
	}{
		{
			name:  "all start",
			comps: []component{comp("a", nil, nil), comp("b", nil, nil)},
			log:   []string{"start a", "start b"},
		},
		{
			name:  "third fails",
			comps: []component{comp("a", nil, nil), comp("b", nil, nil), comp("c", errors.New("c broke"), nil), comp("d", nil, nil)},
			log:   []string{"start a", "start b", "start c", "close c", "close b", "close a"},
			err:   "c broke",
		},
		{
			name:  "a close fails too",
			comps: []component{comp("a", nil, errors.New("a stuck")), {name: "b", start: func(context.Context) error { log = append(log, "start b"); return errors.New("b broke") }}},
			log:   []string{"start a", "start b", "close a"},
			err:   "b broke\nafter a failed start of b: a: a stuck",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log = nil
			s, err := start(t.Context(), tt.comps, cleanup)
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || err.Error() != tt.err) {
				t.Fatalf("start: %v, want %q", err, tt.err)
			}
			if !slices.Equal(log, tt.log) {
				t.Errorf("\n%s\nwant\n%s", strings.Join(log, "\n"), strings.Join(tt.log, "\n"))
			}
			if err != nil {
				return
			}
			log = nil
			if err := s.close(t.Context()); err != nil {
				t.Fatal(err)
			}
			want := []string{"close b", "close a"}
			if !slices.Equal(log, want) {
				t.Errorf("close: %q, want %q", log, want)
			}
		})
	}
}
