// Package mqtt is the OpenC2 transfer over MQTT v5.0 (Specification for
// Transfer of OpenC2 Messages via MQTT Version 1.0, CS01; "MQTT transfer"
// below): the default topics (section 2.2), the PUBLISH properties of an
// OpenC2 message (sections 2.4 and 3.2), a Consumer that subscribes to the
// command topics of one device and hands each command to a Handler (the
// consumer), and a Producer that publishes a command once and gathers the
// responses of every consumer that answers.
//
// Both connect through autopaho, which reconnects with a backoff, with Clean
// Start 0 and a Keep Alive of at most 300 s, and no Will Message (section
// 3.1). docs/openc2-mqtt.md lists each normative statement of the MQTT
// transfer with its test.
package mqtt

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"
)

// The topics of the MQTT transfer, section 2.2.
const (
	// TopicAll carries commands for every consumer on the broker.
	TopicAll = "oc2/cmd/all"
	// TopicResponses carries responses to any producer.
	TopicResponses = "oc2/rsp"
	// topicProfiles is where commands for one actuator profile go.
	topicProfiles = "oc2/cmd/ap/"
	topicDevices  = "oc2/cmd/device/"
)

// ProfileTopic returns the topic of commands for every consumer of the
// actuator profile nsid ("slpf"): oc2/cmd/ap/slpf.
func ProfileTopic(nsid string) string { return topicProfiles + nsid }

// DeviceTopic returns the topic of commands for the one consumer device id:
// oc2/cmd/device/ID.
func DeviceTopic(id string) string { return topicDevices + id }

// ResponseTopic returns the topic of responses to the producer whose
// identifier is from: oc2/rsp/FROM, or TopicResponses when from is not
// one topic level (empty, or holding '/', '+', '#' or NUL).
func ResponseTopic(from string) string {
	if !IsTopicLevel(from) {
		return TopicResponses
	}
	return TopicResponses + "/" + from
}

// IsTopicLevel reports whether s can stand as one level of a topic name
// and of a topic filter: not empty, without '/', the wildcards '+' and '#',
// or NUL (MQTT v5.0 section 4.7).
func IsTopicLevel(s string) bool {
	return s != "" && !strings.ContainsAny(s, "/+#\x00")
}

// The values of the PUBLISH properties of an OpenC2 message (MQTT transfer
// sections 2.4.1 and 3.2).
const (
	// ContentType is the Content Type of every OpenC2 message.
	ContentType = "application/openc2"
	// PropMsgType is the user property that names the message's type,
	// MsgRequest or MsgResponse.
	PropMsgType = "msgType"
	// PropEncoding is the user property that names the payload's encoding,
	// EncodingJSON.
	PropEncoding = "encoding"
	MsgRequest   = "req"
	MsgResponse  = "rsp"
	EncodingJSON = "json"
)

// utf8Payload is the Payload Format Indicator of a JSON payload.
var utf8Payload = byte(1)

// publishPacket returns the PUBLISH of an OpenC2 message of type msgType
// ("req" or "rsp") to topic: QoS 1, not retained, with the properties of
// section 3.2 and no Response Topic.
func publishPacket(topic, msgType string, payload []byte) *paho.Publish {
	return &paho.Publish{
		Topic:   topic,
		QoS:     1,
		Retain:  false,
		Payload: payload,
		Properties: &paho.PublishProperties{
			ContentType:   ContentType,
			PayloadFormat: &utf8Payload,
			User: paho.UserProperties{
				{Key: PropMsgType, Value: msgType},
				{Key: PropEncoding, Value: EncodingJSON},
			},
		},
	}
}

// DefaultKeepAlive is the Keep Alive of a connection unless ClientConfig
// says otherwise; MaxKeepAlive is the most the MQTT transfer allows
// (section 2.7).
const (
	DefaultKeepAlive = 60 * time.Second
	MaxKeepAlive     = 300 * time.Second
)

// receiveMaximum is the CONNECT Receive Maximum of every connection: how
// many QoS 1 and 2 messages the broker may send it unacknowledged (MQTT
// v5.0 section 4.9). paho makes a queue of that many for each connection,
// 512 KiB at the default of 65535, which the garbage collector scans on
// every cycle: a third to a half of the CPU of a thousand consumers in one
// process. broker.MaxInflight, which the embedded broker never exceeds for
// a client anyway, is enough, and is what lets that broker send without
// counting a quota.
const receiveMaximum uint16 = 8192

