package mqtt

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// The outcomes of a message a Consumer receives, as
// gatehouse_openc2_mqtt_messages_received_total labels them.
const (
	outcomeCarriedOut = "carried_out" // handed to the Handler, or refused by the Authorizer
	outcomeRefused    = "refused"     // answered 400 by the transfer
	outcomeDuplicate  = "duplicate"   // seen before, dropped
	outcomeElsewhere  = "elsewhere"   // for other consumers (headers.to, a profile not served)
)

// metrics are a Consumer's metrics.
type metrics struct {
	connected prometheus.Gauge
	received  *prometheus.CounterVec
	published *prometheus.CounterVec
	latency   prometheus.Histogram
}

// newMetrics returns the metrics of a Consumer, registered with reg unless
// it is nil.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gatehouse_openc2_mqtt_connected",
			Help: "1 while the OpenC2 MQTT consumer is connected to its broker, else 0.",
		}),
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_openc2_mqtt_messages_received_total",
			Help: "Messages on the OpenC2 command topics by outcome: carried_out, refused (answered 400), duplicate (a second delivery, dropped), elsewhere (for other consumers).",
		}, []string{"outcome"}),
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_openc2_mqtt_responses_total",
			Help: "OpenC2 responses the MQTT consumer published (result ok) or could not (failed).",
		}, []string{"result"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "gatehouse_openc2_mqtt_response_seconds",
			Help:    "Time from a command's arrival to the broker's acknowledgement of its response.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.connected, m.received, m.published, m.latency} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("register the openc2 mqtt metrics: %w", err)
			}
		}
	}
	return m, nil
}
