// Package mail sends the hub's e-mails to customers over SMTP: the quote
// with its accept and decline links, and the shipping or pickup
// instructions after an accept.
//
// A message is composed and checked in full before Send connects, so a
// message that could never be sent (a line break in a header, an address
// that does not parse) fails at once and never half-reaches the server.
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"time"
)

// Errors of a connection whose security falls short of what was asked;
// test with errors.Is.
var (
	// ErrInsecureAuth is a password that would cross the network in clear
	// text: no STARTTLS, and the server is not this machine.
	ErrInsecureAuth = errors.New("refusing to authenticate without TLS to a remote server")
	// ErrNoTLS is SMTPConfig.RequireTLS with a server that offers no
	// STARTTLS.
	ErrNoTLS = errors.New("server offers no STARTTLS")
)

// Defaults of SMTPConfig's durations.
const (
	DefaultDialTimeout = 10 * time.Second
	DefaultTimeout     = time.Minute
)

// SMTPConfig says how to reach the mail server.
type SMTPConfig struct {
	Addr string // host:port of the server, e.g. smtp.example.com:587
	From string // the sender, e.g. "Intake Bench <quotes@intakebench.example>"
	// Username and Password, when set, log in with AUTH PLAIN: only over
	// TLS, or to a server on localhost itself.
	Username string
	Password string `json:"-"`
	// TLS configures STARTTLS, used whenever the server offers it; nil
	// verifies the server's certificate for Addr's host against the
	// system's roots.
	TLS *tls.Config
	// RequireTLS refuses to send when the server offers no STARTTLS:
	// quote links are bearer tokens, worth keeping off the wire in clear.
	RequireTLS bool
	// NoSTARTTLS sends in clear text even when the server offers STARTTLS.
	// It is for test servers on loopback only; NewSMTP refuses it for any
	// other host.
	NoSTARTTLS bool
	// DialTimeout bounds connecting (DefaultDialTimeout when zero);
	// Timeout bounds the rest of the dialogue (DefaultTimeout when zero).
	// A context deadline that comes sooner wins.
	DialTimeout time.Duration
	Timeout     time.Duration
	// HelloName is the name given in EHLO; "localhost" when empty.
	HelloName string
	// Now is the clock of the Date header; time.Now when nil.
	Now func() time.Time
}

// String shows the configuration without the password, so logging it
// never leaks the secret.
func (c SMTPConfig) String() string {
	pw := ""
	if c.Password != "" {
		pw = " password=[redacted]"
	}
	return fmt.Sprintf("smtp{addr=%s from=%q user=%q%s requiretls=%t nostarttls=%t}",
		c.Addr, c.From, c.Username, pw, c.RequireTLS, c.NoSTARTTLS)
}

// GoString is String, for %#v.
func (c SMTPConfig) GoString() string { return c.String() }

// SMTP sends messages through one mail server. It is safe for concurrent
// use: each Send is its own connection.
type SMTP struct {
	cfg  SMTPConfig
	host string
	from *mail.Address
}

// String shows the sender's configuration without the password.
func (s *SMTP) String() string { return s.cfg.String() }

// GoString is String, for %#v.
func (s *SMTP) GoString() string { return s.cfg.String() }

// NewSMTP checks cfg and returns a sender.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" || port == "" {
		return nil, fmt.Errorf("mail: server address %q: want host:port", cfg.Addr)
	}
	from, err := parseAddress("sender", cfg.From)
	if err != nil {
		return nil, err
	}
	if cfg.NoSTARTTLS && !isLoopback(host) {
		return nil, fmt.Errorf("mail: NoSTARTTLS is for loopback test servers, not %s", host)
	}
	if cfg.NoSTARTTLS && cfg.RequireTLS {
		return nil, errors.New("mail: NoSTARTTLS and RequireTLS contradict each other")
	}
	if err := headerSafe("hello name", cfg.HelloName); err != nil {
		return nil, err
	}
	if (cfg.Username == "") != (cfg.Password == "") {
		return nil, errors.New("mail: set both username and password, or neither")
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.HelloName == "" {
		cfg.HelloName = "localhost"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &SMTP{cfg: cfg, host: host, from: from}, nil
}

// Send delivers m. It returns once the server has taken the message, or
// with the first error; an error wraps ctx.Err() when ctx ended the
// attempt, and the dial error when the server could not be reached.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	raw, rcpt, err := compose(s.from, m, s.cfg.Now())
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mail: send to %s: %w", rcpt, err)
	}
	d := net.Dialer{Timeout: s.cfg.DialTimeout}
	conn, err := d.DialContext(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("mail: dial %s: %w", s.cfg.Addr, cause(ctx, err))
	}
	defer conn.Close()
	deadline := time.Now().Add(s.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := conn.SetDeadline(deadline); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	// A deadline in the past unblocks a read or write in progress at once,
	// so a cancel does not wait for a server that has stopped talking.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := s.dialogue(conn, raw, rcpt); err != nil {
		return fmt.Errorf("mail: send to %s via %s: %w", rcpt, s.cfg.Addr, cause(ctx, err))
	}
	return nil
}

func (s *SMTP) dialogue(conn net.Conn, raw []byte, rcpt string) error {
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	defer c.Close()
	if err := c.Hello(s.cfg.HelloName); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	secure := false
	if ok, _ := c.Extension("STARTTLS"); ok && !s.cfg.NoSTARTTLS {
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			// No retry in clear text: that would let anyone on the path
			// strip TLS by breaking the handshake.
			return fmt.Errorf("STARTTLS: %w", err)
		}
		secure = true
	}
	if s.cfg.RequireTLS && !secure {
		return ErrNoTLS
	}
	if s.cfg.Username != "" {
		if !secure && !isLocalhost(s.host) {
			return ErrInsecureAuth
		}
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("server offers no AUTH, but a username is set")
		}
		if err := c.Auth(smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.host)); err != nil {
			return fmt.Errorf("AUTH as %s: %w", s.cfg.Username, err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	if err := c.Rcpt(rcpt); err != nil {
		return fmt.Errorf("RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(raw); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	// The server took the message with its reply to DATA: a failed QUIT
	// must not make the caller send it again.
	_ = c.Quit()
	return nil
}

func (s *SMTP) tlsConfig() *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.cfg.TLS != nil {
		cfg = s.cfg.TLS.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = s.host
	}
	return cfg
}

// cause puts ctx's error first when ctx ended the attempt: the I/O error
// is then only how the cancel showed (a deadline set in the past).
func cause(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w (%w)", cerr, err)
	}
	return err
}

// isLocalhost is net/smtp's own test of a server on this machine, to
// which it lets PLAIN go without TLS; checking first gives a clearer
// error than its "unencrypted connection".
func isLocalhost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
