package cli_test

import (
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gatehouse/gatehouse/cli"
	"github.com/gatehouse/gatehouse/internal/tlsconf/tlstest"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// mqttUsers are the broker's users in the scenarios: the producer, two
// consumers, and a client the ACL lets read responses only.
var mqttUsers = []struct{ name, role string }{{"soc", "producer"}, {"fw1", "consumer"}, {"fw2", "consumer"}, {"rogue", "consumer"}}

// mqttFleet is a broker with the users of mqttUsers, whose password is
// their name and "-pass" in a file each.
type mqttFleet struct {
	dir       string
	pki       *tlstest.PKI
	passwords map[string]string // user → password file
	// policy is the entity file of fw1's authorization: a grant of query
	// from soc over MQTT, and nothing else.
	policy string
	// args are the arguments of each consumer's serve, by name, and
	// running the serve running now.
	args    map[string][]string
	running map[string]*serving
}

func newMQTTFleet(t *testing.T) *mqttFleet {
	f := &mqttFleet{dir: t.TempDir(), pki: tlstest.New(t), passwords: map[string]string{},
		args: map[string][]string{}, running: map[string]*serving{}}
	for _, u := range mqttUsers {
		f.passwords[u.name] = writeFile(t, f.dir, u.name+".pass", u.name+"-pass\n")
	}
	f.policy = writeFile(t, f.dir, "policy.json", `{
"t.policysets.mqtt": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["t.policies.mqtt"]},
"t.policies.mqtt": {"Type": "Policy", "Resolver": "ANY", "Rules": ["t.rules.query"]},
"t.rules.query": {"Type": "Rule", "Effect": "GRANT",
  "Condition": "access.action == 'query' and access.transfer == 'mqtt' and access.topic == 'oc2/cmd/ap/slpf' and subject.from == 'soc'"}
}`)
	return f
}

// startConsumer starts gatehouse serve as the consumer name, with the
// c-slpf-noop actuator, taking commands from the broker url; extra is more
// of its openc2.mqtt configuration. fw1 authorizes commands with f.policy.
func (f *mqttFleet) startConsumer(t *testing.T, name, url, extra string) *serving {
	t.Helper()
	dir := t.TempDir()
	plugins := pluginDir(t, map[string]string{"c-slpf-noop.wasm": wasmbuild.C.Plugin(t, "c-slpf-noop")})
	policy, authz := "", ""
	if name == "fw1" {
		policy = fmt.Sprintf("policy: {entities: [%q]}", f.policy)
		authz = "authorization: {policy_set: t.policysets.mqtt}"
	}
	config := writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf(`%s
cache_dir: %q
store: %q
log: {format: json}
openc2:
  consumer_id: %s
  %s
  mqtt:
    url: %q
    username: %s
    password_file: %q
    ca: %q
%s`, policy, wasmbuild.CacheDir(t, "wazero"), filepath.Join(dir, "store.db"), name, authz, url, name, f.passwords[name], f.pki.CA, extra))
	f.args[name] = []string{"--config", config, "--plugins", plugins, "--listen", "127.0.0.1:0"}
	t.Cleanup(func() {
		if s := f.running[name]; s != nil {
			s.stop(t)
		}
	})
	return f.serve(t, name)
}

// serve starts the serve of the consumer name and waits until it has
// subscribed.
func (f *mqttFleet) serve(t *testing.T, name string) *serving {
	t.Helper()
	s := startServe(t, &http.Client{}, f.args[name]...)
	f.running[name] = s
	s.waitFor(t, "the subscriptions", func() bool { return s.stderr.logged("mqtt subscribed") != nil })
	s.waitReady(t)
	return s
}

// send runs gatehouse send through the broker url as user, with the
// command on stdin.
func (f *mqttFleet) send(t *testing.T, url, user, command string, args ...string) result {
	t.Helper()
	base := []string{"send", "--to", url, "--cacert", f.pki.CA, "--username", user, "--password-file", f.passwords[user], "--from", "soc"}
	return run(t, command, append(append(base, args...), "-")...)
}

const queryProfiles = `{"action":"query","target":{"features":["profiles"]}}`

