package mqtt

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"
	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/mqtt/broker"
)

// spy is a broker hook that keeps the packets clients send.
type spy struct {
	mochi.HookBase
	mu         sync.Mutex
	connects   []packets.Packet
	subscribes []packets.Packet
	publishes  []packets.Packet
}

func (s *spy) ID() string { return "spy" }
func (s *spy) Provides(b byte) bool {
	return b == mochi.OnConnect || b == mochi.OnSubscribe || b == mochi.OnPublish
}
func (s *spy) OnConnect(_ *mochi.Client, pk packets.Packet) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.connects = append(s.connects, pk)
	return nil
}
func (s *spy) OnSubscribe(_ *mochi.Client, pk packets.Packet) packets.Packet {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subscribes = append(s.subscribes, pk)
	return pk
}
func (s *spy) OnPublish(_ *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.publishes = append(s.publishes, pk)
	return pk, nil
}

// startBroker starts a broker on a free port with a spy and returns its URL.
func startBroker(t *testing.T) (string, *spy) {
	t.Helper()
	srv := mochi.New(&mochi.Options{InlineClient: true})
	sp := &spy{}
	if err := srv.AddHook(new(allowAll), nil); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddHook(sp, nil); err != nil {
		t.Fatal(err)
	}
	tcp := listeners.NewTCP(listeners.Config{Type: "tcp", ID: "t", Address: "127.0.0.1:0"})
	if err := srv.AddListener(tcp); err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return "mqtt://" + tcp.Address(), sp
}

type allowAll struct{ mochi.HookBase }

func (allowAll) ID() string { return "allow" }
func (allowAll) Provides(b byte) bool {
	return b == mochi.OnConnectAuthenticate || b == mochi.OnACLCheck
}
func (allowAll) OnConnectAuthenticate(*mochi.Client, packets.Packet) bool { return true }
func (allowAll) OnACLCheck(*mochi.Client, string, bool) bool              { return true }

// counter is a Handler that answers 200 and counts the commands.
type counter struct{ n atomic.Int64 }

func (c *counter) Handle(_ context.Context, msg *openc2.Message) *openc2.Message {
	c.n.Add(1)
	return &openc2.Message{Headers: &openc2.Headers{RequestID: msg.Headers.RequestID, From: "fw1"},
		Response: &openc2.Response{Status: 200}}
}