// ClientConfig is how a Consumer or a Producer reaches the broker.
type ClientConfig struct {
	// URL is the broker: mqtt://host[:port] (default port 1883) or
	// mqtts://host[:port] over TLS (default port 8883).
	URL string
	// ClientID is the MQTT Client Identifier; empty makes a random one
	// (section 2.6).
	ClientID string
	// Username and Password, when Username is set, log in to the broker.
	Username, Password string
	// TLS configures mqtts:// (package tlsconf builds one); nil uses the
	// system's roots and no client certificate.
	TLS *tls.Config
	// KeepAlive is the MQTT Keep Alive, at most MaxKeepAlive; 0 means
	// DefaultKeepAlive.
	KeepAlive time.Duration
	// SessionExpiry is how long the broker keeps the session (its
	// subscriptions and the messages published to them) after the client
	// goes; 0 ends the session with the connection.
	SessionExpiry time.Duration
	// Logger receives connection errors; nil uses slog.Default().
	Logger *slog.Logger
}

// brokerURL parses and checks u, adding the default port.
func brokerURL(u string) (*url.URL, error) {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" || (p.Scheme != "mqtt" && p.Scheme != "mqtts") {
		return nil, fmt.Errorf("broker URL %q is not mqtt://host[:port] or mqtts://host[:port]", u)
	}
	if p.Port() == "" {
		port := "1883"
		if p.Scheme == "mqtts" {
			port = "8883"
		}
		p.Host += ":" + port
	}
	return p, nil
}

// NewClientID returns a random Client Identifier that every MQTT v5.0 server
// accepts: "gatehouse" and 12 letters and digits, 21 bytes (MQTT v5.0
// section 3.1.3.1).
func NewClientID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := []byte("gatehouse" + strings.Repeat("0", 12))
	r := make([]byte, 12)
	_, _ = rand.Read(r)
	for i, v := range r {
		b[9+i] = alphabet[int(v)%len(alphabet)]
	}
	return string(b)
}

// session is what connect needs beside the ClientConfig.
type session struct {
	// maxPacket is the CONNECT Maximum Packet Size: the broker sends no
	// larger packet. 0 sets none.
	maxPacket uint32
	// subscribe is what to subscribe to on every connection.
	subscribe []paho.SubscribeOptions
	// onPublish handles every message received.
	onPublish func(paho.PublishReceived) (bool, error)
	// onUp, if set, is called once the subscriptions are made on each
	// connection.
	onUp func()
	// onState, if set, is called as the connection comes up and goes down.
	onState func(up bool)
	// tasks counts the goroutines that connect starts, which end once the
	// connection manager has: Close waits for them after Disconnect.
	tasks *sync.WaitGroup
}

// subscription returns the subscription to filter with the options of
// section 3.3: Maximum QoS 2, No Local, Retain As Published, Retain
// Handling 0.
func subscription(filter string) paho.SubscribeOptions {
	return paho.SubscribeOptions{Topic: filter, QoS: 2, NoLocal: true, RetainAsPublished: true, RetainHandling: 0}
}

