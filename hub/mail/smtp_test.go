package mail

import (
	"bufio"
	"context"
	"crypto/tls"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/internal/mailpittest"
)

const testSender = "Intake Bench <quotes@intakebench.example>"

// fixedNow is the clock of every sender here, so the Date header is known.
func fixedNow() time.Time { return time.Date(2026, 7, 4, 9, 30, 0, 0, time.UTC) }

func newSMTP(t *testing.T, cfg SMTPConfig) *SMTP {
	t.Helper()
	if cfg.From == "" {
		cfg.From = testSender
	}
	cfg.Now = fixedNow
	s, err := NewSMTP(cfg)
	require.NoError(t, err)
	return s
}

// crlfToLF is how mailpit's decoded bodies compare with what was sent:
// it hands them back with the CRLF line ends of the wire.
func crlfToLF(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

func TestQuoteArrivesThroughMailpit(t *testing.T) {
	ctx := t.Context()
	pit := mailpittest.Start(t)
	s := newSMTP(t, SMTPConfig{Addr: pit.SMTPAddr})
	m, err := QuoteMessage(testQuote())
	require.NoError(t, err)
	require.NoError(t, s.Send(ctx, m))

	got, err := pit.WaitForMessage(ctx, "zoe@example.com")
	require.NoError(t, err)
	assert.Equal(t, "Your trade-in offer: $350.00 for your Apple iPhone 13 128GB (TI-2026-000123)", got.Subject)
	assert.Equal(t, []mailpittest.Address{{Name: "Zoë Łukasiewicz", Address: "zoe@example.com"}}, got.To)
	assert.Equal(t, mailpittest.Address{Name: "Intake Bench", Address: "quotes@intakebench.example"}, got.From)
	assert.Equal(t, wantQuoteText, crlfToLF(got.Text))
	for _, url := range []string{acceptURL, declineURL} {
		assert.Equal(t, 1, strings.Count(got.Text, url), "once in the text: %s", url)
	}
	for _, href := range []string{
		`href="https://hub.example/offers/accept?t=eyJwIjoib2ZmZXIifQ.-VApdK4X_A4&amp;src=mail"`,
		`href="https://hub.example/offers/decline?t=eyJwIjoib2ZmZXIifQ.-VApdK4X_A4&amp;src=mail"`,
	} {
		assert.Equal(t, 1, strings.Count(got.HTML, href), "once in the HTML: %s", href)
	}
	assert.Equal(t, 0, strings.Count(got.HTML, "&src="), "a bare & in the HTML")
	assert.Equal(t, 1, strings.Count(got.HTML, "<strong>$350.00</strong>"))
	assert.Contains(t, got.HTML, "<p>Hello Zoë Łukasiewicz,</p>")
	assert.Contains(t, got.HTML, "<p>Tëlé Trade &amp; Co</p>")

	h, err := pit.Headers(ctx, got.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"Sat, 04 Jul 2026 09:30:00 +0000"}, h["Date"])
	assert.Equal(t, []string{"1.0"}, h["Mime-Version"])
	require.Len(t, h["Message-Id"], 1)
	assert.Regexp(t, `^<[A-Z2-7]{26}@intakebench\.example>$`, h["Message-Id"][0])
	require.Len(t, h["Content-Type"], 1)
	assert.Regexp(t, `^multipart/alternative; boundary=[0-9a-f]{60}$`, h["Content-Type"][0])

	raw, err := pit.Raw(ctx, got.ID)
	require.NoError(t, err)
	for i, line := range strings.Split(string(raw), "\r\n") {
		assert.NotContains(t, line, "\n", "line %d: a bare LF", i+1)
		assert.LessOrEqual(t, len(line), 998, "line %d", i+1)
	}
	for i, b := range raw {
		if b >= 0x80 {
			t.Fatalf("byte %d of the message is not 7-bit: %#x", i, b)
		}
	}
	assert.Equal(t, 2, strings.Count(string(raw), "Content-Transfer-Encoding: quoted-printable\r\n"))
}

