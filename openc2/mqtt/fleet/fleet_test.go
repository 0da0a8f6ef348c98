package mqtt

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/https"
	"github.com/gatehouse/gatehouse/openc2/mqtt/broker"
	"github.com/gatehouse/gatehouse/openc2/producer"
)

// noop is a Handler that answers 200 at once.
type noop struct{}

func (noop) Handle(_ context.Context, msg *openc2.Message) *openc2.Message {
	return &openc2.Message{Response: &openc2.Response{Status: 200}}
}

// BenchmarkFleet sends one command to every consumer of a fleet of N and
// gathers every answer, three ways: published once through the embedded
// broker (embedded/N) and through Mosquitto (mosquitto/N, skipped without
// it), each consumer a client session of its own with a no-op handler; and
// posted over HTTPS to N consumer endpoints at once by a producer client
// each (https/N). ns/op is the time from the publish (the first post) to
// the last answer; p50-ms and p99-ms are the times to the median and the
// 99th percentile answer; cpu-s/op is the CPU time the process (broker,
// consumers and producer, not Mosquitto) spent per command, which a busy
// machine changes less than ns/op; heap-MB is the heap in use after the
// last command.
func BenchmarkFleet(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("embedded/%d", n), func(b *testing.B) {
			br, err := broker.Start(broker.Config{Listen: "127.0.0.1:0", Logger: quietLog()})
			if err != nil {
				b.Fatal(err)
			}
			defer br.Close()
			benchMQTT(b, "mqtt://"+br.Addr(), n)
		})
		b.Run(fmt.Sprintf("mosquitto/%d", n), func(b *testing.B) {
			benchMQTT(b, startMosquitto(b), n)
		})
		b.Run(fmt.Sprintf("https/%d", n), func(b *testing.B) { benchHTTPS(b, n) })
	}
}

// benchMQTT measures a fleet of n consumers on the broker at url.
func benchMQTT(b *testing.B, url string, n int) {
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
	measure(b, n, func(answered func()) error {
		gctx, gcancel := context.WithTimeout(ctx, time.Minute)
		defer gcancel()
		got := 0
		_, err := p.Gather(gctx, ProfileTopic("slpf"), query, n, func(Answer) { got++; answered() })
		if err == nil && got != n {
			err = fmt.Errorf("%d of %d answered", got, n)
		}
		return err
	})
}

// benchHTTPS measures n consumer endpoints over HTTPS, each sent the
// command by a producer client of its own, all at once.
func benchHTTPS(b *testing.B, n int) {
	roots := x509.NewCertPool()
	clients := make([]*producer.Client, n)
	for i := range clients {
		e := echo.New()
		https.Register(e, noop{}, https.Options{Logger: quietLog()})
		s := httptest.NewUnstartedServer(e)
		s.Config.ErrorLog = nil
		s.StartTLS()
		defer s.Close()
		roots.AddCert(s.Certificate())
		c, err := producer.New(producer.Config{URL: s.URL, From: "soc", TLS: &tls.Config{RootCAs: roots}})
		if err != nil {
			b.Fatal(err)
		}
		clients[i] = c
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var mu sync.Mutex
	measure(b, n, func(answered func()) error {
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for _, c := range clients {
			wg.Go(func() {
				r, err := c.SendMessage(ctx, query)
				if err == nil && (r.Message == nil || r.Message.Response.Status != 200) {
					err = fmt.Errorf("answer %+v", r)
				}
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				answered()
				mu.Unlock()
			})
		}
		wg.Wait()
		close(errs)
		return <-errs
	})
}

// measure runs send once per iteration, which calls answered for each of
// the n answers, and reports the times and the CPU.
func measure(b *testing.B, n int, send func(answered func()) error) {
	var p50, p99 []float64
	b.ReportAllocs()
	cpu0 := cpuSeconds()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		times := make([]float64, 0, n)
		err := send(func() { times = append(times, float64(time.Since(start).Microseconds())/1000) })
		if err != nil || len(times) != n {
			b.Fatalf("%d of %d answered: %v", len(times), n, err)
		}
		slices.Sort(times)
		p50 = append(p50, times[n/2])
		p99 = append(p99, times[(n*99)/100-min(1, n/100)])
	}
	b.StopTimer()
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
	slices.Sort(p50)
	slices.Sort(p99)
	b.ReportMetric(p50[len(p50)/2], "p50-ms")
	b.ReportMetric(p99[len(p99)/2], "p99-ms")
}

// startMosquitto runs Mosquitto on a free port, anonymous, without
// persistence and sending each packet at once (set_tcp_nodelay), until the benchmark ends, and returns its URL; it skips
// the benchmark without mosquitto.
func startMosquitto(b *testing.B) string {
	if _, err := exec.LookPath("mosquitto"); err != nil {
		b.Skip("mosquitto is not installed (Debian package mosquitto)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	_, port, _ := net.SplitHostPort(addr)
	me, err := user.Current()
	if err != nil {
		b.Fatal(err)
	}
	conf := filepath.Join(b.TempDir(), "mosquitto.conf")
	// As root, mosquitto would run as the user mosquitto.
	text := fmt.Sprintf("user %s\nlog_dest none\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\nlistener %s 127.0.0.1\n", me.Username, port)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command("mosquitto", "-c", conf)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "mqtt://" + addr
		}
		if time.Since(start) > 20*time.Second {
			b.Fatalf("mosquitto does not listen on %s", addr)
		}
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
