// Package smtptest runs a minimal SMTP server on loopback for tests: it
// takes every message (EHLO or HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT,
// and STARTTLS when started with NewSTARTTLS; no authentication) and hands
// it to the test.
package smtptest

import (
	"bufio"
	"crypto/tls"
	"net"
	"strings"
	"sync"
	"testing"
)

// Message is one message the server took.
type Message struct {
	From string   // the address of MAIL FROM
	To   []string // the addresses of RCPT TO
	Data string   // the message, headers and body, lines ending in CRLF, dot-stuffing undone
	TLS  bool     // whether it came over TLS
}

// Server is a running server.
type Server struct {
	// Addr is the server's host:port.
	Addr string
	// Messages receives each message taken; it holds 100, and the server
	// waits for room beyond that, until the test ends.
	Messages chan Message

	ln   net.Listener
	tls  *tls.Config // offered with STARTTLS when set
	done chan struct{}
	wg   sync.WaitGroup
}

// New starts a server on 127.0.0.1; it stops when the test ends.
func New(t testing.TB) *Server { return start(t, nil) }

// NewSTARTTLS starts a server that offers STARTTLS with cfg.
func NewSTARTTLS(t testing.TB, cfg *tls.Config) *Server { return start(t, cfg) }

func start(t testing.TB, cfg *tls.Config) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String(), Messages: make(chan Message, 100), ln: ln, tls: cfg, done: make(chan struct{})}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() { close(s.done); ln.Close(); s.wg.Wait() })
	return s
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			s.session(conn)
		}()
	}
}

// session speaks SMTP on conn until QUIT or an error.
func (s *Server) session(conn net.Conn) {
	r := bufio.NewReader(conn)
	w := bufio.NewWriter(conn)
	reply := func(lines ...string) bool {
		for _, l := range lines {
			w.WriteString(l + "\r\n")
		}
		return w.Flush() == nil
	}
	if !reply("220 smtptest ESMTP") {
		return
	}
	var m Message
	secure := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		ok := true
		switch strings.ToUpper(verb) {
		case "EHLO":
			if s.tls != nil && !secure {
				ok = reply("250-smtptest", "250-STARTTLS", "250 8BITMIME")
			} else {
				ok = reply("250-smtptest", "250 8BITMIME")
			}
		case "STARTTLS":
			if s.tls == nil || secure {
				ok = reply("502 not implemented")
				break
			}
			if !reply("220 go ahead") {
				return
			}
			tc := tls.Server(conn, s.tls)
			if tc.Handshake() != nil {
				return
			}
			r, w, secure, m = bufio.NewReader(tc), bufio.NewWriter(tc), true, Message{}
		case "HELO", "NOOP":
			ok = reply("250 ok")
		case "RSET":
			m = Message{}
			ok = reply("250 ok")
		case "MAIL":
			m = Message{From: address(arg), TLS: secure}
			ok = reply("250 ok")
		case "RCPT":
			m.To = append(m.To, address(arg))
			ok = reply("250 ok")
		case "DATA":
			if !reply("354 end with <CRLF>.<CRLF>") {
				return
			}
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(strings.TrimPrefix(l, "."))
			}
			m.Data = data.String()
			select {
			case s.Messages <- m:
			case <-s.done:
				return
			}
			m = Message{}
			ok = reply("250 ok")
		case "QUIT":
			reply("221 bye")
			return
		default:
			ok = reply("502 not implemented")
		}
		if !ok {
			return
		}
	}
}

// address returns the address in "FROM:<a@b>" or "TO:<a@b>".
func address(arg string) string {
	_, a, _ := strings.Cut(arg, ":")
	a = strings.TrimSpace(a)
	if i := strings.IndexByte(a, ' '); i >= 0 {
		a = a[:i]
	}
	return strings.Trim(a, "<>")
}
