package app

import (
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/netutil"

	"github.com/gatehouse/gatehouse/app/config"
)

// listen listens on addr for at most s.MaxConnections connections at once:
// further ones wait in the kernel's backlog until one closes.
func listen(addr string, s config.Server) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return netutil.LimitListener(ln, s.MaxConnections), nil
}

// newHTTPServer returns the server of handler with the time and size
// bounds of s; open counts its open connections.
func newHTTPServer(s config.Server, handler http.Handler, tlsConfig *tls.Config, open prometheus.Gauge, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           handler,
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: s.ReadHeaderTimeout,
		ReadTimeout:       s.ReadTimeout,
		WriteTimeout:      s.WriteTimeout,
		IdleTimeout:       s.IdleTimeout,
		MaxHeaderBytes:    s.MaxHeaderBytes,
		ConnState: func(_ net.Conn, state http.ConnState) {
			switch state {
			case http.StateNew:
				open.Inc()
			case http.StateClosed, http.StateHijacked:
				open.Dec()
			}
		},
		// Connection errors, such as failed TLS handshakes, go to the log.
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// connectionGauge returns the gauge name of a listener's open connections,
// registered in reg.
func connectionGauge(reg prometheus.Registerer, name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	reg.MustRegister(g)
	return g
}

// closeListener closes ln, if there is one.
func closeListener(ln net.Listener) error {
	if ln == nil {
		return nil
	}
	return ln.Close()
}