// connect starts connecting to the broker of cfg, and keeps reconnecting
// with an exponential backoff until ctx ends or Disconnect.
func connect(ctx context.Context, cfg ClientConfig, s session) (*autopaho.ConnectionManager, error) {
	u, err := brokerURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.KeepAlive == 0 {
		cfg.KeepAlive = DefaultKeepAlive
	}
	if cfg.KeepAlive < 2*time.Second || cfg.KeepAlive > MaxKeepAlive {
		return nil, fmt.Errorf("keep alive %v is not between 2s and %v (MQTT transfer section 2.7)", cfg.KeepAlive, MaxKeepAlive)
	}
	if cfg.ClientID == "" {
		cfg.ClientID = NewClientID()
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger = logger.With("broker", u.Redacted(), "client_id", cfg.ClientID)
	expiry := uint32(min(cfg.SessionExpiry/time.Second, 1<<32-1))
	ac := autopaho.ClientConfig{
		ServerUrls: []*url.URL{u},
		TlsCfg:     cfg.TLS,
		KeepAlive:  uint16(cfg.KeepAlive / time.Second),
		// Clean Start 0 on every connection (section 3.1): a consumer finds
		// its subscriptions and the commands queued for it.
		CleanStartOnInitialConnection: false,
		SessionExpiryInterval:         expiry,
		ReconnectBackoff:              autopaho.NewExponentialBackoff(time.Second, time.Minute, 2*time.Second, 2),
		ConnectTimeout:                10 * time.Second,
		ConnectUsername:               cfg.Username,
		ConnectPassword:               []byte(cfg.Password),
		ConnectPacketBuilder: func(c *paho.Connect, _ *url.URL) (*paho.Connect, error) {
			if c.Properties == nil {
				c.Properties = &paho.ConnectProperties{}
			}
			if s.maxPacket > 0 {
				c.Properties.MaximumPacketSize = &s.maxPacket
			}
			rm := receiveMaximum
			c.Properties.ReceiveMaximum = &rm
			// The MQTT v5.0 default, which paho would send as 0: some
			// brokers (mochi-mqtt) then strip the user properties of every
			// packet, msgType and encoding included.
			c.Properties.RequestProblemInfo = true
			return c, nil
		},
		OnConnectionUp: func(cm *autopaho.ConnectionManager, ca *paho.Connack) {
			logger.Info("mqtt connected", "session_present", ca.SessionPresent)
			if s.onState != nil {
				s.onState(true)
			}
			up := func() {
				if s.onUp != nil {
					s.onUp()
				}
			}
			if len(s.subscribe) == 0 {
				up()
				return
			}
			if ca.SessionPresent {
				// The broker kept the subscriptions (section 2.9); they are
				// made again below for topics added since.
				up()
			}
			// Not in this callback, which must not block.
			s.tasks.Go(func() {
				sctx, cancel := context.WithCancel(ctx)
				defer cancel()
				go func() {
					select {
					case <-cm.Done():
						cancel()
					case <-sctx.Done():
					}
				}()
				if subscribe(sctx, cm, s.subscribe, logger) && !ca.SessionPresent {
					up()
				}
			})
		},
		OnConnectionDown: func() bool {
			logger.Warn("mqtt connection lost")
			if s.onState != nil {
				s.onState(false)
			}
			return true // and reconnect
		},
		OnConnectError: func(err error) { logger.Warn("mqtt connect", "error", err) },
		ClientConfig: paho.ClientConfig{
			ClientID:          cfg.ClientID,
			PingHandler:       pinger{paho.NewDefaultPinger()},
			OnPublishReceived: []func(paho.PublishReceived) (bool, error){s.onPublish},
			OnClientError:     func(err error) { logger.Warn("mqtt connection", "error", err) },
		},
	}
	cm, err := autopaho.NewConnection(ctx, ac)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", u.Redacted(), err)
	}
	return cm, nil
}

// subscribe makes the subscriptions subs, trying again up to five times a
// second apart: a broker may refuse a SUBSCRIBE whose packet identifier it
// still holds for a message of the session it is delivering (mochi-mqtt
// answers 0x91, Packet Identifier In Use). It reports whether they were made.
func subscribe(ctx context.Context, cm *autopaho.ConnectionManager, subs []paho.SubscribeOptions, logger *slog.Logger) bool {
	for attempt := 1; ; attempt++ {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		sa, err := cm.Subscribe(sctx, &paho.Subscribe{Subscriptions: subs})
		cancel()
		if err == nil {
			logger.Info("mqtt subscribed", "topics", len(subs))
			return true
		}
		var reasons []byte
		if sa != nil {
			reasons = sa.Reasons
		}
		if ctx.Err() != nil {
			return false // the connection is being closed
		}
		if attempt == 5 {
			logger.Error("mqtt subscribe", "error", err, "reason_codes", fmt.Sprintf("%#x", reasons))
			return false
		}
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
		}
	}
}

// pinger is paho's pinger, which pings once Keep Alive has passed without a
// packet, run at 95% of the Keep Alive instead, as section 3.4 of the MQTT
// transfer asks.
type pinger struct{ *paho.DefaultPinger }

func (p pinger) Run(ctx context.Context, conn net.Conn, keepAlive uint16) error {
	return p.DefaultPinger.Run(ctx, conn, pingInterval(keepAlive))
}

// pingInterval returns 95% of keepAlive, in whole seconds, at least 1: less
// than keepAlive from 2 s on.
func pingInterval(keepAlive uint16) uint16 {
	if keepAlive == 0 {
		return 0 // no pings
	}
	return max(1, uint16(uint32(keepAlive)*95/100))
}
