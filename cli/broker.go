package cli

import (
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/tlsconf"
	"github.com/gatehouse/gatehouse/openc2/mqtt/broker"
)

func newBrokerCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "broker",
		Short: "Run an MQTT v5 broker for OpenC2 over MQTT",
		Long: `Broker runs an embedded MQTT v5 broker (mochi-mqtt) on one TCP listener, for
OpenC2 over MQTT on one machine and in tests (docs/openc2-mqtt.md), until
SIGINT or SIGTERM. gatehouse serve can run the same broker in-process
(openc2.mqtt.broker).

--cert and --key turn TLS on (TLS 1.2 or later). --users is a password file of
lines name:bcrypt-hash or name:bcrypt-hash:role (htpasswd -nbB NAME PASSWORD
prints the first form), where role producer may publish to oc2/cmd/# and
subscribe to oc2/rsp/#, role consumer the reverse, and no role anything;
without --users every client gets in. The broker names the username of each
message's publisher in the user property gatehouse-publisher, replacing any the
publisher sent. A packet larger than --max-packet-bytes is refused. --store
keeps the sessions (subscriptions and queued QoS 1 messages) in a file across
restarts, writing each message held to disk; without it they live in memory.`,
		Example: `  gatehouse broker --listen 127.0.0.1:1883
  gatehouse broker --listen 0.0.0.0:8883 --cert broker.pem --key broker.key --users mqtt.passwd --store data/mqtt-broker.db`,
		Annotations: map[string]string{"doctest": "skip gatehouse broker (it serves until stopped)"},
		Args:        cobra.NoArgs,
		RunE:        runBroker,
	}
	f := cmd.Flags()
	f.String("listen", "127.0.0.1:1883", "TCP address to listen on")
	f.String("cert", "", "PEM file of the broker's certificate, for TLS")
	f.String("key", "", "PEM file of the certificate's key")
	f.String("users", "", "password file: lines name:bcrypt-hash[:producer|consumer]")
	f.Uint32("max-packet-bytes", broker.DefaultMaxPacketBytes, "largest packet accepted")
	f.String("store", "", "bbolt file that keeps the sessions across restarts")
	return cmd
}

func runBroker(cmd *cobra.Command, _ []string) error {
	f := cmd.Flags()
	str := func(name string) string { v, _ := f.GetString(name); return v }
	maxPacket, _ := f.GetUint32("max-packet-bytes")
	cfg := broker.Config{Listen: str("listen"), MaxPacketBytes: maxPacket, Store: str("store"), Logger: quietLogger(cmd.ErrOrStderr())}
	if str("cert") != "" || str("key") != "" {
		t, err := tlsconf.Server(str("cert"), str("key"), "", [3]string{"--cert", "--key", ""})
		if err != nil {
			return usage("%v", err)
		}
		cfg.TLS = t
	}
	if file := str("users"); file != "" {
		users, err := broker.ReadUsers(file)
		if err != nil {
			return usage("--users: %v", err)
		}
		cfg.Users = users
	}
	b, err := broker.Start(cfg)
	if err != nil {
		return usage("%v", err)
	}
	cmd.PrintErrf("gatehouse broker listening on %s\n", b.Addr())
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return b.Close()
}
