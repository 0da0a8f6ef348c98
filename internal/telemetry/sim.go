package telemetry

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// simMetrics are the metrics of simulation runs.
type simMetrics struct {
	runs     *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newSimMetrics(reg prometheus.Registerer) *simMetrics {
	m := &simMetrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_sim_runs_total",
			Help: "Simulation runs served by how they ended (completed, time_budget, output_budget, client_gone, failed, busy).",
		}, []string{"outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gatehouse_sim_run_duration_seconds",
			Help:    "Time of simulation runs, by how they ended.",
			Buckets: []float64{1e-3, 0.01, 0.1, 0.5, 1, 5, 15, 60, 300},
		}, []string{"outcome"}),
	}
	if reg != nil {
		reg.MustRegister(m.runs, m.duration)
	}
	return m
}

// SimRun counts a simulation run that ended with outcome after elapsed;
// it is the Observe of the simulation endpoint's options.
func (t *Telemetry) SimRun(outcome string, elapsed time.Duration) {
	t.sim.runs.WithLabelValues(outcome).Inc()
	t.sim.duration.WithLabelValues(outcome).Observe(elapsed.Seconds())
}
