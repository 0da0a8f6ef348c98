// Package fleet measures one producer commanding a fleet of consumers, all
// in one process: through an MQTT broker, each consumer a client session of
// its own, or over HTTPS, each consumer an endpoint of its own sent the
// command by a producer client each, all at once. Every consumer answers
// 200 at once. BenchmarkFleet and the program bench/fleet use it.
package fleet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/https"
	"github.com/gatehouse/gatehouse/openc2/mqtt"
	"github.com/gatehouse/gatehouse/openc2/producer"
)

// noop is a Handler that answers 200 at once.
type noop struct{}

func (noop) Handle(_ context.Context, msg *openc2.Message) *openc2.Message {
	return &openc2.Message{Response: &openc2.Response{Status: 200}}
}

// query is the command sent.
var query = &openc2.Message{Request: &openc2.Command{Action: "query", Target: openc2.Target{Name: openc2.TargetFeatures, Value: []openc2.Feature{}}}}

// Fleet is a producer and its consumers.
type Fleet interface {
	// Command sends the command to every consumer and returns the time from
	// the publish (or the first post) to each answer, in order.
	Command(ctx context.Context) ([]time.Duration, error)
	// Close stops the consumers and the producer.
	Close()
}

// mqttFleet is a fleet on a broker.
type mqttFleet struct {
	n         int
	consumers []*mqtt.Consumer
	p         *mqtt.Producer
}

// MQTT connects n consumers, of the profile slpf, and a producer to the
// broker at url. logger receives the clients' logs.
func MQTT(ctx context.Context, url string, n int, logger *slog.Logger) (Fleet, error) {
	f := &mqttFleet{n: n}
	for i := range n {
		c, err := mqtt.NewConsumer(noop{}, mqtt.ConsumerConfig{DeviceID: fmt.Sprintf("fw%d", i), Profiles: []string{"slpf"},
			Client: mqtt.ClientConfig{URL: url, Logger: logger}})
		if err == nil {
			f.consumers = append(f.consumers, c)
			err = c.AwaitSubscribed(ctx)
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("consumer %d: %w", i, err)
		}
	}
	p, err := mqtt.NewProducer(ctx, mqtt.ProducerConfig{From: "soc", Client: mqtt.ClientConfig{URL: url, Logger: logger}})
	if err != nil {
		f.Close()
		return nil, err
	}
	f.p = p
	return f, nil
}

func (f *mqttFleet) Command(ctx context.Context) ([]time.Duration, error) {
	times := make([]time.Duration, 0, f.n)
	start := time.Now()
	_, err := f.p.Gather(ctx, mqtt.ProfileTopic("slpf"), query, f.n, func(mqtt.Answer) { times = append(times, time.Since(start)) })
	if err == nil && len(times) != f.n {
		err = fmt.Errorf("%d of %d answered", len(times), f.n)
	}
	return times, err
}

func (f *mqttFleet) Close() {
	ctx := context.Background()
	if f.p != nil {
		_ = f.p.Close(ctx)
	}
	for _, c := range f.consumers {
		_ = c.Close(ctx)
	}
}

// httpsFleet is a fleet of HTTPS endpoints.
type httpsFleet struct {
	servers []*httptest.Server
	clients []*producer.Client
}

// HTTPS starts n consumer endpoints over HTTPS on 127.0.0.1, and a
// producer client for each, which sends the command once, one endpoint
// after the other: the connections are up and kept alive before the first
// Command, as an MQTT fleet's are.
func HTTPS(ctx context.Context, n int, logger *slog.Logger) (Fleet, error) {
	f := &httpsFleet{}
	roots := x509.NewCertPool()
	for range n {
		e := echo.New()
		https.Register(e, noop{}, https.Options{Logger: logger})
		s := httptest.NewUnstartedServer(e)
		s.StartTLS()
		f.servers = append(f.servers, s)
		roots.AddCert(s.Certificate())
		c, err := producer.New(producer.Config{URL: s.URL, From: "soc", TLS: &tls.Config{RootCAs: roots}})
		if err != nil {
			f.Close()
			return nil, err
		}
		f.clients = append(f.clients, c)
		if _, err := c.SendMessage(ctx, query); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

func (f *httpsFleet) Command(ctx context.Context) ([]time.Duration, error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	times := make([]time.Duration, 0, len(f.clients))
	errs := make([]error, len(f.clients))
	start := time.Now()
	for i, c := range f.clients {
		wg.Go(func() {
			r, err := c.SendMessage(ctx, query)
			if err == nil && (r.Message == nil || r.Message.Response == nil || r.Message.Response.Status != 200) {
				err = fmt.Errorf("consumer %d answered %+v", i, r.Message)
			}
			if err != nil {
				errs[i] = err
				return
			}
			mu.Lock()
			times = append(times, time.Since(start))
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(times)
	return times, errors.Join(errs...)
}

func (f *httpsFleet) Close() {
	for _, s := range f.servers {
		s.Close()
	}
}

// Percentile returns the time by which a share q (0 to 1) of the answers
// had come: times[ceil(q×n)-1].
func Percentile(times []time.Duration, q float64) time.Duration {
	if len(times) == 0 {
		return 0
	}
	i := int(q*float64(len(times))+0.999999) - 1
	return times[max(0, min(i, len(times)-1))]
}

// CPU returns the user and system CPU time of the process so far.
func CPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Mosquitto runs the mosquitto of PATH on a free port of 127.0.0.1,
// anonymous, without persistence and sending each packet at once
// (set_tcp_nodelay), with its configuration in dir. It returns the
// broker's URL and how to stop it.
func Mosquitto(dir string) (string, func(), error) {
	if _, err := exec.LookPath("mosquitto"); err != nil {
		return "", nil, fmt.Errorf("mosquitto is not installed (Debian package mosquitto): %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := l.Addr().String()
	_ = l.Close()
	_, port, _ := net.SplitHostPort(addr)
	me, err := user.Current()
	if err != nil {
		return "", nil, err
	}
	conf := filepath.Join(dir, "mosquitto.conf")
	// As root, mosquitto would run as the user mosquitto.
	text := fmt.Sprintf("user %s\nlog_dest none\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\nlistener %s 127.0.0.1\n", me.Username, port)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		return "", nil, err
	}
	cmd := exec.Command("mosquitto", "-c", conf)
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "mqtt://" + addr, stop, nil
		}
		if time.Since(start) > 20*time.Second {
			stop()
			return "", nil, fmt.Errorf("mosquitto does not listen on %s", addr)
		}
	}
}
