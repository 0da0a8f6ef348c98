package app

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/app/actuators"
	"github.com/gatehouse/gatehouse/app/authz"
	"github.com/gatehouse/gatehouse/internal/tlsconf"
	"github.com/gatehouse/gatehouse/openc2/mqtt"
	"github.com/gatehouse/gatehouse/openc2/mqtt/broker"
)

// startBroker runs the MQTT broker of openc2.mqtt.broker, if it has a
// listen address.
func (a *App) startBroker(context.Context) error {
	b := a.cfg.OpenC2.MQTT.Broker
	if b.Listen == "" {
		return nil
	}
	cfg := broker.Config{Listen: b.Listen, MaxPacketBytes: b.MaxPacketBytes, Store: b.Store, Logger: a.logger, Registerer: a.reg}
	if b.Cert != "" {
		t, err := tlsconf.Server(b.Cert, b.Key, "", [3]string{"openc2.mqtt.broker.cert", "openc2.mqtt.broker.key", ""})
		if err != nil {
			return err
		}
		cfg.TLS = t
	}
	if b.Users != "" {
		users, err := broker.ReadUsers(b.Users)
		if err != nil {
			return fmt.Errorf("openc2.mqtt.broker.users: %w", err)
		}
		cfg.Users = users
	}
	br, err := broker.Start(cfg)
	if err != nil {
		return fmt.Errorf("openc2.mqtt.broker: %w", err)
	}
	a.broker = br
	a.logger.Info("serving mqtt", "address", br.Addr())
	return nil
}

func (a *App) closeBroker(context.Context) error {
	if a.broker == nil {
		return nil
	}
	return a.broker.Close()
}

// startMQTT connects the consumer to the broker of openc2.mqtt.url, if
// any, through the same authorization as POST /.well-known/openc2.
func (a *App) startMQTT(context.Context) error {
	m := a.cfg.OpenC2.MQTT
	if m.URL == "" {
		return nil
	}
	if a.broker != nil && strings.HasSuffix(m.URL, "://"+m.Broker.Listen) {
		// The broker of serve, on the port it got.
		scheme, _, _ := strings.Cut(m.URL, "://")
		m.URL = scheme + "://" + a.broker.Addr()
	}
	cc := mqtt.ClientConfig{URL: m.URL, ClientID: m.ClientID, Username: m.Username, SessionExpiry: m.SessionExpiry, Logger: a.logger}
	if m.PasswordFile != "" {
		b, err := os.ReadFile(m.PasswordFile)
		if err != nil {
			return fmt.Errorf("openc2.mqtt.password_file: %w", err)
		}
		cc.Password = strings.TrimSpace(string(b))
	}
	if strings.HasPrefix(m.URL, "mqtts://") {
		t, err := tlsconf.Client(m.CA, m.Cert, m.Key, false, [3]string{"openc2.mqtt.ca", "openc2.mqtt.cert", "openc2.mqtt.key"})
		if err != nil {
			return err
		}
		cc.TLS = t
	}
	acts := actuators.New(a.host)
	cfg := mqtt.ConsumerConfig{Client: cc, DeviceID: m.DeviceID, ConsumerID: a.cfg.OpenC2.ConsumerID,
		MaxBytes: m.MaxMessageBytes, Seen: m.Seen, Registerer: a.reg,
		Served: func() []string {
			var ps []string
			for _, act := range acts.Actuators() {
				ps = append(ps, act.Profiles...)
			}
			return slices.Compact(slices.Sorted(slices.Values(ps)))
		}}
	if len(m.Profiles) > 0 {
		cfg.Profiles = m.Profiles
	}
	if m.TrustPublisherProperty {
		cfg.PublisherProperty = broker.PublisherProperty
	}
	if az := a.decisions.openc2Authorizer(a.cfg.OpenC2.Authorization.PolicySet, a.proxy, a.logger); az != nil {
		cfg.Authorizer = authz.MQTT{Authorizer: az.(*authz.Authorizer)}
	}
	c, err := mqtt.NewConsumer(a.tel.OpenC2(a.consumer), cfg)
	if err != nil {
		return fmt.Errorf("openc2.mqtt: %w", err)
	}
	a.mqtt = c
	return nil
}

func (a *App) closeMQTT(ctx context.Context) error {
	if a.mqtt == nil {
		return nil
	}
	return a.mqtt.Close(ctx)
}
