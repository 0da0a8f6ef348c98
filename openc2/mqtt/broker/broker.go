// Package broker is an embedded MQTT v5.0 broker (mochi-mqtt) for OpenC2
// on one machine and in tests: one TCP listener, TLS, users from a password
// file with a role each, and a packet size limit. It names the publisher of
// every message in the user property PublisherProperty, which it sets
// itself, so that consumers may trust it.
//
// # Users
//
// The password file has a line per user, "name:hash" or "name:hash:role",
// where hash is a bcrypt hash (htpasswd -nbB name password prints such a
// line) and role is one of
//
//	producer  publishes to oc2/cmd/#, subscribes to oc2/rsp/#
//	consumer  subscribes to oc2/cmd/#, publishes to oc2/rsp/#
//
// or absent, for a user that may publish and subscribe to any topic. Empty
// lines and lines starting with # are skipped. Without a password file
// every client gets in, anonymous or not, with every right.
package broker

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/storage"
	"github.com/mochi-mqtt/server/v2/hooks/storage/bolt"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/prometheus/client_golang/prometheus"
	"go.etcd.io/bbolt"
	"golang.org/x/crypto/bcrypt"
)

// PublisherProperty is the user property in which the broker names the
// username of a message's publisher ("" for an anonymous one).
const PublisherProperty = "gatehouse-publisher"

// MaxInflight is how many QoS 1 and 2 messages the broker keeps for a
// client at most, sent and not yet acknowledged or queued while it is
// away; it drops those beyond (mochi-mqtt's MaximumInflight). A client
// whose Receive Maximum is MaxInflight or more can thus never have more
// unacknowledged messages than it allows, and the broker sends to it
// without counting a quota (see hook.OnSessionEstablished).
const MaxInflight = 8192

// DefaultMaxPacketBytes bounds a packet unless Config says otherwise:
// 1 MiB.
const DefaultMaxPacketBytes = 1 << 20

// Config configures a Broker.
type Config struct {
	// Listen is the TCP address to listen on, such as 127.0.0.1:1883.
	Listen string
	// TLS, if set, makes the listener MQTT over TLS.
	TLS *tls.Config
	// Users is the content of a password file (see the package
	// documentation); nil lets every client in.
	Users []byte
	// MaxPacketBytes bounds a packet; 0 means DefaultMaxPacketBytes.
	MaxPacketBytes uint32
	// Logger receives the broker's logs; nil uses slog.Default().
	Logger *slog.Logger
	// Store is a bbolt file in which the broker keeps its sessions (their
	// subscriptions and the QoS 1 and 2 messages it holds for them) and
	// retained messages, so that they outlast a restart; it writes each
	// change at once. Empty keeps them in memory only.
	Store string
	// Registerer takes the broker's metrics (gatehouse_mqtt_broker_*)
	// until Close; nil registers none.
	Registerer prometheus.Registerer
}

// Broker is a running broker.
type Broker struct {
	srv *mochi.Server
	tcp *listeners.TCP
	reg prometheus.Registerer // nil without metrics
}

// Start starts a broker and returns once it listens.
func Start(cfg Config) (*Broker, error) {
	users, err := parseUsers(cfg.Users)
	if err != nil {
		return nil, err
	}
	if cfg.MaxPacketBytes == 0 {
		cfg.MaxPacketBytes = DefaultMaxPacketBytes
	}
	caps := mochi.NewDefaultServerCapabilities()
	caps.MaximumPacketSize = cfg.MaxPacketBytes
	caps.MaximumInflight = MaxInflight
	// mochi-mqtt would repeat a PUBLISH's user properties in its PUBACK,
	// which the publisher then decodes for nothing: three user properties a
	// command or response, msgType, encoding and PublisherProperty.
	caps.Compatibilities.NoInheritedPropertiesOnAck = true
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	srv := mochi.New(&mochi.Options{Capabilities: caps, Logger: logger.With("component", "mqtt broker")})
	if err := srv.AddHook(&hook{users: users}, nil); err != nil {
		return nil, err
	}
	if cfg.Store != "" {
		// A second broker on the same file waits a second for its lock.
		opts := &bolt.Options{Path: cfg.Store, Options: &bbolt.Options{Timeout: time.Second}}
		if err := srv.AddHook(store{new(bolt.Hook)}, opts); err != nil {
			return nil, fmt.Errorf("store %s: %w", cfg.Store, err)
		}
	}
	tcp := listeners.NewTCP(listeners.Config{Type: "tcp", ID: "openc2", Address: cfg.Listen, TLSConfig: cfg.TLS})
	if err := srv.AddListener(tcp); err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(collector{srv}); err != nil {
			return nil, fmt.Errorf("register the mqtt broker metrics: %w", err)
		}
	}
	b := &Broker{srv: srv, tcp: tcp, reg: cfg.Registerer}
	if err := srv.Serve(); err != nil {
		_ = b.Close()
		return nil, err
	}
	return b, nil
}

// Addr returns the address the broker listens on.
func (b *Broker) Addr() string { return b.tcp.Address() }

