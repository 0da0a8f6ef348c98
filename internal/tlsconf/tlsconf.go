// Package tlsconf builds the TLS configurations of Gatehouse's servers and
// clients from PEM files, as the OpenC2 HTTPS transfer v1.1 (section 3.2.3)
// requires them: TLS 1.2 or later, and with TLS 1.2 only the ECDHE suites
// with AEAD ciphers, none of those RFC 7540 Appendix A deprecates.
package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// cipherSuites are the TLS 1.2 suites allowed: forward secrecy and AEAD.
// TLS 1.3 suites are not configurable and all qualify.
var cipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

func base() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, CipherSuites: cipherSuites}
}

// Server returns the configuration of a server with the certificate and key
// in certFile and keyFile. With clientCAFile it requires every client to
// present a certificate signed by one of the CAs in it (mutual TLS).
// keys names the configuration keys of the files in errors.
func Server(certFile, keyFile, clientCAFile string, keys [3]string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("%s and %s: %w", keys[0], keys[1], err)
	}
	c := base()
	c.Certificates = []tls.Certificate{cert}
	if clientCAFile != "" {
		pool, err := certPool(clientCAFile, keys[2])
		if err != nil {
			return nil, err
		}
		c.ClientCAs, c.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return c, nil
}

// Client returns the configuration of a client that trusts the CAs in
// caFile (the system's when empty) and, with certFile and keyFile, presents
// that certificate for mutual TLS. insecure skips verifying the server's
// certificate, for tests only. keys names the options of the files in
// errors.
func Client(caFile, certFile, keyFile string, insecure bool, keys [3]string) (*tls.Config, error) {
	c := base()
	c.InsecureSkipVerify = insecure
	if caFile != "" {
		pool, err := certPool(caFile, keys[0])
		if err != nil {
			return nil, err
		}
		c.RootCAs = pool
	}
	if (certFile == "") != (keyFile == "") {
		return nil, fmt.Errorf("%s and %s go together", keys[1], keys[2])
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("%s and %s: %w", keys[1], keys[2], err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// certPool reads the PEM certificates of file.
func certPool(file, key string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s %s: no PEM certificate in it", key, file)
	}
	return pool, nil
}
