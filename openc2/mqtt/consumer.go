package mqtt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/consumer"
	"github.com/gatehouse/gatehouse/openc2/https"
)

// DefaultMaxBytes is the largest command message a Consumer takes unless
// its config says otherwise: 64 KiB, as over HTTPS.
const DefaultMaxBytes = https.DefaultMaxBytes

// DefaultSeen is how many commands a Consumer remembers to drop a second
// delivery of, unless its config says otherwise.
const DefaultSeen = 4096

// packetRoom is what a PUBLISH packet holds beside its payload, at most, in
// a message of this transfer: the topic and the properties.
const packetRoom = 4 << 10

// Request is what an Authorizer decides on.
type Request struct {
	// Message is the command message.
	Message *openc2.Message
	// Topic is the topic the command came on.
	Topic string
	// Publisher is the username the publisher logged in to the broker with,
	// when the broker vouches for it (ConsumerConfig.PublisherProperty);
	// else empty.
	Publisher string
}

// Authorizer decides whether a command may be carried out. A policy engine
// plugs in here.
type Authorizer interface {
	// Authorize returns nil to allow the command, or an error whose message
	// says why it is refused; the producer gets it in a 403 response.
	Authorize(ctx context.Context, req Request) error
}

// ConsumerConfig configures a Consumer.
type ConsumerConfig struct {
	Client ClientConfig
	// DeviceID is the consumer's device identifier: it takes the commands
	// of DeviceTopic(DeviceID). Required, one topic level.
	DeviceID string
	// ConsumerID is the consumer's OpenC2 identifier, "from" of its
	// responses; a command whose headers.to names neither it nor DeviceID
	// is not for this consumer. Empty means DeviceID.
	ConsumerID string
	// Profiles are the actuator profiles whose topics it subscribes to. Nil
	// subscribes to the topics of every profile and takes the commands of
	// the profiles Served returns at the time.
	Profiles []string
	// Served returns the profiles served now; used when Profiles is nil.
	Served func() []string
	// MaxBytes bounds a command message; 0 means DefaultMaxBytes. The
	// broker is told not to send packets larger than this and packetRoom.
	MaxBytes int
	// Seen is how many commands (request_id and from) are remembered to
	// drop a second delivery of (QoS 1 delivers at least once); 0 means
	// DefaultSeen.
	Seen int
	// Authorizer decides on each command; nil allows every command.
	Authorizer Authorizer
	// PublisherProperty is the user property in which the broker names the
	// publisher of each message, when it vouches for it (the embedded broker
	// does: broker.PublisherProperty); empty trusts none.
	PublisherProperty string
	// Workers bounds the commands carried out at once; 0 means 16.
	Workers int
	// Registerer takes the consumer's metrics; nil registers none.
	Registerer prometheus.Registerer
}

// Handler carries out a command message and returns the response message,
// or nil when the command asked for none. *consumer.Consumer is one.
type Handler = https.Handler

// Consumer takes commands from the broker, has a Handler carry them out
// and publishes the responses (section 2.2).
type Consumer struct {
	cfg     ConsumerConfig
	h       Handler
	cm      *autopaho.ConnectionManager
	seen    *seenSet
	workers chan struct{}
	wg      sync.WaitGroup
	logger  *slog.Logger
	metrics *metrics
	ready   chan struct{}
	once    sync.Once
	// connected is closed once cm is set: a persistent session may deliver
	// commands before NewConsumer returns.
	connected chan struct{}
	ctx       context.Context // of the commands; ends after Close
	cancel    context.CancelFunc
	// pub ends the publishing of responses at Close.
	pub       context.Context
	cancelPub context.CancelFunc
}