func TestMessagesSurviveTheWire(t *testing.T) {
	ctx := t.Context()
	pit := mailpittest.Start(t)
	s := newSMTP(t, SMTPConfig{Addr: pit.SMTPAddr})
	label, err := ShippingMessage(Shipment{
		To: "ship@example.com", CustomerName: "Ünal Øberg", Reference: "TI-2026-000123",
		TrackingNumber: "1Z999AA10123456784", LabelURL: "https://labels.example/l/abc?fmt=pdf&size=4x6",
		Business: "Tëlé Trade",
	})
	require.NoError(t, err)
	for _, tc := range []struct {
		name     string
		msg      Message
		wantName string
	}{
		{
			name: "non-ASCII name and a long non-ASCII subject",
			msg: Message{
				To:      `"Łukasz Żółć-Müller, Jr." <lukasz@example.com>`,
				Subject: "Ihr Angebot für Ihr iPhone 13 — 350,00 $ — gültig bis Montag, 6. Juli 2026, 17:00 Uhr (TI-2026-000123)",
				Text:    "Grüße,\nZoë\n.\nA line with only a dot, above, must survive SMTP's end of data.\n",
			},
			wantName: "Łukasz Żółć-Müller, Jr.",
		},
		{
			name:     "shipping label",
			msg:      label,
			wantName: "Ünal Øberg",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, s.Send(ctx, tc.msg))
			addr, err := parseAddress("recipient", tc.msg.To)
			require.NoError(t, err)
			got, err := pit.WaitForMessage(ctx, addr.Address)
			require.NoError(t, err)
			assert.Equal(t, tc.msg.Subject, got.Subject)
			assert.Equal(t, []mailpittest.Address{{Name: tc.wantName, Address: addr.Address}}, got.To)
			assert.Equal(t, tc.msg.Text, crlfToLF(got.Text))
			assert.Equal(t, tc.msg.HTML, crlfToLF(got.HTML))
		})
	}
}

// acceptLog accepts connections on loopback and hands each to the test.
type acceptLog struct {
	ln    net.Listener
	conns chan net.Conn
}

func listen(t *testing.T) *acceptLog {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	a := &acceptLog{ln: ln, conns: make(chan net.Conn, 16)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(a.conns)
				return
			}
			a.conns <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for c := range a.conns {
			c.Close()
		}
	})
	return a
}

// nextConn waits for the next accepted connection.
func (a *acceptLog) nextConn(t *testing.T) net.Conn {
	t.Helper()
	select {
	case c := <-a.conns:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no connection accepted")
		return nil
	}
}

func TestHeaderInjectionIsRefusedBeforeConnecting(t *testing.T) {
	a := listen(t)
	s := newSMTP(t, SMTPConfig{Addr: a.ln.Addr().String()})
	for _, tc := range []struct {
		name string
		msg  Message
	}{
		{"Bcc in the subject", Message{To: "zoe@example.com", Subject: "Your offer\r\nBcc: all@example.com", Text: "x"}},
		{"Bcc in the recipient", Message{To: "zoe@example.com\r\nBcc: all@example.com", Subject: "Your offer", Text: "x"}},
		{"body in the subject", Message{To: "zoe@example.com", Subject: "Your offer\n\nFake body", Text: "x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Send(t.Context(), tc.msg)
			require.ErrorIs(t, err, ErrHeaderInjection)
		})
	}
	// Connections are accepted in the order they were made: if the first
	// one is this probe, Send made none before it.
	probe, err := net.Dial("tcp", a.ln.Addr().String())
	require.NoError(t, err)
	defer probe.Close()
	first := a.nextConn(t)
	assert.Equal(t, probe.LocalAddr().String(), first.RemoteAddr().String(), "Send connected before refusing")
}

func TestSendHonoursItsContext(t *testing.T) {
	t.Run("cancelled while the server says nothing", func(t *testing.T) {
		a := listen(t)
		s := newSMTP(t, SMTPConfig{Addr: a.ln.Addr().String()})
		ctx, cancel := context.WithCancel(t.Context())
		errc := make(chan error, 1)
		go func() { errc <- s.Send(ctx, Message{To: "zoe@example.com", Subject: "Hi", Text: "x"}) }()
		// The server greets, reads EHLO and falls silent: once it has read
		// EHLO, Send is past dialling and waits for the reply.
		conn := a.nextConn(t)
		_, err := conn.Write([]byte("220 tarpit.example ESMTP\r\n"))
		require.NoError(t, err)
		line, err := bufio.NewReader(conn).ReadString('\n')
		require.NoError(t, err)
		require.Equal(t, "EHLO localhost\r\n", line)
		cancel()
		cancelled := time.Now()
		select {
		case err := <-errc:
			require.ErrorIs(t, err, context.Canceled)
			assert.ErrorContains(t, err, "mail: send to zoe@example.com via "+a.ln.Addr().String()+": context canceled (EHLO: ")
			assert.Less(t, time.Since(cancelled), 2*time.Second)
		case <-time.After(10 * time.Second):
			t.Fatal("Send did not return after its context was cancelled")
		}
	})
	t.Run("already cancelled", func(t *testing.T) {
		a := listen(t)
		s := newSMTP(t, SMTPConfig{Addr: a.ln.Addr().String()})
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := s.Send(ctx, Message{To: "zoe@example.com", Subject: "Hi", Text: "x"})
		require.ErrorIs(t, err, context.Canceled)
		probe, err := net.Dial("tcp", a.ln.Addr().String())
		require.NoError(t, err)
		defer probe.Close()
		assert.Equal(t, probe.LocalAddr().String(), a.nextConn(t).RemoteAddr().String(), "Send connected")
	})
}

func TestSendToAServerThatIsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there now
	s := newSMTP(t, SMTPConfig{Addr: addr})

	err = s.Send(t.Context(), Message{To: "zoe@example.com", Subject: "Hi", Text: "x"})
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
	var opErr *net.OpError
	require.ErrorAs(t, err, &opErr)
	assert.Equal(t, "dial", opErr.Op)
	assert.True(t, strings.HasPrefix(err.Error(), "mail: dial "+addr+": "), err.Error())
}

func TestSTARTTLSAndAuth(t *testing.T) {
	ctx := t.Context()
	tlsPit := mailpittest.Start(t, mailpittest.Options{STARTTLS: true, RequireSTARTTLS: true, AuthAcceptAny: true})
	plainPit := mailpittest.Start(t, mailpittest.Options{AuthAcceptAny: true})
	remotePit := mailpittest.Start(t, mailpittest.Options{Host: "127.0.0.2", AuthAcceptAny: true})
	const password = "hunter2-secret"
	msg := func(to string) Message { return Message{To: to, Subject: "Hi", Text: "x"} }

	t.Run("STARTTLS and AUTH when the server offers them", func(t *testing.T) {
		s := newSMTP(t, SMTPConfig{Addr: tlsPit.SMTPAddr, TLS: &tls.Config{RootCAs: tlsPit.RootCAs}, Username: "shop", Password: password, RequireTLS: true})
		require.NoError(t, s.Send(ctx, msg("tls@example.com")))
		got, err := tlsPit.WaitForMessage(ctx, "tls@example.com")
		require.NoError(t, err)
		assert.Equal(t, "shop", got.Username)
	})
	t.Run("an untrusted certificate stops the send", func(t *testing.T) {
		s := newSMTP(t, SMTPConfig{Addr: tlsPit.SMTPAddr, Username: "shop", Password: password})
		err := s.Send(ctx, msg("untrusted@example.com"))
		var verr *tls.CertificateVerificationError
		require.ErrorAs(t, err, &verr)
		assert.ErrorContains(t, err, "STARTTLS")
		assert.NotContains(t, err.Error(), password)
	})
	t.Run("NoSTARTTLS really sends in clear", func(t *testing.T) {
		// The server insists on STARTTLS, so the opt-out shows as a refusal.
		s := newSMTP(t, SMTPConfig{Addr: tlsPit.SMTPAddr, NoSTARTTLS: true})
		err := s.Send(ctx, msg("clear@example.com"))
		require.Error(t, err)
		assert.Regexp(t, `MAIL FROM: 530 .*STARTTLS`, err.Error())
	})
	t.Run("RequireTLS without STARTTLS on offer", func(t *testing.T) {
		s := newSMTP(t, SMTPConfig{Addr: plainPit.SMTPAddr, RequireTLS: true})
		require.ErrorIs(t, s.Send(ctx, msg("require@example.com")), ErrNoTLS)
	})
	t.Run("AUTH in clear to this machine", func(t *testing.T) {
		s := newSMTP(t, SMTPConfig{Addr: plainPit.SMTPAddr, Username: "shop", Password: password})
		require.NoError(t, s.Send(ctx, msg("local@example.com")))
		got, err := plainPit.WaitForMessage(ctx, "local@example.com")
		require.NoError(t, err)
		assert.Equal(t, "shop", got.Username)
	})
	t.Run("no AUTH in clear to another host", func(t *testing.T) {
		// 127.0.0.2 is loopback, but not a name net/smtp takes for this
		// machine: it stands for a remote server that offers AUTH in clear.
		s := newSMTP(t, SMTPConfig{Addr: remotePit.SMTPAddr, Username: "shop", Password: password})
		err := s.Send(ctx, msg("remote@example.com"))
		require.ErrorIs(t, err, ErrInsecureAuth)
		assert.NotContains(t, err.Error(), password)
		list, err := remotePit.Messages(ctx)
		require.NoError(t, err)
		assert.Empty(t, list)
	})
	t.Run("without a password, a server without TLS is fine", func(t *testing.T) {
		s := newSMTP(t, SMTPConfig{Addr: remotePit.SMTPAddr})
		require.NoError(t, s.Send(ctx, msg("anon@example.com")))
		got, err := remotePit.WaitForMessage(ctx, "anon@example.com")
		require.NoError(t, err)
		assert.Empty(t, got.Username)
	})
}
