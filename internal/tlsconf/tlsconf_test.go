package tlsconf_test

import (
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/tlsconf"
	"github.com/gatehouse/gatehouse/internal/tlsconf/tlstest"
)

var keys = [3]string{"a", "b", "c"}

// handshake runs a TLS handshake between server and client over a pipe.
func handshake(t *testing.T, server, client *tls.Config) error {
	t.Helper()
	cc, sc := net.Pipe()
	defer cc.Close()
	defer sc.Close()
	done := make(chan error, 1)
	go func() { done <- tls.Server(sc, server).Handshake(); sc.Close() }()
	client.ServerName = "localhost"
	err := tls.Client(cc, client).Handshake()
	cc.Close()
	if serr := <-done; err == nil {
		err = serr
	}
	return err
}

func TestHandshakes(t *testing.T) {
	pki := tlstest.New(t)
	server, err := tlsconf.Server(pki.ServerCert, pki.ServerKey, pki.CA, keys)
	if err != nil {
		t.Fatal(err)
	}
	client := func(cert, key string) *tls.Config {
		c, err := tlsconf.Client(pki.CA, cert, key, false, keys)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if err := handshake(t, server, client(pki.ClientCert, pki.ClientKey)); err != nil {
		t.Errorf("client of the CA: %v", err)
	}
	if err := handshake(t, server, client(pki.RogueCert, pki.RogueKey)); err == nil {
		t.Error("client of another CA accepted")
	}
	// TLS 1.2 with a CBC suite only, which RFC 7540 Appendix A deprecates.
	cbc := client(pki.ClientCert, pki.ClientKey)
	cbc.MaxVersion, cbc.CipherSuites = tls.VersionTLS12, []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}
	if err := handshake(t, server, cbc); err == nil {
		t.Error("CBC suite accepted")
	}
	tls12 := client(pki.ClientCert, pki.ClientKey)
	tls12.MaxVersion = tls.VersionTLS12
	if err := handshake(t, server, tls12); err != nil {
		t.Errorf("TLS 1.2 with AEAD: %v", err)
	}
}

func TestErrors(t *testing.T) {
	pki := tlstest.New(t)
	notPEM := filepath.Join(t.TempDir(), "ca.txt")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"server without key", second(tlsconf.Server(pki.ServerCert, "missing.key", "", keys)), "a and b: open missing.key"},
		{"server CA not PEM", second(tlsconf.Server(pki.ServerCert, pki.ServerKey, notPEM, keys)), "c " + notPEM + ": no PEM certificate in it"},
		{"client CA missing", second(tlsconf.Client("missing.pem", "", "", false, keys)), "a: open missing.pem"},
		{"client half pair", second(tlsconf.Client("", pki.ClientCert, "", false, keys)), "b and c go together"},
	} {
		if tt.err == nil || !strings.HasPrefix(tt.err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %s", tt.name, tt.err, tt.want)
		}
	}
}

func second(_ *tls.Config, err error) error { return err }
