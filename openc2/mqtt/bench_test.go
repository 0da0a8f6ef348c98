package mqtt

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/mqtt/broker"
)

// noop is a Handler that answers 200 at once.
type noop struct{}

func (noop) Handle(_ context.Context, msg *openc2.Message) *openc2.Message {
	return &openc2.Message{Response: &openc2.Response{Status: 200}}
}

// BenchmarkFleet publishes one command to every consumer of a fleet, each
// a client session of its own on the embedded broker with a no-op
// handler, and gathers every answer: ns/op is the time from the publish to
// the last answer; p50-ms and p99-ms are the times to the median and the
// 99th percentile answer; cpu-s/op is the CPU time the process (broker,
// consumers and producer) spent per publish, which a busy machine changes
// less than ns/op.
func BenchmarkFleet(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			br, err := broker.Start(broker.Config{Listen: "127.0.0.1:0", Logger: quietLog()})
			if err != nil {
				b.Fatal(err)
			}
			defer br.Close()
			url := "mqtt://" + br.Addr()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			for i := range n {
				c, err := NewConsumer(noop{}, ConsumerConfig{DeviceID: fmt.Sprintf("fw%d", i), Profiles: []string{"slpf"},
					Client: ClientConfig{URL: url, Logger: quietLog()}})
				if err != nil {
					b.Fatal(err)
				}
				defer c.Close(context.Background())
				if err := c.AwaitSubscribed(ctx); err != nil {
					b.Fatal(err)
				}
			}
			p, err := NewProducer(ctx, ProducerConfig{From: "soc", Client: ClientConfig{URL: url, Logger: quietLog()}})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close(context.Background())
			var p50, p99 []float64
			b.ReportAllocs()
			cpu0 := cpuSeconds()
			b.ResetTimer()
			for b.Loop() {
				start := time.Now()
				times := make([]float64, 0, n)
				gctx, gcancel := context.WithTimeout(ctx, time.Minute)
				_, err := p.Gather(gctx, ProfileTopic("slpf"), query, n, func(Answer) {
					times = append(times, float64(time.Since(start).Microseconds())/1000)
				})
				gcancel()
				if err != nil || len(times) != n {
					b.Fatalf("%d of %d answered: %v", len(times), n, err)
				}
				slices.Sort(times)
				p50 = append(p50, times[n/2])
				p99 = append(p99, times[(n*99)/100-min(1, n/100)])
			}
			b.StopTimer()
			b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
			slices.Sort(p50)
			slices.Sort(p99)
			b.ReportMetric(p50[len(p50)/2], "p50-ms")
			b.ReportMetric(p99[len(p99)/2], "p99-ms")
		})
	}
}

// cpuSeconds returns the user and system CPU time of the process so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// quietLog logs errors only.
func quietLog() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}
