package broker

import (
	"sync/atomic"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/system"
	"github.com/prometheus/client_golang/prometheus"
)

// collector reads the broker's counts (mochi-mqtt's system.Info) on every
// scrape.
type collector struct {
	srv *mochi.Server
}

// inflightDesc is the metric of the messages the broker holds, which it
// counts on each scrape: system.Info's count misses those a store
// restored, and goes below zero as they are acknowledged.
var inflightDesc = prometheus.NewDesc("gatehouse_mqtt_broker_inflight", "QoS 1 and 2 messages the embedded MQTT broker holds for clients: sent and not yet acknowledged, or queued for a session whose client is away.", nil, nil)

// metricDescs are the broker's metrics, each with how to read it from
// system.Info.
var metricDescs = []struct {
	desc *prometheus.Desc
	kind prometheus.ValueType
	read func(*system.Info) int64
}{
	{prometheus.NewDesc("gatehouse_mqtt_broker_clients_connected", "Clients connected to the embedded MQTT broker.", nil, nil),
		prometheus.GaugeValue, func(i *system.Info) int64 { return atomic.LoadInt64(&i.ClientsConnected) }},
	{prometheus.NewDesc("gatehouse_mqtt_broker_subscriptions", "Subscriptions on the embedded MQTT broker, of connected clients and of kept sessions.", nil, nil),
		prometheus.GaugeValue, func(i *system.Info) int64 { return atomic.LoadInt64(&i.Subscriptions) }},
	{prometheus.NewDesc("gatehouse_mqtt_broker_messages_received_total", "PUBLISH packets the embedded MQTT broker received from clients.", nil, nil),
		prometheus.CounterValue, func(i *system.Info) int64 { return atomic.LoadInt64(&i.MessagesReceived) }},
	{prometheus.NewDesc("gatehouse_mqtt_broker_messages_sent_total", "PUBLISH packets the embedded MQTT broker sent to clients.", nil, nil),
		prometheus.CounterValue, func(i *system.Info) int64 { return atomic.LoadInt64(&i.MessagesSent) }},
	{prometheus.NewDesc("gatehouse_mqtt_broker_messages_dropped_total", "Messages the embedded MQTT broker dropped: for a client too slow to take them, or past MaxInflight held for one client.", nil, nil),
		prometheus.CounterValue, func(i *system.Info) int64 {
			return atomic.LoadInt64(&i.MessagesDropped) + atomic.LoadInt64(&i.InflightDropped)
		}},
}

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range metricDescs {
		ch <- m.desc
	}
	ch <- inflightDesc
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	for _, m := range metricDescs {
		ch <- prometheus.MustNewConstMetric(m.desc, m.kind, float64(m.read(c.srv.Info)))
	}
	inflight := 0
	for _, cl := range c.srv.Clients.GetAll() {
		inflight += cl.State.Inflight.Len()
	}
	ch <- prometheus.MustNewConstMetric(inflightDesc, prometheus.GaugeValue, float64(inflight))
}