// NewConsumer connects to the broker of cfg and carries out the commands
// of its topics with h until Close. It returns once the connection is being
// made; AwaitSubscribed waits for it.
func NewConsumer(h Handler, cfg ConsumerConfig) (*Consumer, error) {
	if !IsTopicLevel(cfg.DeviceID) {
		return nil, fmt.Errorf("device id %q is not one topic level: not empty, without '/', '+', '#'", cfg.DeviceID)
	}
	for _, p := range cfg.Profiles {
		if !IsTopicLevel(p) {
			return nil, fmt.Errorf("profile %q is not one topic level", p)
		}
	}
	if cfg.ConsumerID == "" {
		cfg.ConsumerID = cfg.DeviceID
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.Seen <= 0 {
		cfg.Seen = DefaultSeen
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.Served == nil {
		cfg.Served = func() []string { return nil }
	}
	c := &Consumer{cfg: cfg, h: h, seen: newSeenSet(cfg.Seen), workers: make(chan struct{}, cfg.Workers),
		logger: cfg.Client.Logger, ready: make(chan struct{}), connected: make(chan struct{})}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	c.metrics = m
	filters := []string{TopicAll, DeviceTopic(cfg.DeviceID)}
	if cfg.Profiles == nil {
		filters = append(filters, topicProfiles+"+")
	}
	for _, p := range cfg.Profiles {
		filters = append(filters, ProfileTopic(p))
	}
	s := session{maxPacket: uint32(cfg.MaxBytes + packetRoom), onPublish: c.receive,
		onUp:    func() { c.once.Do(func() { close(c.ready) }) },
		onState: func(up bool) { c.metrics.connected.Set(map[bool]float64{true: 1}[up]) },
		tasks:   &c.wg}
	for _, f := range filters {
		s.subscribe = append(s.subscribe, subscription(f))
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.pub, c.cancelPub = context.WithCancel(c.ctx)
	cm, err := connect(c.ctx, cfg.Client, s)
	if err != nil {
		c.cancel()
		return nil, err
	}
	c.cm = cm
	close(c.connected)
	return c, nil
}

// AwaitSubscribed waits until the consumer has connected and subscribed
// once, or ctx ends.
func (c *Consumer) AwaitSubscribed(ctx context.Context) error {
	select {
	case <-c.ready:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("not subscribed to the broker: %w", ctx.Err())
	}
}

// Close disconnects from the broker, which keeps the session for
// ClientConfig.SessionExpiry, and waits for the commands at work: they are
// carried out, but their responses are no longer published.
func (c *Consumer) Close(ctx context.Context) error {
	err := c.cm.Disconnect(ctx)
	c.cancelPub()
	c.wg.Wait()
	c.cancel()
	if errors.Is(err, autopaho.ConnectionDownError) {
		return nil // nothing to say goodbye to
	}
	return err
}

// receive takes one message from the broker. It returns once the command
// is checked and handed to a worker: paho acknowledges it then.
func (c *Consumer) receive(pr paho.PublishReceived) (bool, error) {
	<-c.connected
	p := pr.Packet
	arrived := time.Now()
	if !c.forMe(p.Topic) {
		c.metrics.received.WithLabelValues(outcomeElsewhere).Inc()
		return true, nil
	}
	msg, refused := c.read(p)
	if refused != nil {
		c.metrics.received.WithLabelValues(outcomeRefused).Inc()
		c.logger.Debug("openc2 command refused", "topic", p.Topic, "error", refused.StatusText)
		c.respond(&openc2.Message{Response: refused}, msg, arrived)
		return true, nil
	}
	h := msg.Headers
	if len(h.To) > 0 && !slices.Contains(h.To, c.cfg.ConsumerID) && !slices.Contains(h.To, c.cfg.DeviceID) {
		c.metrics.received.WithLabelValues(outcomeElsewhere).Inc()
		return true, nil // for other consumers (section 2.4.2)
	}
	if !c.seen.add(h.From + "\x00" + h.RequestID) {
		c.metrics.received.WithLabelValues(outcomeDuplicate).Inc()
		c.logger.Debug("openc2 command delivered again; not carried out twice", "request_id", h.RequestID, "from", h.From)
		return true, nil
	}
	c.metrics.received.WithLabelValues(outcomeCarriedOut).Inc()
	req := Request{Message: msg, Topic: p.Topic}
	if prop := c.cfg.PublisherProperty; prop != "" && p.Properties != nil {
		req.Publisher = p.Properties.User.Get(prop)
	}
	c.workers <- struct{}{}
	c.wg.Add(1)
	go func() {
		defer func() { <-c.workers; c.wg.Done() }()
		c.carryOut(req, arrived)
	}()
	return true, nil
}

// forMe reports whether a message on topic is for this consumer: all
// topics it subscribed to are, but those of the profiles it does not serve
// when it subscribed to every profile's.
func (c *Consumer) forMe(topic string) bool {
	profile, ok := strings.CutPrefix(topic, topicProfiles)
	if !ok || c.cfg.Profiles != nil {
		return true
	}
	return slices.Contains(c.cfg.Served(), profile)
}

// read returns the command of p, with request_id, or the 400 response that
// refuses it and what could be read of its message.
func (c *Consumer) read(p *paho.Publish) (*openc2.Message, *openc2.Response) {
	bad := func(format string, a ...any) *openc2.Response {
		return &openc2.Response{Status: openc2.StatusBadRequest, StatusText: fmt.Sprintf(format, a...)}
	}
	peek := func() *openc2.Message {
		if id := openc2.PeekRequestID(p.Payload); id != "" {
			return &openc2.Message{Headers: &openc2.Headers{RequestID: id}}
		}
		return nil
	}
	if len(p.Payload) > c.cfg.MaxBytes {
		// The broker sends no packet larger than c.cfg.MaxBytes and
		// packetRoom, so the payload is small enough to peek at.
		return peek(), bad("the message is larger than %d bytes", c.cfg.MaxBytes)
	}
	if props := p.Properties; props != nil {
		if ct := props.ContentType; ct != "" && ct != ContentType {
			return peek(), bad("Content Type %q is not %s (MQTT transfer section 2.4.1)", ct, ContentType)
		}
		if e := props.User.Get(PropEncoding); e != "" && e != EncodingJSON {
			return peek(), bad("encoding %q is not supported: only %s (MQTT transfer section 2.4.1)", e, EncodingJSON)
		}
		if t := props.User.Get(PropMsgType); t != "" && t != MsgRequest {
			return peek(), bad("msgType %q on a command topic: a consumer takes %s (MQTT transfer section 2.4.1)", t, MsgRequest)
		}
	}
	msg, err := openc2.DecodeMessage(p.Payload)
	switch {
	case err != nil:
		return peek(), bad("%v", err)
	case msg.Request == nil:
		return msg, bad("body.openc2: a consumer takes a request, not a response")
	case msg.Headers == nil || msg.Headers.RequestID == "":
		return msg, bad("the command has no headers.request_id (MQTT transfer section 2.4.2)")
	}
	return msg, nil
}

// carryOut authorizes and carries out the command of req, which arrived at
// arrived, and publishes the response.
func (c *Consumer) carryOut(req Request, arrived time.Time) {
	origin := &consumer.Origin{Requester: req.Publisher}
	ctx := consumer.WithOrigin(c.ctx, origin)
	if a := c.cfg.Authorizer; a != nil {
		if err := a.Authorize(ctx, req); err != nil {
			resp := &openc2.Response{Status: openc2.StatusForbidden, StatusText: "forbidden: " + err.Error()}
			if origin.Decision == "" {
				origin.Decision = resp.StatusText
			}
			if rec, ok := c.h.(https.Recorder); ok {
				rec.Refused(ctx, req.Message, resp)
			}
			c.respond(&openc2.Message{Response: resp}, req.Message, arrived)
			return
		}
		if origin.Decision == "" {
			origin.Decision = "allowed"
		}
	}
	out := c.h.Handle(ctx, req.Message)
	if out == nil {
		return // the command asked for no response
	}
	c.respond(out, req.Message, arrived)
}

// respond publishes out, the answer to cmd (nil when nothing of it could be
// read), which arrived at arrived, on the producer's response topic. A
// refusal gets the headers the consumer's own responses have.
func (c *Consumer) respond(out *openc2.Message, cmd *openc2.Message, arrived time.Time) {
	var in openc2.Headers
	if cmd != nil && cmd.Headers != nil {
		in = *cmd.Headers
	}
	if out.Headers == nil {
		h := &openc2.Headers{RequestID: in.RequestID, Created: time.Now().UnixMilli(), From: c.cfg.ConsumerID}
		if in.From != "" {
			h.To = []string{in.From}
		}
		out.Headers = h
	}
	b, err := openc2.EncodeMessage(out)
	if err != nil {
		c.logger.Error("openc2 response not encodable; sent with its status alone", "error", err)
		bare := &openc2.Message{Headers: &openc2.Headers{Created: time.Now().UnixMilli(), From: c.cfg.ConsumerID},
			Response: &openc2.Response{Status: out.Response.Status, StatusText: "the response could not be encoded; its status stands"}}
		if openc2.ValidString(in.RequestID) {
			bare.Headers.RequestID = in.RequestID
		}
		if b, err = openc2.EncodeMessage(bare); err != nil {
			c.logger.Error("openc2 response not sent", "error", err)
			return
		}
	}
	ctx, cancel := context.WithTimeout(c.pub, 30*time.Second)
	defer cancel()
	topic := ResponseTopic(in.From)
	if _, err := c.cm.Publish(ctx, publishPacket(topic, MsgResponse, b)); err != nil {
		c.metrics.published.WithLabelValues("failed").Inc()
		c.logger.Error("openc2 response not published", "topic", topic, "request_id", in.RequestID, "error", err)
		return
	}
	c.metrics.published.WithLabelValues("ok").Inc()
	c.metrics.latency.Observe(time.Since(arrived).Seconds())
}
