package sink

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"os"
	"strings"
)

// SMTP mails each record, as a message of its own, through an SMTP
// server: one session per record, as Python's SMTPHandler does. The
// session switches to TLS with STARTTLS whenever the server offers it
// (verifying the server's certificate for the host of Addr), and must when
// RequireTLS is set. The message is text/plain in UTF-8, quoted-printable,
// with the record's time, level and plugin on its first line.
type SMTP struct {
	// Addr is the server, host:port (required).
	Addr string `yaml:"addr" json:"addr"`
	// From is the sender's address (required).
	From string `yaml:"from" json:"from"`
	// To are the recipients' addresses (at least one).
	To []string `yaml:"to" json:"to"`
	// Subject is the messages' subject. Default "gatehouse: PLUGIN".
	Subject string `yaml:"subject" json:"subject,omitempty"`
	// RequireTLS refuses to send over a session the server does not offer
	// STARTTLS on.
	RequireTLS bool `yaml:"require_tls" json:"require_tls,omitempty"`
	// Username and PasswordFile, when set, log in with AUTH PLAIN, which
	// Go's net/smtp allows over TLS or to localhost only. The file holds
	// the password, its trailing newline ignored; it is read at each
	// message.
	Username     string `yaml:"username" json:"username,omitempty"`
	PasswordFile string `yaml:"password_file" json:"password_file,omitempty"`
}

func (s *SMTP) validate(key string) []error {
	var errs []error
	if _, _, err := net.SplitHostPort(s.Addr); err != nil {
		errs = append(errs, fmt.Errorf("%saddr: %q is not host:port", key, s.Addr))
	}
	if _, err := mail.ParseAddress(s.From); err != nil {
		errs = append(errs, fmt.Errorf("%sfrom: %q: %v", key, s.From, err))
	}
	if len(s.To) == 0 {
		errs = append(errs, fmt.Errorf("%sto: give at least one recipient", key))
	}
	for i, to := range s.To {
		if _, err := mail.ParseAddress(to); err != nil {
			errs = append(errs, fmt.Errorf("%sto[%d]: %q: %v", key, i, to, err))
		}
	}
	if strings.ContainsAny(s.Subject, "\r\n") {
		errs = append(errs, fmt.Errorf("%ssubject: a line break is not allowed", key))
	}
	if (s.Username == "") != (s.PasswordFile == "") {
		errs = append(errs, fmt.Errorf("%susername and password_file: give both or neither", key))
	}
	return errs
}

func (s *SMTP) write(ctx context.Context, r Record) error {
	host, _, _ := net.SplitHostPort(s.Addr)
	conn, done, err := dial(ctx, "tcp", s.Addr)
	if err != nil {
		return err
	}
	defer done()
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	if name, _ := os.Hostname(); name != "" {
		if err := c.Hello(name); err != nil {
			return err
		}
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
			return err
		}
	} else if s.RequireTLS {
		return errors.New("the server does not offer STARTTLS, which require_tls asks for")
	}
	if s.Username != "" {
		pw, err := os.ReadFile(s.PasswordFile)
		if err != nil {
			return err
		}
		if err := c.Auth(smtp.PlainAuth("", s.Username, strings.TrimRight(string(pw), "\r\n"), host)); err != nil {
			return err
		}
	}
	from, _ := mail.ParseAddress(s.From)
	if err := c.Mail(from.Address); err != nil {
		return err
	}
	for _, to := range s.To {
		a, _ := mail.ParseAddress(to)
		if err := c.Rcpt(a.Address); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(s.message(r)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// message renders r as a mail message.
func (s *SMTP) message(r Record) []byte {
	subject := s.Subject
	if subject == "" {
		subject = "gatehouse: " + r.Plugin
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n", s.From, strings.Join(s.To, ", "),
		mime.QEncoding.Encode("utf-8", subject), r.Time.Format("Mon, 02 Jan 2006 15:04:05 -0700"))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	fmt.Fprintf(qp, "%s %s %s\r\n", r.Time.UTC().Format("2006-01-02T15:04:05.000Z07:00"), levelName(r.Level), r.Plugin)
	qp.Write([]byte(r.Message))
	qp.Close()
	b.WriteString("\r\n")
	return b.Bytes()
}
