package consumer

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/openc2"
)

// jobKind is what a scheduled job does when due.
type jobKind string

const (
	// jobStart carries out a command whose start_time has come.
	jobStart jobKind = "start"
	// jobStop deletes, on one component, the rule a command created, at the
	// command's stop_time.
	jobStop jobKind = "stop"
)

// maxRetryDelay bounds the delay between attempts of a failing stop job.
const maxRetryDelay = 5 * time.Minute

// keyPrefix starts the store key of every job.
const keyPrefix = "job/"

// job is scheduled work, as kept in the store (JSON).
type job struct {
	ID   string  `json:"id"`
	Kind jobKind `json:"kind"`
	// Due is when to run the job, in milliseconds since the Unix epoch.
	Due int64 `json:"due"`
	// Command is the LS v1.0 JSON of the command to carry out.
	Command json.RawMessage `json:"command"`
	Headers openc2.Headers  `json:"headers"`
	// CommandID identifies the command the job belongs to, by which a
	// cancel names it: the command's command_id, else its request_id (LS
	// v1.0 section 3.3.1). Jobs written without it fall back to the
	// request_id of Headers.
	CommandID string `json:"command_id,omitempty"`
	// Rule is the consumer's rule number a stop job deletes.
	Rule int64 `json:"rule,omitempty"`
	// Actuator is the component a stop job written before the consumer
	// numbered rules addresses, with that component's rule number.
	Actuator string `json:"actuator,omitempty"`
	// Seq is the command's entry in the history; 0 for none.
	Seq uint64 `json:"seq,omitempty"`
	// Attempts counts the failed runs of a stop job.
	Attempts int `json:"attempts,omitempty"`
}

// scheduler keeps the jobs in memory and in the store and runs them when
// due.
type scheduler struct {
	c     *Consumer
	store Store // nil keeps jobs in memory only
	mu    sync.Mutex
	jobs  map[string]*job // jobs waiting; a running job is not here
	wake  chan struct{}
}

func newScheduler(c *Consumer, store Store) *scheduler {
	return &scheduler{c: c, store: store, jobs: map[string]*job{}, wake: make(chan struct{}, 1)}
}

// add gives j an ID, writes it to the store and schedules it.
func (s *scheduler) add(j *job) error {
	var id [8]byte
	_, _ = rand.Read(id[:])
	j.ID = hex.EncodeToString(id[:])
	return s.put(j)
}