// scenario runs the scenarios common to every broker at url, with the
// consumers fw1 and fw2 subscribed; restart restarts the broker.
func (f *mqttFleet) scenario(t *testing.T, url string, restart func()) {
	t.Run("all answer", func(t *testing.T) {
		r := f.send(t, url, "soc", queryProfiles, "--profile", "slpf", "--expect", "2", "--wait", "20s")
		r.check(t, cli.ExitOK, "2 answered (2 × 200), 0 missing")
		for _, name := range []string{"fw1", "fw2"} {
			if !strings.Contains(r.stdout, name) {
				t.Errorf("no answer from %s:\n%s", name, r.stdout)
			}
		}
	})
	t.Run("one device, json", func(t *testing.T) {
		r := f.send(t, url, "soc", `{"action":"deny","target":{"ipv4_net":"198.51.100.0/24"}}`, "--device", "fw2", "--wait", "20s", "--output", "json")
		r.check(t, cli.ExitOK, "1 answered (1 × 200), 0 missing")
		if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 1 || !strings.Contains(lines[0], `"from":"fw2"`) || !strings.Contains(lines[0], `"rule_number"`) {
			t.Errorf("want one JSON line from fw2 with a rule number:\n%s", r.stdout)
		}
	})
	t.Run("policy denies", func(t *testing.T) {
		r := f.send(t, url, "soc", `{"action":"deny","target":{"ipv4_net":"198.51.100.0/24"}}`, "--device", "fw1", "--wait", "20s")
		r.check(t, cli.ExitFinding, "1 answered (1 × 403), 0 missing", "not every consumer answered 200")
		if !strings.Contains(r.stdout, `policy set \"t.policysets.mqtt\": DENY`) && !strings.Contains(r.stdout, `policy set "t.policysets.mqtt"`) {
			t.Errorf("the refusal does not name the policy set:\n%s", r.stdout)
		}
	})
	t.Run("missing consumer", func(t *testing.T) {
		r := f.send(t, url, "soc", queryProfiles, "--device", "fw9", "--wait", "1s")
		r.check(t, cli.ExitFinding, "0 answered (), 1 missing", "1 of 1 consumers did not answer")
	})
	t.Run("offline consumer", func(t *testing.T) {
		f.running["fw2"].stop(t)
		f.running["fw2"] = nil
		r := f.send(t, url, "soc", `{"action":"deny","target":{"ipv4_net":"203.0.113.0/24"}}`, "--device", "fw2", "--wait", "1s")
		r.check(t, cli.ExitFinding, "1 missing")
		// Back, fw2 gets the command its session kept, and carries it out.
		s := f.serve(t, "fw2")
		s.waitFor(t, "the command published while it was away", func() bool {
			_, body, err := s.get(t, "/v1/openc2/commands")
			return err == nil && strings.Contains(string(body), "203.0.113.0/24")
		})
	})
	t.Run("ACL forbids", func(t *testing.T) {
		r := f.send(t, url, "rogue", queryProfiles, "--all", "--expect", "1", "--wait", "3s")
		if r.code == cli.ExitOK || strings.Contains(r.stdout, "fw1") || strings.Contains(r.stdout, "fw2") {
			t.Errorf("a client the ACL forbids commanded: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
	})
	// Both brokers keep the sessions in a file across a restart.
	t.Run("broker restart", func(t *testing.T) {
		f.running["fw2"].stop(t)
		f.running["fw2"] = nil
		r := f.send(t, url, "soc", `{"action":"deny","target":{"ipv4_net":"192.0.2.0/24"}}`, "--device", "fw2", "--wait", "1s")
		r.check(t, cli.ExitFinding, "1 missing")
		restart()
		// fw1 comes back, its session and subscriptions kept.
		f.send(t, url, "soc", queryProfiles, "--profile", "slpf", "--expect", "1", "--wait", "30s").check(t, cli.ExitOK, "1 answered (1 × 200)")
		// fw2 gets the command queued for it before the restart, once.
		s := f.serve(t, "fw2")
		var body []byte
		s.waitFor(t, "the command queued across the restart", func() bool {
			_, body, _ = s.get(t, "/v1/openc2/commands")
			return strings.Contains(string(body), "192.0.2.0/24")
		})
		time.Sleep(500 * time.Millisecond) // a second delivery would come now
		_, body, _ = s.get(t, "/v1/openc2/commands")
		if n := strings.Count(string(body), "192.0.2.0/24"); n != 1 {
			t.Errorf("the command is in the history %d times, want 1:\n%s", n, body)
		}
	})
}

// TestSendMQTTEmbedded runs the scenarios through the broker of one
// gatehouse serve, over TLS with users and roles.
func TestSendMQTTEmbedded(t *testing.T) {
	t.Parallel()
	f := newMQTTFleet(t)
	var users strings.Builder
	for _, u := range mqttUsers {
		h, err := bcrypt.GenerateFromPassword([]byte(u.name+"-pass"), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&users, "%s:%s:%s\n", u.name, h, u.role)
	}
	usersFile := writeFile(t, f.dir, "users", users.String())
	// A fixed port, which the broker takes again when fw1 restarts.
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	f.startConsumer(t, "fw1", "", fmt.Sprintf("    broker: {listen: %q, cert: %q, key: %q, users: %q, store: %q}\n",
		addr, f.pki.ServerCert, f.pki.ServerKey, usersFile, filepath.Join(f.dir, "broker.db")))
	url := "mqtts://" + addr
	f.startConsumer(t, "fw2", url, "")
	f.scenario(t, url, func() {
		f.running["fw1"].stop(t)
		f.serve(t, "fw1")
	})
	// fw1's /metrics: its consumer, and the broker it runs, which holds no
	// message now.
	_, body, err := f.running["fw1"].get(t, "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"gatehouse_openc2_mqtt_connected 1\n", `gatehouse_openc2_mqtt_messages_received_total{outcome="carried_out"}`,
		"gatehouse_openc2_mqtt_responses_total{result=\"ok\"}", "gatehouse_openc2_mqtt_response_seconds_count",
		"gatehouse_mqtt_broker_clients_connected", "gatehouse_mqtt_broker_subscriptions", "gatehouse_mqtt_broker_inflight 0\n",
		"gatehouse_mqtt_broker_messages_received_total", "gatehouse_mqtt_broker_messages_sent_total", "gatehouse_mqtt_broker_messages_dropped_total 0\n"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s:\n%s", want, body)
		}
	}
}

// TestSendMQTTMosquitto runs the scenarios through Mosquitto, over TLS
// with a password file and an ACL.
func TestSendMQTTMosquitto(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"mosquitto", "mosquitto_passwd"} {
		if _, err := exec.LookPath(tool); err != nil {
			wasmbuild.Missing(t, "install the Debian package mosquitto", "the MQTT scenarios run %s", tool)
		}
	}
	f := newMQTTFleet(t)
	passwd := filepath.Join(f.dir, "passwd")
	for i, u := range mqttUsers {
		args := []string{"-b", passwd, u.name, u.name + "-pass"}
		if i == 0 {
			args = append([]string{"-c"}, args...)
		}
		if out, err := exec.Command("mosquitto_passwd", args...).CombinedOutput(); err != nil {
			t.Fatalf("mosquitto_passwd: %v\n%s", err, out)
		}
	}
	acl := writeFile(t, f.dir, "acl", `user soc
topic write oc2/cmd/#
topic read oc2/rsp/#
topic read oc2/rsp
user fw1
topic read oc2/cmd/#
topic write oc2/rsp/#
topic write oc2/rsp
user fw2
topic read oc2/cmd/#
topic write oc2/rsp/#
topic write oc2/rsp
user rogue
topic read oc2/rsp/#
`)
	port := freePort(t)
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	// As root, mosquitto would read the files as the user mosquitto.
	conf := writeFile(t, f.dir, "mosquitto.conf", fmt.Sprintf(`user %s
log_dest stderr
per_listener_settings false
persistence true
persistence_location %s/
allow_anonymous false
password_file %s
acl_file %s
listener %d 127.0.0.1
cafile %s
certfile %s
keyfile %s
tls_version tlsv1.2
`, me.Username, f.dir, passwd, acl, port, f.pki.CA, f.pki.ServerCert, f.pki.ServerKey))
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	var out strings.Builder
	var cmd *exec.Cmd
	start := func() {
		cmd = exec.Command("mosquitto", "-c", conf)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
			c, err := net.Dial("tcp", addr)
			if err == nil {
				c.Close()
				return
			}
			if time.Since(start) > 20*time.Second {
				t.Fatalf("mosquitto does not listen on %s: %v\n%s", addr, err, out.String())
			}
		}
	}
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM) // it saves its sessions as it goes
		_ = cmd.Wait()
	}
	start()
	t.Cleanup(stop)
	url := "mqtts://" + addr
	f.startConsumer(t, "fw1", url, "")
	f.startConsumer(t, "fw2", url, "")
	f.scenario(t, url, func() {
		stop()
		start()
	})
}
