package fleet

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/openc2/mqtt/broker"
)

// BenchmarkFleet sends one command to every consumer of a fleet of N and
// gathers every answer, three ways: published once through the embedded
// broker (embedded/N) and through Mosquitto (mosquitto/N, skipped without
// it), and posted over HTTPS to N endpoints at once (https/N), over
// connections made before. ns/op is
// the time from the publish (the first post) to the last answer; p50-ms
// and p99-ms are the times to the median and the 99th percentile answer;
// cpu-s/op is the CPU time the process (broker, consumers and producer,
// not Mosquitto) spent per command, which a busy machine changes less than
// ns/op; heap-MB is the heap in use after the last command.
func BenchmarkFleet(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("embedded/%d", n), func(b *testing.B) {
			br, err := broker.Start(broker.Config{Listen: "127.0.0.1:0", Logger: quietLog()})
			if err != nil {
				b.Fatal(err)
			}
			defer br.Close()
			f, err := MQTT(ctx, "mqtt://"+br.Addr(), n, quietLog())
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			measure(ctx, b, f)
		})
		b.Run(fmt.Sprintf("mosquitto/%d", n), func(b *testing.B) {
			url, stop, err := Mosquitto(b.TempDir())
			if err != nil {
				b.Skip(err)
			}
			defer stop()
			f, err := MQTT(ctx, url, n, quietLog())
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			measure(ctx, b, f)
		})
		b.Run(fmt.Sprintf("https/%d", n), func(b *testing.B) {
			f, err := HTTPS(ctx, n, quietLog())
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			measure(ctx, b, f)
		})
	}
}

// measure commands f once per iteration and reports the times, the CPU
// and the heap.
func measure(ctx context.Context, b *testing.B, f Fleet) {
	var p50, p99 []time.Duration
	b.ReportAllocs()
	cpu0 := CPU()
	b.ResetTimer()
	for b.Loop() {
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		times, err := f.Command(cctx)
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		p50 = append(p50, Percentile(times, 0.5))
		p99 = append(p99, Percentile(times, 0.99))
	}
	b.StopTimer()
	b.ReportMetric((CPU()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
	slices.Sort(p50)
	slices.Sort(p99)
	b.ReportMetric(float64(p50[len(p50)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p99[len(p99)/2].Microseconds())/1000, "p99-ms")
}

// quietLog logs errors only.
func quietLog() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}
