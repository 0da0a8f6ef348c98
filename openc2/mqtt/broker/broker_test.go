package broker_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"
	"golang.org/x/crypto/bcrypt"

	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/mqtt"
	"github.com/gatehouse/gatehouse/openc2/mqtt/broker"
)

func hash(t *testing.T, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

// TestUsersRefused checks that a password file with a mistake is refused,
// naming its line.
func TestUsersRefused(t *testing.T) {
	h := hash(t, "x")
	for name, tt := range map[string]struct{ file, want string }{
		"no hash":    {"soc\n", "line 1: not name:hash"},
		"plain text": {"# users\nsoc:secret\n", "line 2: the hash of \"soc\" is not bcrypt"},
		"bad role":   {"soc:" + h + ":admin\n", `line 1: role "admin" of "soc" is not producer or consumer`},
		"twice":      {"soc:" + h + "\nsoc:" + h + "\n", `line 2: user "soc" is given twice`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := broker.Start(broker.Config{Listen: "127.0.0.1:0", Users: []byte(tt.file)})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}

// publisherSeen is a Handler that answers 200, and an Authorizer that
// keeps the publisher of each command.
type publisherSeen struct {
	mu         sync.Mutex
	publishers []string
}

func (p *publisherSeen) Handle(_ context.Context, msg *openc2.Message) *openc2.Message {
	return &openc2.Message{Response: &openc2.Response{Status: 200}}
}

func (p *publisherSeen) Authorize(_ context.Context, r mqtt.Request) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.publishers = append(p.publishers, r.Publisher)
	return nil
}

// TestHostilePublisherProperty checks that the broker names the
// publisher's username, over any gatehouse-publisher property the
// publisher sent, that a wrong password is refused, and that the roles
// hold: a consumer cannot command.
func TestHostilePublisherProperty(t *testing.T) {
	users := fmt.Sprintf("soc:%s:producer\nfw1:%s:consumer\nrogue:%s:consumer\n", hash(t, "soc-pass"), hash(t, "fw1-pass"), hash(t, "rogue-pass"))
	b, err := broker.Start(broker.Config{Listen: "127.0.0.1:0", Users: []byte(users)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	url := "mqtt://" + b.Addr()
	seen := &publisherSeen{}
	c, err := mqtt.NewConsumer(seen, mqtt.ConsumerConfig{DeviceID: "fw1", Profiles: []string{"slpf"}, Authorizer: seen,
		PublisherProperty: broker.PublisherProperty, Client: mqtt.ClientConfig{URL: url, Username: "fw1", Password: "fw1-pass"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.AwaitSubscribed(ctx); err != nil {
		t.Fatal(err)
	}
	send := func(user, password string, wait time.Duration) (int, error) {
		p, err := mqtt.NewProducer(context.Background(), mqtt.ProducerConfig{From: user, Client: mqtt.ClientConfig{URL: url, Username: user, Password: password}})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close(context.Background())
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		n := 0
		cmd := &openc2.Message{Request: &openc2.Command{Action: "query", Target: openc2.Target{Name: openc2.TargetFeatures, Value: []openc2.Feature{}}}}
		_, err = p.Gather(ctx, mqtt.TopicAll, cmd, 1, func(mqtt.Answer) { n++ })
		return n, err
	}
	if n, err := send("soc", "soc-pass", 20*time.Second); n != 1 || err != nil {
		t.Fatalf("soc: %d answers, %v; want 1", n, err)
	}
	if n, err := send("soc", "wrong", 2*time.Second); n != 0 || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a wrong password: %d answers, %v; want none, never subscribed", n, err)
	}
	if n, _ := send("rogue", "rogue-pass", 2*time.Second); n != 0 {
		t.Errorf("a consumer commanded: %d answers", n)
	}
	forge(t, url, "soc", "soc-pass")
	deadline := time.Now().Add(20 * time.Second)
	for {
		seen.mu.Lock()
		got := fmt.Sprint(seen.publishers)
		seen.mu.Unlock()
		if got == "[soc soc]" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("publishers %s, want [soc soc]: the broker names the publisher, over the one it sent", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// forge publishes a command as user that claims another publisher in
// broker.PublisherProperty.
func forge(t *testing.T, brokerURL, user, password string) {
	t.Helper()
	u, _ := url.Parse(brokerURL)
	ready := make(chan struct{})
	cm, err := autopaho.NewConnection(context.Background(), autopaho.ClientConfig{
		ServerUrls: []*url.URL{u}, KeepAlive: 30, ConnectUsername: user, ConnectPassword: []byte(password),
		ClientConfig:   paho.ClientConfig{ClientID: mqtt.NewClientID()},
		OnConnectionUp: func(*autopaho.ConnectionManager, *paho.Connack) { close(ready) },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cm.Disconnect(context.Background())
	<-ready
	_, err = cm.Publish(context.Background(), &paho.Publish{Topic: mqtt.TopicAll, QoS: 1,
		Payload:    []byte(`{"headers":{"request_id":"forged","from":"soc"},"body":{"openc2":{"request":{"action":"query","target":{"features":[]}}}}}`),
		Properties: &paho.PublishProperties{User: paho.UserProperties{{Key: broker.PublisherProperty, Value: "admin"}}}})
	if err != nil {
		t.Fatal(err)
	}
}

// dial connects a paho client with the id to b, with a Receive Maximum of
// rm unless 0, handing what it receives to onPublish unless nil.
func dial(ctx context.Context, t *testing.T, b *broker.Broker, id string, rm uint16, onPublish func(paho.PublishReceived) (bool, error)) *paho.Client {
	t.Helper()
	conn, err := net.Dial("tcp", b.Addr())
	if err != nil {
		t.Fatal(err)
	}
	cfg := paho.ClientConfig{Conn: conn}
	if onPublish != nil {
		cfg.OnPublishReceived = []func(paho.PublishReceived) (bool, error){onPublish}
	}
	c := paho.NewClient(cfg)
	cp := &paho.Connect{ClientID: id, KeepAlive: 30, CleanStart: true, Properties: &paho.ConnectProperties{RequestProblemInfo: true}}
	if rm > 0 {
		cp.Properties.ReceiveMaximum = &rm
	}
	if _, err := c.Connect(ctx, cp); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(&paho.Disconnect{}) })
	return c
}

// TestAckProperties checks that the broker's PUBACK does not repeat the
// user properties of the PUBLISH it acknowledges, which every client
// would otherwise decode once more for each message it publishes.
func TestAckProperties(t *testing.T) {
	b, err := broker.Start(broker.Config{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := dial(ctx, t, b, "pub", 0, nil)
	r, err := c.Publish(ctx, &paho.Publish{Topic: "oc2/rsp", QoS: 1, Payload: []byte("{}"),
		Properties: &paho.PublishProperties{User: paho.UserProperties{{Key: "msgType", Value: "rsp"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Properties != nil && len(r.Properties.User) > 0 {
		t.Errorf("PUBACK user properties %v, want none", r.Properties.User)
	}
}

// TestReceiveMaximum has publishers send to a client that set a
// Receive Maximum of broker.MaxInflight as fast as the broker takes their
// messages, more than the client acknowledges, and checks that every
// message arrives: the client's acknowledgements and the publishers'
// messages contend for the client's thousands of inflight messages all
// along.
func TestReceiveMaximum(t *testing.T) {
	b, err := broker.Start(broker.Config{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const publishers, each = 4, 1000 // fewer than MaxInflight
	var got atomic.Int64
	all := make(chan struct{})
	sub := dial(ctx, t, b, "sub", broker.MaxInflight, func(paho.PublishReceived) (bool, error) {
		time.Sleep(200 * time.Microsecond) // slower than the publishers
		if got.Add(1) == publishers*each {
			close(all)
		}
		return true, nil
	})
	if _, err := sub.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: "t", QoS: 1}}}); err != nil {
		t.Fatal(err)
	}
	for i := range publishers {
		pub := dial(ctx, t, b, fmt.Sprint("pub", i), 0, nil)
		go func() {
			for range each {
				if _, err := pub.Publish(ctx, &paho.Publish{Topic: "t", QoS: 1, Payload: []byte("x")}); err != nil {
					return // the wait below fails
				}
			}
		}()
	}
	select {
	case <-all:
	case <-ctx.Done():
		t.Fatalf("%d of %d messages arrived: the broker stopped sending to the client", got.Load(), publishers*each)
	}
}

// counting is a Handler that counts the commands it carries out, by
// request_id.
type counting struct {
	mu  sync.Mutex
	ids map[string]int
}

func (c *counting) Handle(_ context.Context, msg *openc2.Message) *openc2.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids[msg.Headers.RequestID]++
	return &openc2.Message{Response: &openc2.Response{Status: 200}}
}

func (c *counting) count(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ids[id]
}

// TestStore checks that a broker with a store keeps a session across a
// restart: a command published for a consumer while it is away, before the
// restart, reaches it once after, and its subscriptions hold.
func TestStore(t *testing.T) {
	store := filepath.Join(t.TempDir(), "broker.db")
	b, err := broker.Start(broker.Config{Listen: "127.0.0.1:0", Store: store})
	if err != nil {
		t.Fatal(err)
	}
	addr := b.Addr()
	url := "mqtt://" + addr
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h := &counting{ids: map[string]int{}}
	consume := func() *mqtt.Consumer {
		c, err := mqtt.NewConsumer(h, mqtt.ConsumerConfig{DeviceID: "fw1", Profiles: []string{"slpf"},
			Client: mqtt.ClientConfig{URL: url, ClientID: "fw1", SessionExpiry: time.Hour}})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AwaitSubscribed(ctx); err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := consume()
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := mqtt.NewProducer(ctx, mqtt.ProducerConfig{From: "soc", Client: mqtt.ClientConfig{URL: url}})
	if err != nil {
		t.Fatal(err)
	}
	gctx, gcancel := context.WithTimeout(ctx, 500*time.Millisecond)
	id, err := p.Gather(gctx, mqtt.DeviceTopic("fw1"), &openc2.Message{Request: &openc2.Command{Action: "query",
		Target: openc2.Target{Name: openc2.TargetFeatures, Value: []openc2.Feature{}}}}, 1, func(mqtt.Answer) {})
	gcancel()
	if err != nil {
		t.Fatal(err)
	}
	_ = p.Close(ctx)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if b, err = broker.Start(broker.Config{Listen: addr, Store: store}); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c = consume()
	defer c.Close(context.Background())
	for h.count(id) == 0 {
		select {
		case <-ctx.Done():
			t.Fatal("the command queued before the restart did not arrive")
		case <-time.After(10 * time.Millisecond):
		}
	}
	time.Sleep(300 * time.Millisecond) // a second delivery would come now
	if n := h.count(id); n != 1 {
		t.Errorf("the command was carried out %d times, want once", n)
	}
}