func startConsumer(t *testing.T, broker string, h Handler, cfg ConsumerConfig) *Consumer {
	t.Helper()
	cfg.Client.URL = broker
	if cfg.DeviceID == "" {
		cfg.DeviceID = "fw1"
	}
	c, err := NewConsumer(h, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.AwaitSubscribed(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

func startProducer(t *testing.T, broker string) *Producer {
	t.Helper()
	p, err := NewProducer(context.Background(), ProducerConfig{Client: ClientConfig{URL: broker}, From: "soc"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close(context.Background()) })
	return p
}

var query = &openc2.Message{Request: &openc2.Command{Action: "query", Target: openc2.Target{Name: openc2.TargetFeatures, Value: []openc2.Feature{}}}}

// gather sends query to topic and returns the answers within wait, or
// once expect came.
func gather(t *testing.T, p *Producer, topic string, m *openc2.Message, expect int, wait time.Duration) []Answer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	var got []Answer
	if _, err := p.Gather(ctx, topic, m, expect, func(a Answer) { got = append(got, a) }); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestTopics checks the default topic structure (section 2.2).
func TestTopics(t *testing.T) {
	for got, want := range map[string]string{
		ProfileTopic("slpf"): "oc2/cmd/ap/slpf", DeviceTopic("fw1"): "oc2/cmd/device/fw1",
		ResponseTopic("soc"): "oc2/rsp/soc", ResponseTopic("a/b"): "oc2/rsp", ResponseTopic(""): "oc2/rsp",
		ResponseTopic("x+"): "oc2/rsp", ResponseTopic("#"): "oc2/rsp",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

// TestConnectPacket checks the CONNECT packets of a consumer and a
// producer (section 3.1).
func TestConnectPacket(t *testing.T) {
	url, sp := startBroker(t)
	c := startConsumer(t, url, &counter{}, ConsumerConfig{Profiles: []string{"slpf"}})
	defer c.Close(context.Background())
	startProducer(t, url)
	gather(t, startProducer(t, url), TopicAll, query, 1, 20*time.Second)
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if len(sp.connects) < 2 {
		t.Fatalf("got %d CONNECT packets, want 2 at least", len(sp.connects))
	}
	for _, pk := range sp.connects {
		cn := pk.Connect
		if cn.Clean || cn.WillFlag || cn.WillQos != 0 || cn.WillRetain || len(cn.WillPayload) > 0 || cn.WillTopic != "" {
			t.Errorf("CONNECT %+v: want Clean Start 0 and no Will", cn)
		}
		if cn.Keepalive == 0 || cn.Keepalive > 300 {
			t.Errorf("Keep Alive %d, want 1 to 300", cn.Keepalive)
		}
		if rm := pk.Properties.ReceiveMaximum; rm != broker.MaxInflight {
			t.Errorf("Receive Maximum %d, want %d, the embedded broker's MaxInflight", rm, broker.MaxInflight)
		}
		if id := string(cn.ClientIdentifier); id == "" || len(id) > 23 {
			t.Errorf("Client Identifier %q, want 1 to 23 bytes", id)
		}
	}
}

// TestPublishProperties checks the PUBLISH packets of a command and its
// response (section 3.2) and where the response goes.
func TestPublishProperties(t *testing.T) {
	broker, sp := startBroker(t)
	c := startConsumer(t, broker, &counter{}, ConsumerConfig{Profiles: []string{"slpf"}})
	defer c.Close(context.Background())
	got := gather(t, startProducer(t, broker), ProfileTopic("slpf"), query, 1, 20*time.Second)
	if len(got) != 1 || got[0].Message == nil || got[0].Topic != "oc2/rsp/soc" {
		t.Fatalf("answers %+v, want one on oc2/rsp/soc", got)
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	want := map[string]string{"oc2/cmd/ap/slpf": MsgRequest, "oc2/rsp/soc": MsgResponse}
	for _, pk := range sp.publishes {
		typ, ok := want[pk.TopicName]
		if !ok {
			t.Errorf("published to %q", pk.TopicName)
			continue
		}
		delete(want, pk.TopicName)
		pr := pk.Properties
		if pk.FixedHeader.Qos != 1 || pk.FixedHeader.Retain || pr.PayloadFormat != 1 || !pr.PayloadFormatFlag ||
			pr.ContentType != ContentType || pr.ResponseTopic != "" {
			t.Errorf("%s: QoS %d, retain %v, payload format %d, content type %q, response topic %q",
				pk.TopicName, pk.FixedHeader.Qos, pk.FixedHeader.Retain, pr.PayloadFormat, pr.ContentType, pr.ResponseTopic)
		}
		props := map[string]string{}
		for _, u := range pr.User {
			props[u.Key] = u.Val
		}
		if props[PropMsgType] != typ || props[PropEncoding] != EncodingJSON {
			t.Errorf("%s: user properties %v, want msgType %s, encoding json", pk.TopicName, props, typ)
		}
		m, err := openc2.DecodeMessage(pk.Payload)
		if err != nil {
			t.Fatalf("%s: %v", pk.TopicName, err)
		}
		if (typ == MsgRequest) != (m.Request != nil) || m.Headers == nil || m.Headers.From == "" {
			t.Errorf("%s: payload %s, want a %s with from", pk.TopicName, pk.Payload, typ)
		}
	}
	if len(want) > 0 {
		t.Errorf("nothing published to %v", want)
	}
}

// TestSubscriptions checks the topics and options of the subscriptions
// (section 3.3).
func TestSubscriptions(t *testing.T) {
	broker, sp := startBroker(t)
	c := startConsumer(t, broker, &counter{}, ConsumerConfig{Profiles: []string{"slpf", "x-acme"}})
	defer c.Close(context.Background())
	gather(t, startProducer(t, broker), TopicAll, query, 1, 20*time.Second)
	sp.mu.Lock()
	defer sp.mu.Unlock()
	var filters []string
	for _, pk := range sp.subscribes {
		for _, f := range pk.Filters {
			filters = append(filters, f.Filter)
			if f.Qos < 1 || !f.NoLocal || !f.RetainAsPublished || f.RetainHandling != 0 {
				t.Errorf("%s: options %+v, want QoS 2, No Local, Retain As Published, Retain Handling 0", f.Filter, f)
			}
		}
	}
	want := "oc2/cmd/all oc2/cmd/device/fw1 oc2/cmd/ap/slpf oc2/cmd/ap/x-acme oc2/rsp oc2/rsp/soc"
	if got := strings.Join(filters, " "); got != want {
		t.Errorf("subscribed to %s, want %s", got, want)
	}
}

// rawPublisher returns a function that publishes payload to topic with the
// OpenC2 properties of a message of type msgType ("req" when empty),
// bypassing the Producer.
func rawPublisher(t *testing.T, broker string) func(topic string, payload []byte, msgType ...string) {
	t.Helper()
	u, _ := url.Parse(broker)
	ready := make(chan struct{})
	cm, err := autopaho.NewConnection(context.Background(), autopaho.ClientConfig{
		ServerUrls: []*url.URL{u}, KeepAlive: 30, ClientConfig: paho.ClientConfig{ClientID: NewClientID()},
		OnConnectionUp: func(*autopaho.ConnectionManager, *paho.Connack) { close(ready) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cm.Disconnect(context.Background()) })
	<-ready
	return func(topic string, payload []byte, msgType ...string) {
		typ := MsgRequest
		if len(msgType) > 0 {
			typ = msgType[0]
		}
		if _, err := cm.Publish(context.Background(), publishPacket(topic, typ, payload)); err != nil {
			t.Fatal(err)
		}
	}
}

// collect waits for an answer to request id on the producer's topics.
func collect(t *testing.T, p *Producer, id string) chan Answer {
	ch := make(chan Answer, 8)
	p.mu.Lock()
	p.waiting[id] = func(a Answer) { ch <- a }
	p.mu.Unlock()
	<-p.ready
	return ch
}

func await(t *testing.T, ch chan Answer) Answer {
	t.Helper()
	select {
	case a := <-ch:
		return a
	case <-time.After(20 * time.Second):
		t.Fatal("no answer")
	}
	return Answer{}
}

// TestHostileMalformedPayload checks that a payload that is not an OpenC2
// command gets a 400 response with its request_id, and the consumer goes
// on.
func TestHostileMalformedPayload(t *testing.T) {
	broker, _ := startBroker(t)
	h := &counter{}
	c := startConsumer(t, broker, h, ConsumerConfig{Profiles: []string{"slpf"}})
	defer c.Close(context.Background())
	p := startProducer(t, broker)
	pub := rawPublisher(t, broker)
	for name, payload := range map[string]string{
		"truncated":   `{"headers":{"request_id":"bad-0","from":"soc"},"body":{"openc2":`,
		"bad action":  `{"headers":{"request_id":"bad-1","from":"soc"},"body":{"openc2":{"request":{"action":"explode","target":{"features":[]}}}}}`,
		"no id":       `{"headers":{"from":"soc"},"body":{"openc2":{"request":{"action":"query","target":{"features":[]}}}}}`,
		"response":    `{"headers":{"request_id":"bad-3"},"body":{"openc2":{"response":{"status":200}}}}`,
		"binary junk": "\xff\xfe\x00{",
	} {
		t.Run(name, func(t *testing.T) {
			id := openc2.PeekRequestID([]byte(payload))
			ch := collect(t, p, id)
			pub(TopicAll, []byte(payload))
			a := await(t, ch)
			if a.Message == nil || a.Message.Response == nil || a.Message.Response.Status != 400 || a.Message.Headers.RequestID != id {
				t.Fatalf("answer %+v, want 400 for %q", a, id)
			}
		})
	}
	t.Run("msgType rsp", func(t *testing.T) {
		ch := collect(t, p, "bad-rsp")
		pub(TopicAll, []byte(`{"headers":{"request_id":"bad-rsp","from":"soc"},"body":{"openc2":{"request":{"action":"query","target":{"features":[]}}}}}`), MsgResponse)
		if a := await(t, ch); a.Message == nil || a.Message.Response.Status != 400 || !strings.Contains(a.Message.Response.StatusText, "msgType") {
			t.Fatalf("answer %+v, want 400 naming msgType: the user properties reach the consumer", a)
		}
	})
	if n := h.n.Load(); n != 0 {
		t.Errorf("%d commands carried out, want 0", n)
	}
	if got := gather(t, p, TopicAll, query, 1, 20*time.Second); len(got) != 1 {
		t.Errorf("after the malformed ones, a command got %d answers, want 1", len(got))
	}
}

// TestHostileOversize checks that a payload over the limit is refused: the
// broker does not even send one over the CONNECT Maximum Packet Size, and
// the consumer answers 400 to one under it.
func TestHostileOversize(t *testing.T) {
	broker, _ := startBroker(t)
	h := &counter{}
	c := startConsumer(t, broker, h, ConsumerConfig{MaxBytes: 1024})
	defer c.Close(context.Background())
	p := startProducer(t, broker)
	pub := rawPublisher(t, broker)
	pad := func(id string, n int) []byte {
		s := fmt.Sprintf(`{"headers":{"request_id":%q,"from":"soc"},"body":{"openc2":{"request":{"action":"query","target":{"features":[]},"args":{"x-pad":%q}}}}}`, id, strings.Repeat("a", n))
		return []byte(s)
	}
	pub(TopicAll, pad("huge", 1<<20))
	ch := collect(t, p, "big")
	pub(TopicAll, pad("big", 2000))
	if a := await(t, ch); a.Message == nil || a.Message.Response.Status != 400 || !strings.Contains(a.Message.Response.StatusText, "larger than 1024") {
		t.Fatalf("answer %+v, want 400 larger than 1024 bytes", a)
	}
	if got := gather(t, p, TopicAll, query, 1, 20*time.Second); len(got) != 1 {
		t.Errorf("after the large ones, a command got %d answers, want 1", len(got))
	}
	if n := h.n.Load(); n != 1 {
		t.Errorf("%d commands carried out, want 1", n)
	}
}

// TestHostileDuplicate checks that a command delivered twice (QoS 1) is
// carried out once.
func TestHostileDuplicate(t *testing.T) {
	broker, _ := startBroker(t)
	h := &counter{}
	c := startConsumer(t, broker, h, ConsumerConfig{Profiles: []string{"slpf"}})
	defer c.Close(context.Background())
	p := startProducer(t, broker)
	pub := rawPublisher(t, broker)
	cmd := []byte(`{"headers":{"request_id":"dup-1","from":"soc"},"body":{"openc2":{"request":{"action":"query","target":{"features":[]}}}}}`)
	ch := collect(t, p, "dup-1")
	pub(TopicAll, cmd)
	pub(ProfileTopic("slpf"), cmd)
	await(t, ch)
	for deadline := time.Now().Add(20 * time.Second); testutil.ToFloat64(c.metrics.received.WithLabelValues(outcomeDuplicate)) != 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no duplicate dropped; %d commands carried out", h.n.Load())
		}
	}
	if n := h.n.Load(); n != 1 {
		t.Errorf("%d commands carried out, want 1: the duplicate once", n)
	}
	if n := testutil.ToFloat64(c.metrics.connected); n != 1 {
		t.Errorf("gatehouse_openc2_mqtt_connected = %v, want 1", n)
	}
}

// TestOfflineConsumer checks that a command published while the consumer
// is away is carried out when it comes back, in its persistent session.
func TestOfflineConsumer(t *testing.T) {
	broker, _ := startBroker(t)
	h := &counter{}
	cfg := ConsumerConfig{Profiles: []string{"slpf"}, Client: ClientConfig{ClientID: "fw1consumer", SessionExpiry: time.Hour}}
	c := startConsumer(t, broker, h, cfg)
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	p := startProducer(t, broker)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	answered := make(chan Answer, 1)
	go func() {
		_, _ = p.Gather(ctx, DeviceTopic("fw1"), query, 1, func(a Answer) { answered <- a })
	}()
	time.Sleep(500 * time.Millisecond) // published while the consumer is away
	c = startConsumer(t, broker, h, cfg)
	defer c.Close(context.Background())
	if a := await(t, answered); a.Message == nil || a.Message.Response.Status != 200 {
		t.Fatalf("answer %+v, want 200", a)
	}
}

// TestAuthorizer checks that a command the authorizer refuses gets 403 and
// is not carried out.
func TestAuthorizer(t *testing.T) {
	broker, _ := startBroker(t)
	h := &counter{}
	saw := make(chan Request, 1)
	c := startConsumer(t, broker, h, ConsumerConfig{Profiles: []string{"slpf"},
		Authorizer: authorizerFunc(func(_ context.Context, r Request) error { saw <- r; return fmt.Errorf("no") })})
	defer c.Close(context.Background())
	got := gather(t, startProducer(t, broker), TopicAll, query, 1, 20*time.Second)
	if len(got) != 1 || got[0].Message.Response.Status != 403 || h.n.Load() != 0 {
		t.Fatalf("answers %+v, carried out %d; want one 403 and none", got, h.n.Load())
	}
	if seen := <-saw; seen.Topic != TopicAll || seen.Message.Headers.From != "soc" {
		t.Errorf("authorizer saw %+v", seen)
	}
}

type authorizerFunc func(context.Context, Request) error

func (f authorizerFunc) Authorize(ctx context.Context, r Request) error { return f(ctx, r) }

// TestTo checks that a command whose headers.to names other consumers is
// left to them, and one that names this consumer is carried out (section
// 2.4.2).
func TestTo(t *testing.T) {
	broker, _ := startBroker(t)
	h := &counter{}
	c := startConsumer(t, broker, h, ConsumerConfig{ConsumerID: "fw1.example.net", Profiles: []string{"slpf"}})
	defer c.Close(context.Background())
	p := startProducer(t, broker)
	for _, tt := range []struct {
		to   []string
		want int
	}{{[]string{"fw9"}, 0}, {[]string{"fw9", "fw1"}, 1}, {[]string{"fw1.example.net"}, 1}} {
		m := &openc2.Message{Headers: &openc2.Headers{To: tt.to}, Request: query.Request}
		wait := 20 * time.Second
		if tt.want == 0 {
			wait = 500 * time.Millisecond
		}
		if got := gather(t, p, TopicAll, m, 1, wait); len(got) != tt.want {
			t.Errorf("to %v: %d answers, want %d", tt.to, len(got), tt.want)
		}
	}
	if n := h.n.Load(); n != 2 {
		t.Errorf("%d commands carried out, want 2", n)
	}
}

// TestPingInterval checks that a client pings within 95% of its Keep
// Alive (section 3.4).
func TestPingInterval(t *testing.T) {
	for keepAlive, want := range map[uint16]uint16{0: 0, 2: 1, 19: 18, 20: 19, 60: 57, 300: 285} {
		if got := pingInterval(keepAlive); got != want {
			t.Errorf("pingInterval(%d) = %d, want %d", keepAlive, got, want)
		}
	}
}
