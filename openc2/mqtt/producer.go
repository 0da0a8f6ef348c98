package mqtt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"

	"github.com/gatehouse/gatehouse/openc2"
)

// maxResponseBytes bounds a response a Producer reads, as over HTTPS.
const maxResponseBytes = 4 << 20

// ProducerConfig configures a Producer.
type ProducerConfig struct {
	Client ClientConfig
	// From is the producer's identifier, headers.from of its commands and
	// the last level of its response topic; default: the host name.
	From string
}

// Answer is one consumer's answer to a command.
type Answer struct {
	// Topic is the topic it came on.
	Topic string
	// Message is the response message; nil when Err is set.
	Message *openc2.Message
	// Err says why a message on a response topic that names the command's
	// request_id is not a valid response.
	Err error
}

// From returns the identifier of the consumer that answered: headers.from,
// or "" when it has none.
func (a Answer) From() string {
	if a.Message != nil && a.Message.Headers != nil {
		return a.Message.Headers.From
	}
	return ""
}

// Producer publishes commands and gathers their responses from the
// response topics it subscribes to: TopicResponses and ResponseTopic of its
// identifier (section 3.3). It is safe for concurrent use.
type Producer struct {
	from  string
	cm    *autopaho.ConnectionManager
	ready chan struct{}
	once  sync.Once
	tasks sync.WaitGroup // connect's goroutines

	mu      sync.Mutex
	waiting map[string]func(Answer) // by request_id
}

// NewProducer connects to the broker of cfg.
func NewProducer(ctx context.Context, cfg ProducerConfig) (*Producer, error) {
	if cfg.From == "" {
		cfg.From, _ = os.Hostname()
	}
	p := &Producer{from: cfg.From, ready: make(chan struct{}), waiting: map[string]func(Answer){}}
	s := session{maxPacket: maxResponseBytes + packetRoom, onPublish: p.receive,
		subscribe: []paho.SubscribeOptions{subscription(TopicResponses)},
		onUp:      func() { p.once.Do(func() { close(p.ready) }) },
		tasks:     &p.tasks}
	if IsTopicLevel(cfg.From) {
		s.subscribe = append(s.subscribe, subscription(ResponseTopic(cfg.From)))
	}
	cm, err := connect(ctx, cfg.Client, s)
	if err != nil {
		return nil, err
	}
	p.cm = cm
	return p, nil
}

// Close disconnects from the broker.
func (p *Producer) Close(ctx context.Context) error {
	err := p.cm.Disconnect(ctx)
	p.tasks.Wait()
	if errors.Is(err, autopaho.ConnectionDownError) {
		return nil
	}
	return err
}

// receive routes a response to the command it answers.
func (p *Producer) receive(pr paho.PublishReceived) (bool, error) {
	pk := pr.Packet
	a := Answer{Topic: pk.Topic}
	var id string
	msg, err := openc2.DecodeMessage(pk.Payload)
	switch {
	case err != nil:
		id, a.Err = openc2.PeekRequestID(pk.Payload), err
	case msg.Response == nil:
		a.Err = errors.New("the message holds no response")
	case msg.Headers == nil || msg.Headers.RequestID == "":
		a.Message, a.Err = msg, errors.New("the response has no headers.request_id")
	default:
		id, a.Message = msg.Headers.RequestID, msg
	}
	if a.Err != nil && msg != nil && msg.Headers != nil {
		id = msg.Headers.RequestID
	}
	p.mu.Lock()
	f := p.waiting[id]
	p.mu.Unlock()
	if f != nil {
		f(a)
	}
	return true, nil
}

// Gather publishes the command message m to topic once and calls each with
// every answer to it, in the order they arrive, until ctx ends or expect
// consumers (by headers.from) answered with a final status (not 102); 0
// waits for ctx alone. A message without request_id gets a new version 4
// UUID, one without from gets the producer's, and one without created the
// time; m itself is not changed. It returns the request_id, and an error
// when the command could not be published; ctx ending is not one.
func (p *Producer) Gather(ctx context.Context, topic string, m *openc2.Message, expect int, each func(Answer)) (string, error) {
	body, h, err := openc2.EncodeRequest(m, p.from)
	if err != nil {
		return "", err
	}
	select {
	case <-p.ready:
	case <-ctx.Done():
		return h.RequestID, fmt.Errorf("not subscribed to the response topics: %w", ctx.Err())
	}
	answers := make(chan Answer, 64)
	done := make(chan struct{})
	defer close(done)
	p.mu.Lock()
	p.waiting[h.RequestID] = func(a Answer) {
		select { // the broker's reader waits while the caller prints
		case answers <- a:
		case <-done:
		}
	}
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.waiting, h.RequestID)
		p.mu.Unlock()
	}()
	// Answers may come before the broker acknowledges the command: they are
	// taken meanwhile, else the reader that would read the acknowledgement
	// waits behind them.
	published := make(chan error, 1)
	go func() {
		_, err := p.cm.Publish(ctx, publishPacket(topic, MsgRequest, body))
		published <- err
	}()
	final := map[string]bool{}
	for expect <= 0 || len(final) < expect {
		select {
		case err := <-published:
			if err != nil {
				return h.RequestID, fmt.Errorf("publish to %s: %w", topic, err)
			}
			published = nil
		case a := <-answers:
			if a.Message != nil && a.Message.Response.Status != openc2.StatusProcessing {
				if final[a.From()] {
					continue // a second delivery (QoS 1)
				}
				final[a.From()] = true
			}
			each(a)
		case <-ctx.Done():
			return h.RequestID, nil
		}
	}
	return h.RequestID, nil
}
