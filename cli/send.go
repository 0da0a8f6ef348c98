package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/tlsconf"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/producer"
)

func newSendCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "send --to URL [flags] FILE|-",
		Short: "Send an OpenC2 command to a consumer, or through an MQTT broker to many, and print the responses",
		Long: `Send reads an OpenC2 command (LS v1.0 JSON) or a whole command message
({"headers": ..., "body": {"openc2": {"request": ...}}}) from FILE, or from
standard input with -, posts it to the consumer's /.well-known/openc2 (HTTPS
transfer v1.1) and prints the response message as JSON.

A command gets a new request_id (a version 4 UUID), also sent as X-Request-ID.
Exit status: 0 for an OpenC2 status of 102 or 200 (or no response, when the
command asked for none), 1 for an error status or when the consumer cannot be
reached or answers something else than an OpenC2 response, 2 for a command
that is not valid LS v1.0 or bad flags.

A consumer that authorizes commands by bearer token takes one from
--token-file, or from the environment variable GATEHOUSE_TOKEN.

With --to mqtt://broker[:port] (or mqtts:// over TLS, with --cacert, --cert and
--key), send publishes the command once through that MQTT v5 broker
(docs/openc2-mqtt.md) to one consumer (--device ID), to every consumer of an
actuator profile (--profile slpf) or to all (--all), and prints each response
as it arrives: FROM, STATUS and STATUS TEXT (a table on a terminal), or each
response message as a JSON line with --output json. It gathers responses for
--wait, or until --expect consumers answered (1 with --device), then writes a
summary to standard error: how many answered, by status, and how many are
missing. Exit status 1 when an expected consumer did not answer, or one
answered other than 200 or 102. The broker's username is --username, its
password in --password-file or $GATEHOUSE_MQTT_PASSWORD.`,
		Example: `  gatehouse send --to https://fw1.example.net --cacert ca.pem --cert producer.pem --key producer.key deny.json
  echo '{"action":"query","target":{"features":["versions","profiles","pairs"]}}' | gatehouse send --to http://127.0.0.1:8080 -
  gatehouse send --to https://127.0.0.1:8443 --insecure --timeout 5s query.json
  GATEHOUSE_TOKEN="$(cat token.jwt)" gatehouse send --to https://fw1.example.net deny.json
  gatehouse send --to mqtts://broker.example.net --cacert ca.pem --username soc --password-file soc.pass --profile slpf --expect 40 deny.json
  echo '{"action":"query","target":{"features":["profiles"]}}' | gatehouse send --to mqtt://127.0.0.1:1883 --all --wait 2s --output json -`,
		Annotations: map[string]string{"doctest": "skip fw1.example.net (a consumer of the reader's)\n" +
			"skip https://127.0.0.1:8443 (a consumer over TLS of the reader's)\n" +
			"skip broker.example.net (a broker of the reader's)\n" +
			"skip mqtt://127.0.0.1:1883 (a broker the reader runs, gatehouse broker)"},
		Args: cobra.ExactArgs(1),
		RunE: runSend,
	}
	addConsumerFlags(cmd)
	addMQTTFlags(cmd)
	cmd.Flags().String("from", "", "the producer's identifier, sent as headers.from (default: the host name)")
	return cmd
}

// addConsumerFlags adds the flags that reach a consumer: its URL, TLS,
// timeout and bearer token.
func addConsumerFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.String("to", "", "the consumer's URL, such as https://fw1.example.net (required)")
	f.String("cacert", "", "PEM file of the CAs that sign the consumer's certificate (default: the system's)")
	f.String("cert", "", "PEM file of the client certificate, for mutual TLS")
	f.String("key", "", "PEM file of the client certificate's key")
	f.Bool("insecure", false, "do not verify the consumer's certificate (tests only)")
	f.Duration("timeout", producer.DefaultTimeout, "how long to wait for the response")
	f.String("token-file", "", "file of a bearer token to send in the Authorization header (default: $GATEHOUSE_TOKEN)")
	_ = cmd.MarkFlagRequired("to")
}

// consumerConfig returns the producer configuration the flags of
// addConsumerFlags give.
func consumerConfig(cmd *cobra.Command) (producer.Config, error) {
	f := cmd.Flags()
	str := func(name string) string { v, _ := f.GetString(name); return v }
	insecure, _ := f.GetBool("insecure")
	timeout, _ := f.GetDuration("timeout")
	tlsCfg, err := tlsconf.Client(str("cacert"), str("cert"), str("key"), insecure, [3]string{"--cacert", "--cert", "--key"})
	if err != nil {
		return producer.Config{}, usage("%v", err)
	}
	token := os.Getenv("GATEHOUSE_TOKEN")
	if file := str("token-file"); file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return producer.Config{}, usage("--token-file: %v", err)
		}
		token = string(b)
	}
	return producer.Config{URL: str("to"), TLS: tlsCfg, Timeout: timeout, Token: strings.TrimSpace(token)}, nil
}

func runSend(cmd *cobra.Command, args []string) error {
	msg, err := readCommand(cmd.InOrStdin(), args[0])
	if err != nil {
		return usage("%v", err)
	}
	if to, _ := cmd.Flags().GetString("to"); isMQTT(to) {
		return runSendMQTT(cmd, msg)
	}
	cfg, err := consumerConfig(cmd)
	if err != nil {
		return err
	}
	cfg.From, _ = cmd.Flags().GetString("from")
	c, err := producer.New(cfg)
	if err != nil {
		return usage("--to: %v", err)
	}
	r, err := c.SendMessage(cmd.Context(), msg)
	if err != nil {
		return finding("send to %s: %v", cfg.URL, err)
	}
	if r.Message == nil {
		return nil
	}
	b, err := openc2.EncodeMessage(r.Message)
	if err != nil {
		return finding("response: %v", err)
	}
	var pretty any
	_ = json.Unmarshal(b, &pretty)
	if err := printJSON(cmd.OutOrStdout(), pretty); err != nil {
		return err
	}
	if s := r.Message.Response.Status; s != openc2.StatusOK && s != openc2.StatusProcessing {
		return finding("the consumer answered %d %s", s, r.Message.Response.StatusText)
	}
	return nil
}

// readCommand reads a command or a command message from file, "-" for
// stdin.
func readCommand(stdin io.Reader, file string) (*openc2.Message, error) {
	b, err := readInput(stdin, file)
	if file == "-" {
		file = "standard input"
	}
	if err != nil {
		return nil, fmt.Errorf("read the command: %w", err)
	}
	if isMessage(b) {
		m, err := openc2.DecodeMessage(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if m.Request == nil {
			return nil, fmt.Errorf("%s: the message holds a response, not a command", file)
		}
		return m, nil
	}
	c, err := openc2.DecodeCommand(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return &openc2.Message{Request: c}, nil
}