// put writes j to the store and schedules it.
func (s *scheduler) put(j *job) error {
	if s.store != nil {
		b, err := json.Marshal(j)
		if err != nil {
			return err
		}
		if err := s.store.Set([]byte(keyPrefix+j.ID), b); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.jobs[j.ID] = j
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

// load reads the jobs kept in the store. A job that does not decode is
// reported and left in the store for an operator to look at.
func (s *scheduler) load() error {
	if s.store == nil {
		return nil
	}
	keys, err := s.store.List([]byte(keyPrefix))
	if err != nil {
		return fmt.Errorf("load scheduled commands: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		b, ok, err := s.store.Get(k)
		if err != nil {
			return fmt.Errorf("load scheduled command %s: %w", k, err)
		}
		var j job
		if ok {
			err = json.Unmarshal(b, &j)
		}
		if !ok || err != nil || j.ID != string(k[len(keyPrefix):]) {
			s.c.logger.Error("openc2 scheduled command unreadable; left in the store", "key", string(k), "error", err)
			continue
		}
		if j.CommandID == "" {
			j.CommandID = j.Headers.RequestID
		}
		s.jobs[j.ID] = &j
	}
	return nil
}

// take removes the waiting jobs of the command id from the schedule and
// returns them, by due time and component; a job running now is not among
// them.
func (s *scheduler) take(id string) []*job {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*job
	for key, j := range s.jobs {
		if j.CommandID == id {
			out = append(out, j)
			delete(s.jobs, key)
		}
	}
	slices.SortFunc(out, func(a, b *job) int { return cmp.Or(cmp.Compare(a.Due, b.Due), strings.Compare(a.Actuator, b.Actuator)) })
	return out
}

// forget removes j, taken from the schedule, from the store; a failure is
// logged as well as returned.
func (s *scheduler) forget(j *job) error {
	if s.store == nil {
		return nil
	}
	err := s.store.Delete([]byte(keyPrefix + j.ID))
	if err != nil {
		s.c.logger.Error("openc2 remove scheduled command", "id", j.ID, "error", err)
	}
	return err
}

// run runs jobs as they fall due until ctx ends.
func (s *scheduler) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		s.runDue(ctx, s.c.now())
		wait := time.Hour
		if next, ok := s.next(); ok {
			wait = max(0, time.UnixMilli(next).Sub(s.c.now()))
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-timer.C:
		}
	}
}

// next returns the earliest due time, if any job waits.
func (s *scheduler) next() (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var due int64
	for _, j := range s.jobs {
		if due == 0 || j.Due < due {
			due = j.Due
		}
	}
	return due, due != 0
}

// runDue runs every job due at now, concurrently, and waits for them.
func (s *scheduler) runDue(ctx context.Context, now time.Time) {
	s.mu.Lock()
	var due []*job
	for id, j := range s.jobs {
		if j.Due <= now.UnixMilli() {
			due = append(due, j)
			delete(s.jobs, id)
		}
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, j := range due {
		wg.Go(func() { s.do(ctx, j) })
	}
	wg.Wait()
}

// do runs j, then removes it from the store, or schedules its next
// attempt, and returns the response to the job's command.
func (s *scheduler) do(ctx context.Context, j *job) *openc2.Response {
	cmd, err := openc2.DecodeCommand(j.Command)
	if err != nil {
		s.c.logger.Error("openc2 scheduled command unreadable; left in the store", "id", j.ID, "error", err)
		return status(openc2.StatusInternalError, "scheduled command unreadable: "+err.Error())
	}
	var r *openc2.Response
	switch j.Kind {
	case jobStart:
		r = s.c.carryOut(withSeq(ctx, j.Seq), j.Headers, cmd)
		if ctx.Err() == nil {
			s.c.history.finished(j.Seq, "start", cmd.Action, r)
		}
	case jobStop:
		r = s.c.stop(ctx, j, cmd)
		s.c.history.stopped(j.Seq, r)
		if r.Status >= 500 && ctx.Err() == nil {
			j.Attempts++
			j.Due = s.c.now().Add(min(time.Second<<min(j.Attempts, 16), maxRetryDelay)).UnixMilli()
			s.c.logger.Warn("openc2 scheduled delete failed; will retry", "actuator", j.Actuator, "attempts", j.Attempts,
				"at", stamp(time.UnixMilli(j.Due)), "status", r.Status, "status_text", r.StatusText)
			if err := s.put(j); err != nil {
				s.c.logger.Error("openc2 reschedule failed", "id", j.ID, "error", err)
			}
			return r
		}
	default:
		s.c.logger.Error("openc2 scheduled job of unknown kind; left in the store", "id", j.ID, "kind", j.Kind)
		return status(openc2.StatusInternalError, fmt.Sprintf("scheduled job of unknown kind %q", j.Kind))
	}
	if ctx.Err() != nil {
		return r // stopped while running: the job stays in the store for the next start
	}
	s.c.logOutcome("scheduled "+string(j.Kind), r)
	_ = s.forget(j) // logged; the job runs again after a restart
	return r
}

// stop deletes the rules of a stop job's command.
func (c *Consumer) stop(ctx context.Context, j *job, cmd *openc2.Command) *openc2.Response {
	ac, err := actuatorCommand(cmd)
	if err != nil {
		return status(openc2.StatusInternalError, "command: "+err.Error())
	}
	req := actuateRequest(j.Headers, cmd, ac)
	req.Profile = "slpf"
	if j.Actuator != "" {
		return c.actuate(ctx, j.Actuator, req).resp
	}
	if c.rules.parts(j.Rule, nil) == nil {
		return status(openc2.StatusOK, fmt.Sprintf("rule number %d was deleted before its stop_time", j.Rule))
	}
	return c.deleteRule(ctx, req, j.Rule, nil)
}
