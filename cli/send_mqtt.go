package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/tlsconf"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/mqtt"
)

// addMQTTFlags adds the flags of send over MQTT.
func addMQTTFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.String("device", "", "over MQTT: command the one consumer of this device id (oc2/cmd/device/ID)")
	f.String("profile", "", "over MQTT: command every consumer of this actuator profile (oc2/cmd/ap/PROFILE)")
	f.Bool("all", false, "over MQTT: command every consumer (oc2/cmd/all)")
	f.Duration("wait", 5*time.Second, "over MQTT: how long to gather responses")
	f.Int("expect", 0, "over MQTT: stop once this many consumers answered; fewer is exit status 1 (default 1 with --device)")
	f.String("username", "", "over MQTT: the broker's username")
	f.String("password-file", "", "over MQTT: file of the broker's password (default: $GATEHOUSE_MQTT_PASSWORD)")
	addOutputFlag(cmd)
}

// isMQTT reports whether url is a broker's.
func isMQTT(url string) bool {
	return strings.HasPrefix(url, "mqtt://") || strings.HasPrefix(url, "mqtts://")
}

// mqttTopic returns the topic the flags --device, --profile and --all
// choose, exactly one of them, and how many answers to expect by default.
func mqttTopic(cmd *cobra.Command) (string, int, error) {
	f := cmd.Flags()
	device, _ := f.GetString("device")
	profile, _ := f.GetString("profile")
	all, _ := f.GetBool("all")
	n := 0
	for _, set := range []bool{device != "", profile != "", all} {
		if set {
			n++
		}
	}
	if n != 1 {
		return "", 0, usage("over MQTT, give exactly one of --device, --profile and --all")
	}
	switch {
	case device != "":
		if !mqtt.IsTopicLevel(device) {
			return "", 0, usage("--device %q is not one topic level", device)
		}
		return mqtt.DeviceTopic(device), 1, nil
	case profile != "":
		if !mqtt.IsTopicLevel(profile) {
			return "", 0, usage("--profile %q is not one topic level", profile)
		}
		return mqtt.ProfileTopic(profile), 0, nil
	}
	return mqtt.TopicAll, 0, nil
}

// runSendMQTT publishes msg once to the broker of --to and prints every
// answer as it comes, then a summary.
func runSendMQTT(cmd *cobra.Command, msg *openc2.Message) error {
	f := cmd.Flags()
	str := func(name string) string { v, _ := f.GetString(name); return v }
	topic, expect, err := mqttTopic(cmd)
	if err != nil {
		return err
	}
	if f.Changed("expect") {
		expect, _ = f.GetInt("expect")
	}
	if expect < 0 {
		return usage("--expect %d is negative", expect)
	}
	wait, _ := f.GetDuration("wait")
	asJSON, err := jsonOutput(cmd)
	if err != nil {
		return err
	}
	insecure, _ := f.GetBool("insecure")
	cc := mqtt.ClientConfig{URL: str("to"), Username: str("username"), Password: os.Getenv("GATEHOUSE_MQTT_PASSWORD"),
		Logger: quietLogger(cmd.ErrOrStderr())}
	if file := str("password-file"); file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return usage("--password-file: %v", err)
		}
		cc.Password = strings.TrimSpace(string(b))
	}
	if strings.HasPrefix(cc.URL, "mqtts://") {
		if cc.TLS, err = tlsconf.Client(str("cacert"), str("cert"), str("key"), insecure, [3]string{"--cacert", "--cert", "--key"}); err != nil {
			return usage("%v", err)
		}
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), wait)
	defer cancel()
	p, err := mqtt.NewProducer(ctx, mqtt.ProducerConfig{Client: cc, From: str("from")})
	if err != nil {
		return usage("--to: %v", err)
	}
	defer p.Close(context.WithoutCancel(ctx))
	out := cmd.OutOrStdout()
	pr := &answerPrinter{w: out, json: asJSON, statuses: map[int]int{}}
	if !asJSON && isTerminal(out) {
		fmt.Fprintf(out, "%-28s %-6s %s\n", "FROM", "STATUS", "STATUS TEXT")
	}
	id, err := p.Gather(ctx, topic, msg, expect, pr.print)
	if err != nil {
		return finding("send to %s: %v", cc.URL, err)
	}
	return pr.summary(cmd.ErrOrStderr(), id, expect)
}

// answerPrinter prints the answers to one command and counts them.
type answerPrinter struct {
	w        io.Writer
	json     bool
	answered int
	statuses map[int]int
	invalid  int
}

func (p *answerPrinter) print(a mqtt.Answer) {
	if a.Err != nil {
		p.invalid++
		if p.json {
			b, _ := json.Marshal(map[string]any{"topic": a.Topic, "error": a.Err.Error()})
			fmt.Fprintf(p.w, "%s\n", b)
		} else {
			fmt.Fprintf(p.w, "%-28s %-6s %s\n", "?", "-", "not a valid response: "+a.Err.Error())
		}
		return
	}
	r := a.Message.Response
	if r.Status != openc2.StatusProcessing {
		p.answered++
	}
	p.statuses[r.Status]++
	if p.json {
		b, err := openc2.EncodeMessage(a.Message)
		if err == nil {
			fmt.Fprintf(p.w, "%s\n", b)
		}
		return
	}
	from := a.From()
	if from == "" {
		from = "?"
	}
	fmt.Fprintf(p.w, "%-28s %-6d %s\n", from, r.Status, r.StatusText)
}

// summary writes how many answered, by status, and how many are missing,
// and returns the error of a command not answered as expected: a consumer
// missing, an error status or an invalid response.
func (p *answerPrinter) summary(w io.Writer, id string, expect int) error {
	var parts []string
	bad := p.invalid > 0
	for _, s := range slices.Sorted(maps.Keys(p.statuses)) {
		parts = append(parts, fmt.Sprintf("%d × %d", p.statuses[s], s))
		if s != openc2.StatusOK && s != openc2.StatusProcessing {
			bad = true
		}
	}
	if p.invalid > 0 {
		parts = append(parts, fmt.Sprintf("%d invalid", p.invalid))
	}
	missing := max(0, expect-p.answered)
	fmt.Fprintf(w, "request_id %s: %d answered (%s), %d missing\n", id, p.answered, strings.Join(parts, ", "), missing)
	switch {
	case missing > 0:
		return finding("%d of %d consumers did not answer", missing, expect)
	case bad:
		return finding("not every consumer answered 200")
	}
	return nil
}