// Close disconnects every client and stops listening.
func (b *Broker) Close() error {
	if b.reg != nil {
		b.reg.Unregister(collector{b.srv})
	}
	return b.srv.Close()
}

// store is mochi-mqtt's bbolt storage hook, whose v2.7.9 stores an
// inflight message without its packet identifier: restored, every message
// of a session would take identifier 0, and the broker would refuse to
// resend it (protocol violation: missing packet id). The identifier is
// the last part of the message's key, from which store takes it back.
type store struct{ *bolt.Hook }

// StoredInflightMessages returns the stored inflight messages with their
// packet identifiers and Payload Format Indicators.
func (s store) StoredInflightMessages() ([]storage.Message, error) {
	msgs, err := s.Hook.StoredInflightMessages()
	for i, m := range msgs {
		n, perr := strconv.ParseUint(m.ID[strings.LastIndex(m.ID, ":")+1:], 10, 16)
		if perr != nil {
			return nil, fmt.Errorf("inflight message %q has no packet identifier", m.ID)
		}
		msgs[i].PacketID = uint16(n)
		msgs[i].Properties.PayloadFormatFlag = m.Properties.PayloadFormat != 0
	}
	return msgs, err
}

// A role is what a user may do.
type role string

const (
	anyRole  role = ""
	producer role = "producer"
	consumer role = "consumer"
)

// user is a line of the password file.
type user struct {
	hash []byte
	role role
}

// ReadUsers reads the password file path, checking its form.
func ReadUsers(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if _, err := parseUsers(b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// parseUsers parses a password file; nil for nil.
func parseUsers(b []byte) (map[string]user, error) {
	if b == nil {
		return nil, nil
	}
	users := map[string]user{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ":")
		if len(f) < 2 || len(f) > 3 || f[0] == "" {
			return nil, fmt.Errorf("line %d: not name:hash or name:hash:role", n)
		}
		if _, err := bcrypt.Cost([]byte(f[1])); err != nil {
			return nil, fmt.Errorf("line %d: the hash of %q is not bcrypt (htpasswd -nbB NAME PASSWORD): %w", n, f[0], err)
		}
		u := user{hash: []byte(f[1])}
		if len(f) == 3 {
			u.role = role(f[2])
			if u.role != producer && u.role != consumer {
				return nil, fmt.Errorf("line %d: role %q of %q is not producer or consumer", n, f[2], f[0])
			}
		}
		if _, dup := users[f[0]]; dup {
			return nil, fmt.Errorf("line %d: user %q is given twice", n, f[0])
		}
		users[f[0]] = u
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return users, nil
}

// hook authenticates clients, checks their rights and names the publisher
// of each message.
type hook struct {
	mochi.HookBase
	users map[string]user // nil lets everyone in
}

func (h *hook) ID() string { return "gatehouse" }

func (h *hook) Provides(b byte) bool {
	return b == mochi.OnConnectAuthenticate || b == mochi.OnACLCheck || b == mochi.OnPublish ||
		b == mochi.OnSessionEstablished
}

// OnSessionEstablished turns mochi-mqtt's send quota off for a client whose
// Receive Maximum is at least MaxInflight, which bounds its unacknowledged
// messages already. mochi-mqtt v2.7.9 counts that quota wrongly: on each
// packet a client sends while it has messages in flight, it takes the
// client's inflight lock for reading twice over (Inflight.NextImmediate
// calls GetAll), so a publisher adding a message for that client in
// between blocks both forever; and a message it held back for want of
// quota it sends but forgets, so its acknowledgement never gives the quota
// back. Without a Receive Maximum from the client there is no quota and
// neither happens; with one of MaxInflight, after this, neither does.
func (h *hook) OnSessionEstablished(cl *mochi.Client, _ packets.Packet) {
	if cl.Properties.Props.ReceiveMaximum >= MaxInflight {
		cl.State.Inflight.ResetSendQuota(0)
	}
}

func (h *hook) OnConnectAuthenticate(cl *mochi.Client, pk packets.Packet) bool {
	if h.users == nil {
		return true
	}
	u, ok := h.users[string(pk.Connect.Username)]
	return ok && bcrypt.CompareHashAndPassword(u.hash, pk.Connect.Password) == nil
}

func (h *hook) OnACLCheck(cl *mochi.Client, topic string, write bool) bool {
	if h.users == nil {
		return true
	}
	commands, responses := strings.HasPrefix(topic, "oc2/cmd/"), strings.HasPrefix(topic, "oc2/rsp")
	switch h.users[string(cl.Properties.Username)].role {
	case producer:
		return (write && commands) || (!write && responses)
	case consumer:
		return (write && responses) || (!write && commands)
	}
	return true
}

// OnPublish replaces any PublisherProperty of the publisher's by its
// username.
func (h *hook) OnPublish(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	user := pk.Properties.User[:0:0]
	for _, p := range pk.Properties.User {
		if p.Key != PublisherProperty {
			user = append(user, p)
		}
	}
	pk.Properties.User = append(user, packets.UserProperty{Key: PublisherProperty, Val: string(cl.Properties.Username)})
	return pk, nil
}
