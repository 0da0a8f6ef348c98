package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// component is one part of the running system. start takes what the
// part needs (files, listeners, plugins) and close gives it back; close
// runs also after a failed start, so it must allow for what start did not
// get to, and it may be nil when there is nothing to give back.
type component struct {
	// name is what the component is, for errors: usually the key of its
	// configuration, such as openc2.store.
	name  string
	start func(ctx context.Context) error
	close func(ctx context.Context) error
}

// started is the components of a running system, in the order they
// started.
type started []component

// start starts comps in order. When one fails, it closes it and those
// started before it, in reverse order, with cleanup's context, and
// returns the start's error.
func start(ctx context.Context, comps []component, cleanup func() (context.Context, context.CancelFunc)) (started, error) {
	var s started
	for _, c := range comps {
		s = append(s, c)
		if err := c.start(ctx); err != nil {
			cctx, cancel := cleanup()
			defer cancel()
			if cerr := s.close(cctx); cerr != nil {
				return nil, errors.Join(err, fmt.Errorf("after a failed start of %s: %w", c.name, cerr))
			}
			return nil, err
		}
	}
	return s, nil
}

// close closes every component of s in reverse order, all of them even
// when some fail, and returns their errors joined.
func (s started) close(ctx context.Context) error {
	var errs []error
	for _, c := range slices.Backward(s) {
		if c.close == nil {
			continue
		}
		if err := c.close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.name, err))
		}
	}
	return errors.Join(errs...)
}
