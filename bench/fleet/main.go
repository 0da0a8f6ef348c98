// Fleet measures one producer commanding a fleet of consumers in one
// process, as BenchmarkFleet (openc2/mqtt/fleet) does, and prints for each
// way the time from the publish to the median, the 99th percentile and the
// last answer, and the CPU time per command:
//
//	go run ./bench/fleet --consumers 1000 --commands 5
//	go run ./bench/fleet --consumers 200 --via embedded,https
//	go run ./bench/fleet --consumers 1000 --via mqtt://broker.example.net:1883
//
// --via lists the ways: embedded (the embedded broker, in this process),
// mosquitto (a Mosquitto it starts, from PATH), https (an HTTPS endpoint per
// consumer, sent the command at once by a producer client each), or the
// mqtt:// URL of a broker of yours. Every consumer answers 200 at once.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/openc2/mqtt/broker"
	"github.com/gatehouse/gatehouse/openc2/mqtt/fleet"
)

func main() {
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), `Usage: go run ./bench/fleet [flags]

Fleet starts a fleet of consumers in this process, sends each way of --via
--commands commands to all of them, one after the other, and prints the time
from the publish to the median (p50), the 99th percentile (p99) and the last
answer, the median over the commands, and the CPU time of this process per
command (Mosquitto's own not included). The first command of a way warms it
up and is not counted.

Examples:
  go run ./bench/fleet --consumers 1000 --commands 5
  go run ./bench/fleet --consumers 200 --via embedded,https
  go run ./bench/fleet --consumers 1000 --via mqtt://broker.example.net:1883

Flags:
`)
		flag.PrintDefaults()
	}
	n := flag.Int("consumers", 1000, "consumers in the fleet")
	commands := flag.Int("commands", 5, "commands measured per way")
	via := flag.String("via", "embedded,mosquitto,https", "ways, comma-separated: embedded, mosquitto, https or an mqtt:// URL")
	flag.Parse()
	if *n < 1 || *commands < 1 || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	// The clients' logs would only tell of responses still being
	// acknowledged as the fleet closes; a failed command says why.
	logger := slog.New(slog.DiscardHandler)
	const row = "%-12s %9v %9v %9v %9v %12v\n"
	fmt.Printf(row, "VIA", "CONSUMERS", "P50", "P99", "LAST", "CPU/COMMAND")
	failed := false
	for _, way := range strings.Split(*via, ",") {
		r, err := measure(way, *n, *commands, logger)
		if err != nil {
			fmt.Fprintf(os.Stderr, "fleet: %s: %v\n", way, err)
			failed = true
			continue
		}
		fmt.Printf(row, way, *n, r[0], r[1], r[2], r[3])
	}
	if failed {
		os.Exit(1)
	}
}

// measure starts the fleet of way and returns the median p50, p99, last
// answer and CPU per command, rounded.
func measure(way string, n, commands int, logger *slog.Logger) ([4]time.Duration, error) {
	var out [4]time.Duration
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	var f fleet.Fleet
	var err error
	switch {
	case way == "embedded":
		var b *broker.Broker
		if b, err = broker.Start(broker.Config{Listen: "127.0.0.1:0", Logger: logger}); err != nil {
			return out, err
		}
		defer b.Close()
		f, err = fleet.MQTT(ctx, "mqtt://"+b.Addr(), n, logger)
	case way == "mosquitto":
		dir, derr := os.MkdirTemp("", "fleet")
		if derr != nil {
			return out, derr
		}
		defer os.RemoveAll(dir)
		url, stop, merr := fleet.Mosquitto(dir)
		if merr != nil {
			return out, merr
		}
		defer stop()
		f, err = fleet.MQTT(ctx, url, n, logger)
	case way == "https":
		f, err = fleet.HTTPS(ctx, n, logger)
	case strings.HasPrefix(way, "mqtt://") || strings.HasPrefix(way, "mqtts://"):
		f, err = fleet.MQTT(ctx, way, n, logger)
	default:
		return out, fmt.Errorf("not embedded, mosquitto, https or an mqtt:// URL")
	}
	if err != nil {
		return out, err
	}
	defer f.Close()
	var p50, p99, last []time.Duration
	var cpu time.Duration
	for i := range commands + 1 {
		cpu0 := fleet.CPU()
		cctx, ccancel := context.WithTimeout(ctx, time.Minute)
		times, err := f.Command(cctx)
		ccancel()
		if err != nil {
			return out, err
		}
		if i == 0 {
			continue // the warm-up
		}
		cpu += fleet.CPU() - cpu0
		p50 = append(p50, fleet.Percentile(times, 0.5))
		p99 = append(p99, fleet.Percentile(times, 0.99))
		last = append(last, times[len(times)-1])
	}
	median := func(d []time.Duration) time.Duration {
		slices.Sort(d)
		return d[len(d)/2].Round(time.Millisecond / 10)
	}
	return [4]time.Duration{median(p50), median(p99), median(last), (cpu / time.Duration(commands)).Round(time.Millisecond)}, nil
}
