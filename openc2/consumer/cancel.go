package consumer

import (
	"fmt"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/openc2"
)

// isCancel reports whether cmd is 'cancel command' naming no actuator, which
// the consumer answers itself. SLPF v1.0 has no cancel (Tables 2.1.1-1 and
// 2.3-1), so a cancel that names an actuator is routed like any command and
// reaches only components that declare the pair.
func isCancel(cmd *openc2.Command) bool {
	return cmd.Action == openc2.ActionCancel && cmd.Target.Name == openc2.TargetCommand && cmd.Actuator == nil
}

// cancelCommand answers 'cancel command' (LS v1.0 sections 3.3.1.1 and
// 3.3.1.2): it invalidates the command whose identifier the target names
// (the command's command_id, else its request_id, LS v1.0 section 3.3.1),
// when the consumer holds scheduled work of it.
//
//   - A command waiting for its start_time is taken off the schedule and
//     out of the store: it is never carried out.
//   - A command in effect until its stop_time is ended now: the rules it
//     created are deleted at once rather than at stop_time, and the work is
//     taken off the schedule and out of the store. A delete that fails with
//     a 5xx status is retried as a scheduled one is.
//
// The answer is 200 when the command was cancelled (with the components'
// statuses when a delete failed, as for any command), 404 when the
// consumer holds no pending work of that identifier (unknown, done, or
// running at this moment), 400 for a target without an identifier, and
// 500 when the store could not forget a dropped start.
func (c *Consumer) cancelCommand(cmd *openc2.Command) *openc2.Response {
	id, _ := cmd.Target.Value.(string)
	if id == "" {
		return status(openc2.StatusBadRequest, "target.command: names no command to cancel")
	}
	jobs := c.sched.take(id)
	if len(jobs) == 0 {
		return status(openc2.StatusNotFound, fmt.Sprintf("no scheduled command %q to cancel: it is unknown, done or running", id))
	}
	var started []*job
	var kept error // from a start the store could not forget
	for _, j := range jobs {
		if j.Kind == jobStop {
			started = append(started, j)
		} else if err := c.sched.forget(j); err != nil && kept == nil {
			kept = err
		}
	}
	r := status(openc2.StatusOK, fmt.Sprintf("cancelled: %q was to start at %s", id, stamp(time.UnixMilli(jobs[0].Due))))
	if len(started) > 0 {
		if r = merge(c.endNow(started)); r.Status == openc2.StatusOK {
			r = status(openc2.StatusOK, fmt.Sprintf("cancelled: %q ended now, its rules deleted", id))
		}
	}
	if kept != nil {
		return status(openc2.StatusInternalError, fmt.Sprintf("%q is off the schedule but still in the store, so it would run after a restart: %v", id, kept))
	}
	c.history.cancelled(jobs[0].Seq, r)
	return r
}

// endNow runs the stop jobs taken from the schedule at once, concurrently,
// and returns each component's answer. They run under the consumer's
// lifetime, as the scheduler's do: a producer that hangs up does not leave
// a rule half ended.
func (c *Consumer) endNow(stops []*job) []outcome {
	outs := make([]outcome, len(stops))
	var wg sync.WaitGroup
	for i, j := range stops {
		wg.Go(func() { outs[i] = outcome{j.Actuator, c.sched.do(c.ctx, j)} })
	}
	wg.Wait()
	return outs
}
