package host

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host/internal/stdio"
)

// metrics are the host's Prometheus metrics.
type metrics struct {
	calls       *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	reloads     *prometheus.CounterVec
	quarantines *prometheus.CounterVec
	output      *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_plugin_calls_total",
			Help: "Plugin calls by plugin, kind, component and result code (ok on success).",
		}, []string{"plugin", "kind", "component", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gatehouse_plugin_call_duration_seconds",
			Help:    "Latency of plugin calls, including waiting for an instance.",
			Buckets: []float64{1e-6, 5e-6, 25e-6, 1e-4, 5e-4, 2.5e-3, 1e-2, 5e-2, 0.25, 1, 5},
		}, []string{"plugin", "kind", "component"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_plugin_reloads_total",
			Help: "Plugin file loads by result (loaded, unchanged, incomplete, failed, removed).",
		}, []string{"result"}),
		quarantines: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_plugin_quarantines_total",
			Help: "Plugins set aside after repeated failures.",
		}, []string{"plugin"}),
		output: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_plugin_output_bytes_total",
			Help: "Bytes plugins printed on stdout and stderr, by plugin, stream and result (logged, or dropped over the output limits).",
		}, []string{"plugin", "stream", "result"}),
	}
	if reg != nil {
		reg.MustRegister(m.calls, m.latency, m.reloads, m.quarantines, m.output)
	}
	return m
}

// outputCounter counts what the plugin prints, in counters bound once.
func (m *metrics) outputCounter(plugin string) stdio.Counter {
	var counters [2][2]prometheus.Counter // [stderr][logged]
	for i, stream := range []string{"stdout", "stderr"} {
		counters[i][0] = m.output.WithLabelValues(plugin, stream, "dropped")
		counters[i][1] = m.output.WithLabelValues(plugin, stream, "logged")
	}
	return func(stream string, logged bool, n int) {
		i, j := 0, 0
		if stream == "stderr" {
			i = 1
		}
		if logged {
			j = 1
		}
		counters[i][j].Add(float64(n))
	}
}

// componentMetrics are one component's metrics, bound once at load so a
// successful call costs no label lookup.
type componentMetrics struct {
	ok      prometheus.Counter
	latency prometheus.Observer
	errors  func(abi.Code) prometheus.Counter
}

func (m *metrics) component(plugin string, c abi.Component) *componentMetrics {
	kind := string(c.Kind)
	return &componentMetrics{
		ok:      m.calls.WithLabelValues(plugin, kind, c.Name, "ok"),
		latency: m.latency.WithLabelValues(plugin, kind, c.Name),
		errors: func(code abi.Code) prometheus.Counter {
			return m.calls.WithLabelValues(plugin, kind, c.Name, string(code))
		},
	}
}
