// Package tlstest writes a small public key infrastructure for tests: a CA,
// a server certificate for localhost and 127.0.0.1, two client
// certificates the CA signed, and a client certificate of another CA.
package tlstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// PKI holds the PEM files it wrote.
type PKI struct {
	CA                    string // the CA's certificate
	ServerCert, ServerKey string // for localhost and 127.0.0.1, signed by CA
	// ClientCert has common name "producer", organisation "Gatehouse
	// Test", DNS name producer.example.com and email address
	// producer@example.com; CA signed it.
	ClientCert, ClientKey string
	// ObserverCert has common name "observer" and no other name; CA
	// signed it.
	ObserverCert, ObserverKey string
	RogueCert, RogueKey       string // common name "rogue", signed by another CA
	RogueCA                   string // the other CA's certificate
}

// New writes the files into a temporary folder of t.
func New(t testing.TB) *PKI {
	t.Helper()
	dir := t.TempDir()
	p := &PKI{}
	ca, caKey := authority(t, "test CA")
	p.CA = write(t, dir, "ca.pem", "CERTIFICATE", ca.Raw)
	rogueCA, rogueKey := authority(t, "rogue CA")
	p.RogueCA = write(t, dir, "rogue-ca.pem", "CERTIFICATE", rogueCA.Raw)

	p.ServerCert, p.ServerKey = leaf(t, dir, "server", ca, caKey, func(c *x509.Certificate) {
		c.DNSNames = []string{"localhost"}
		c.IPAddresses = []net.IP{net.ParseIP("127.0.0.1"), net.IPv6loopback}
		c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	})
	client := func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth} }
	p.ClientCert, p.ClientKey = leaf(t, dir, "producer", ca, caKey, func(c *x509.Certificate) {
		client(c)
		c.Subject.Organization = []string{"Gatehouse Test"}
		c.DNSNames = []string{"producer.example.com"}
		c.EmailAddresses = []string{"producer@example.com"}
	})
	p.ObserverCert, p.ObserverKey = leaf(t, dir, "observer", ca, caKey, client)
	p.RogueCert, p.RogueKey = leaf(t, dir, "rogue", rogueCA, rogueKey, client)
	return p
}

var serial atomic.Int64

func template(name string) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
}

func key(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func authority(t testing.TB, name string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	k := key(t)
	tpl := template(name)
	tpl.IsCA, tpl.BasicConstraintsValid = true, true
	tpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, k
}

// leaf writes name.pem and name.key, signed by ca.
func leaf(t testing.TB, dir, name string, ca *x509.Certificate, caKey *ecdsa.PrivateKey, shape func(*x509.Certificate)) (string, string) {
	t.Helper()
	k := key(t)
	tpl := template(name)
	tpl.KeyUsage = x509.KeyUsageDigitalSignature
	shape(tpl)
	der, err := x509.CreateCertificate(rand.Reader, tpl, ca, &k.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return write(t, dir, name+".pem", "CERTIFICATE", der), write(t, dir, name+".key", "EC PRIVATE KEY", kb)
}

func write(t testing.TB, dir, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
