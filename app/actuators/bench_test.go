package actuators_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/app/actuators"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/cputime"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/tlsconf"
	"github.com/gatehouse/gatehouse/internal/tlsconf/tlstest"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/consumer"
	"github.com/gatehouse/gatehouse/openc2/https"
	"github.com/gatehouse/gatehouse/openc2/producer"
)

// benchCommand is the LS v1.0 example deny ipv4_connection, for the SLPF
// actuator, answered with a rule number.
const benchCommand = `{"action":"deny","target":{"ipv4_connection":{"protocol":"tcp","src_addr":"1.2.3.4","src_port":10996,"dst_addr":"198.2.3.4","dst_port":80}},"actuator":{"slpf":{}}}`

// BenchmarkTransaction measures one whole OpenC2 transaction over loopback:
// the producer client encodes and posts the command, the server decodes it,
// the consumer routes it and calls the no-op SLPF actuator of the C plugin
// c-slpf-noop through the host, and the response travels back and is
// decoded. "serial" is the latency of one transaction at a time;
// "parallel" the throughput with GOMAXPROCS clients, in commands/s.
//
// Both also report cpu-us/op, the CPU time (user and system) the process
// spends per transaction, client and server together: on a shared
// machine it varies far less than the elapsed time, and 10,000 commands/s
// on 2 cores is 200 us of CPU per command.
func BenchmarkTransaction(b *testing.B) {
	benchTransaction(b, consumer.Config{ID: "bench"}, "http", "https")
}

// BenchmarkTransactionStored is BenchmarkTransaction over HTTP with the
// consumer as gatehouse serve runs it by default: a store file (on the
// disk of the temporary folder) and a history of the latest 1,000
// commands, so that each command is written to the store.
func BenchmarkTransactionStored(b *testing.B) {
	st, err := store.Open(filepath.Join(b.TempDir(), "openc2.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	benchTransaction(b, consumer.Config{ID: "bench", Store: st.Namespace("schedule"), History: 1000}, "http")
}

// benchTransaction runs the transactions of BenchmarkTransaction over each
// of transports, "http" or "https", against a consumer configured by cfg.
func benchTransaction(b *testing.B, cfg consumer.Config, transports ...string) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg.Logger = quiet
	h, err := host.New(host.Config{CacheDir: wasmbuild.CacheDir(b, "wazero"), Logger: quiet}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close(context.Background())
	if err := h.LoadFile(context.Background(), wasmbuild.C.Plugin(b, "c-slpf-noop")); err != nil {
		b.Fatal(err)
	}
	c, err := consumer.New(actuators.New(h), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	e := echo.New()
	https.Register(e, c, https.Options{Logger: quiet})
	cmd, err := openc2.DecodeCommand([]byte(benchCommand))
	if err != nil {
		b.Fatal(err)
	}
	pki := tlstest.New(b)

	for _, transport := range transports {
		srv := httptest.NewUnstartedServer(e)
		cfg := producer.Config{}
		if transport == "https" {
			if srv.TLS, err = tlsconf.Server(pki.ServerCert, pki.ServerKey, pki.CA, [3]string{"cert", "key", "ca"}); err != nil {
				b.Fatal(err)
			}
			srv.StartTLS()
			if cfg.TLS, err = tlsconf.Client(pki.CA, pki.ClientCert, pki.ClientKey, false, [3]string{"ca", "cert", "key"}); err != nil {
				b.Fatal(err)
			}
		} else {
			srv.Start()
		}
		cfg.URL = srv.URL
		client, err := producer.New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		send := func() {
			r, err := client.Send(context.Background(), cmd)
			if err != nil {
				b.Fatal(err)
			}
			if r.Message.Response.Status != openc2.StatusOK {
				b.Fatalf("status %d %s", r.Message.Response.Status, r.Message.Response.StatusText)
			}
		}
		b.Run(transport+"/serial", func(b *testing.B) {
			b.ReportAllocs()
			cpu := cputime.Used(b)
			for b.Loop() {
				send()
			}
			reportCPU(b, cpu)
		})
		b.Run(transport+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			cpu := cputime.Used(b)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					send()
				}
			})
			reportCPU(b, cpu)
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commands/s")
		})
		srv.Close()
	}
}

// reportCPU reports the CPU time used since start per operation, in
// microseconds.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cputime.Used(b)-start)/float64(time.Microsecond)/float64(b.N), "cpu-us/op")
}
