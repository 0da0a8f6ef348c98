// Package pdp is the policy decision point of a server: a policy.Engine
// over entity files that are watched and reloaded, with the status of the
// last load for the server to show. gatehouse serve makes one when
// policy.entities is configured, and every part of the server that needs
// decisions (the decision API, the reverse proxy, OpenC2 authorization)
// asks it through the policy.Decider interface.
package pdp

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/policy"
)

// Config configures a Point.
type Config struct {
	// Entities are the folders and files of entities, as policy.Load
	// takes them. At least one is needed.
	Entities []string
	// Engine configures the engine: where environment attributes that
	// requests lack come from, and what carries out obligations.
	Engine policy.Config
	// Logger receives a line for each load and one for each problem of a
	// load; nil uses slog.Default().
	Logger *slog.Logger
}

// Point decides requests with the entities of the configured files, which
// it reloads whenever they change. It is safe for concurrent use.
type Point struct {
	engine  *policy.Engine
	watcher *policy.Watcher
	status  atomic.Pointer[Status]
	logger  *slog.Logger
	paths   []string
}

// State is the health of the loaded entities, after OPA's plugin status.
type State string

// The states.
const (
	// StateOK: every file and entity loaded.
	StateOK State = "OK"
	// StateWarn: everything loaded, with warnings.
	StateWarn State = "WARN"
	// StateError: some files or entities were refused, or reference
	// entities that are not loaded; the rest decide.
	StateError State = "ERROR"
)

// Status describes the last load of the entity files.
type Status struct {
	State State `json:"state"`
	// Message sums the load up in one line.
	Message string `json:"message"`
	// Loaded is when the snapshot in use was loaded.
	Loaded time.Time `json:"loaded"`
	// Entities are the configured folders and files.
	Entities   []string `json:"entities"`
	PolicySets []string `json:"policy_sets"`
	Policies   int      `json:"policies"`
	Rules      int      `json:"rules"`
	// Problems are the problems of the load, errors and warnings.
	Problems []policy.Problem `json:"problems"`
}

// Start loads the entity files of cfg and starts watching them. It fails
// when there are none or when one of them cannot be watched (such as a
// path that does not exist); files that load with problems do not fail
// it: their problems are logged and shown in Status, and the entities
// that loaded decide.
func Start(cfg Config) (*Point, error) {
	if len(cfg.Entities) == 0 {
		return nil, fmt.Errorf("policy decision point: no entity folders or files")
	}
	p := &Point{logger: cfg.Logger, paths: cfg.Entities}
	if p.logger == nil {
		p.logger = slog.Default()
	}
	p.engine = policy.NewEngine(policy.Load(), cfg.Engine)
	w, err := policy.Watch(p.engine, cfg.Entities, p.report)
	if err != nil {
		return nil, err
	}
	p.watcher = w
	return p, nil
}

// Decide decides req with the entities in use.
func (p *Point) Decide(ctx context.Context, req policy.Request) (policy.Decision, error) {
	return p.engine.Decide(ctx, req)
}

// Status returns the status of the last load.
func (p *Point) Status() Status { return *p.status.Load() }

// Snapshot returns the entities in use.
func (p *Point) Snapshot() *policy.Snapshot { return p.engine.Snapshot() }

// Reload loads the entity files now, as a change of one of them does, so
// that a change just written is in use when it returns; the change's own
// events then load nothing more.
func (p *Point) Reload() { p.watcher.Reload() }

// Close stops watching the entity files. Decisions still work, with the
// entities last loaded.
func (p *Point) Close() error { return p.watcher.Close() }

// report records the status of s, just put in use, and logs its problems.
func (p *Point) report(s *policy.Snapshot) {
	st := &Status{Loaded: time.Now().UTC(), Entities: p.paths, PolicySets: s.PolicySets(), Problems: s.Problems()}
	if st.Problems == nil {
		st.Problems = []policy.Problem{}
	}
	for _, e := range s.Entities() {
		switch e.Kind {
		case policy.KindPolicy:
			st.Policies++
		case policy.KindRule:
			st.Rules++
		}
	}
	errs := len(s.Errors())
	st.State = StateOK
	switch {
	case errs > 0:
		st.State = StateError
	case len(st.Problems) > 0:
		st.State = StateWarn
	}
	st.Message = fmt.Sprintf("%d policy sets, %d policies, %d rules; %d errors, %d warnings",
		len(st.PolicySets), st.Policies, st.Rules, errs, len(st.Problems)-errs)
	p.status.Store(st)

	level := slog.LevelInfo
	if errs > 0 {
		level = slog.LevelWarn
	}
	p.logger.Log(context.Background(), level, "policy entities loaded", "state", st.State, "summary", st.Message)
	for _, pr := range st.Problems {
		if pr.Warning {
			p.logger.Warn("policy entity warning", "problem", pr.Error())
		} else {
			p.logger.Error("policy entity error", "problem", pr.Error())
		}
	}
}
