package mail

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testFrom(t *testing.T) *SMTP {
	t.Helper()
	s, err := NewSMTP(SMTPConfig{Addr: "127.0.0.1:25", From: "Intake Bench <quotes@intakebench.example>"})
	require.NoError(t, err)
	return s
}

func TestComposePlainText(t *testing.T) {
	raw, rcpt, err := compose(testFrom(t).from, Message{
		To:      "Zoë <zoe@example.com>",
		Subject: "Hello",
		Text:    "Line one\nLine two = more\n",
	}, time.Date(2026, 7, 4, 9, 30, 0, 0, time.FixedZone("EDT", -4*60*60)))
	require.NoError(t, err)
	assert.Equal(t, "zoe@example.com", rcpt)
	head, body, ok := strings.Cut(string(raw), "\r\n\r\n")
	require.True(t, ok)
	lines := strings.Split(head, "\r\n")
	require.Len(t, lines, 8)
	assert.Equal(t, []string{
		"Date: Sat, 04 Jul 2026 09:30:00 -0400",
		`From: "Intake Bench" <quotes@intakebench.example>`,
		"To: =?utf-8?q?Zo=C3=AB?= <zoe@example.com>",
		"Subject: Hello",
	}, lines[:4])
	assert.Regexp(t, `^Message-ID: <[A-Z2-7]{26}@intakebench\.example>$`, lines[4])
	assert.Equal(t, []string{
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: quoted-printable",
	}, lines[5:])
	assert.Equal(t, "Line one\r\nLine two =3D more\r\n", body)
}

func TestComposeGivesEachMessageItsOwnID(t *testing.T) {
	from := testFrom(t).from
	m := Message{To: "zoe@example.com", Subject: "Hi", Text: "x"}
	ids := map[string]bool{}
	for range 3 {
		raw, _, err := compose(from, m, time.Date(2026, 7, 4, 9, 30, 0, 0, time.UTC))
		require.NoError(t, err)
		_, rest, _ := strings.Cut(string(raw), "Message-ID: ")
		id, _, _ := strings.Cut(rest, "\r\n")
		ids[id] = true
	}
	assert.Len(t, ids, 3)
}

func TestComposeRefuses(t *testing.T) {
	ok := Message{To: "zoe@example.com", Subject: "Your offer", Text: "Body"}
	for _, tc := range []struct {
		name    string
		change  func(*Message)
		wantErr error
	}{
		{"CRLF and a Bcc in the subject", func(m *Message) { m.Subject = "Your offer\r\nBcc: all@example.com" }, ErrHeaderInjection},
		{"LF in the subject", func(m *Message) { m.Subject = "Your offer\nX-Spam: no" }, ErrHeaderInjection},
		{"CR in the subject", func(m *Message) { m.Subject = "Your offer\rX" }, ErrHeaderInjection},
		{"NUL in the subject", func(m *Message) { m.Subject = "Your\x00offer" }, ErrHeaderInjection},
		{"CRLF in the recipient", func(m *Message) { m.To = "zoe@example.com\r\nBcc: all@example.com" }, ErrHeaderInjection},
		{"LF in the recipient's name", func(m *Message) { m.To = "\"Zoë\nBcc: all@example.com\" <zoe@example.com>" }, ErrHeaderInjection},
		{"headers ended early in the subject", func(m *Message) { m.Subject = "Offer\r\n\r\n<html>fake body" }, ErrHeaderInjection},
		{"recipient name too long", func(m *Message) { m.To = strings.Repeat("Zoë ", 51) + "<zoe@example.com>" }, ErrInvalidMessage},
		{"two recipients", func(m *Message) { m.To = "zoe@example.com, all@example.com" }, ErrInvalidMessage},
		{"no recipient", func(m *Message) { m.To = "" }, ErrInvalidMessage},
		{"no subject", func(m *Message) { m.Subject = " " }, ErrInvalidMessage},
		{"subject too long", func(m *Message) { m.Subject = strings.Repeat("a", 401) }, ErrInvalidMessage},
		{"no text", func(m *Message) { m.Text, m.HTML = "", "<p>Body</p>" }, ErrInvalidMessage},
		{"invalid UTF-8 text", func(m *Message) { m.Text = "caf\xe9" }, ErrInvalidMessage},
		{"invalid UTF-8 HTML", func(m *Message) { m.HTML = "<p>caf\xe9</p>" }, ErrInvalidMessage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := ok
			tc.change(&m)
			raw, _, err := compose(testFrom(t).from, m, time.Date(2026, 7, 4, 9, 30, 0, 0, time.UTC))
			require.ErrorIs(t, err, tc.wantErr)
			assert.Nil(t, raw)
		})
	}
}

func TestFold(t *testing.T) {
	for _, tc := range []struct {
		name, value, want string
	}{
		{"short", "Your offer", "Your offer"},
		{"long ASCII", "Your trade-in offer: $350.00 for your Apple iPhone 13 128GB (TI-2026-000123) from Tele Trade",
			"Your trade-in offer: $350.00 for your Apple iPhone 13 128GB\r\n (TI-2026-000123) from Tele Trade"},
		{"encoded words", "=?utf-8?q?Ihr_Angebot_f=C3=BCr_Zo=C3=AB_=C5=81ukasiewicz=2C_350=2C00_=24_f=C3=BC?= =?utf-8?q?r_Ihr_iPhone?=",
			"=?utf-8?q?Ihr_Angebot_f=C3=BCr_Zo=C3=AB_=C5=81ukasiewicz=2C_350=2C00_=24_f=C3=BC?=\r\n =?utf-8?q?r_Ihr_iPhone?="},
		{"one word longer than a line", strings.Repeat("x", 90), strings.Repeat("x", 90)},
		{"double space kept", "a  b", "a  b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := fold(tc.value, len("Subject: "))
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.value, strings.ReplaceAll(got, "\r\n", ""), "unfolds to the value")
		})
	}
}

func TestNewSMTPRefuses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     SMTPConfig
		wantErr string
	}{
		{"no port", SMTPConfig{Addr: "smtp.example.com", From: "q@example.com"}, `server address "smtp.example.com": want host:port`},
		{"no host", SMTPConfig{Addr: ":25", From: "q@example.com"}, `want host:port`},
		{"no sender", SMTPConfig{Addr: "smtp.example.com:587"}, "no sender"},
		{"bad sender", SMTPConfig{Addr: "smtp.example.com:587", From: "quotes"}, "sender"},
		{"line break in the sender", SMTPConfig{Addr: "smtp.example.com:587", From: "Shop <q@example.com>\r\nBcc: x@example.com"}, "line break"},
		{"NoSTARTTLS to a remote server", SMTPConfig{Addr: "smtp.example.com:587", From: "q@example.com", NoSTARTTLS: true}, "NoSTARTTLS is for loopback test servers, not smtp.example.com"},
		{"NoSTARTTLS with RequireTLS", SMTPConfig{Addr: "127.0.0.1:25", From: "q@example.com", NoSTARTTLS: true, RequireTLS: true}, "contradict"},
		{"username without password", SMTPConfig{Addr: "smtp.example.com:587", From: "q@example.com", Username: "shop"}, "set both username and password"},
		{"line break in the hello name", SMTPConfig{Addr: "smtp.example.com:587", From: "q@example.com", HelloName: "hub\r\nMAIL FROM:<x@example.com>"}, "line break"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSMTP(tc.cfg)
			require.ErrorContains(t, err, tc.wantErr)
			assert.Nil(t, s)
		})
	}
}

func TestNewSMTPAcceptsLoopbackWithoutSTARTTLS(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:1025", "127.0.0.2:1025", "[::1]:1025", "localhost:1025"} {
		_, err := NewSMTP(SMTPConfig{Addr: addr, From: "q@example.com", NoSTARTTLS: true})
		assert.NoError(t, err, addr)
	}
}

func TestSMTPConfigNeverShowsThePassword(t *testing.T) {
	cfg := SMTPConfig{Addr: "smtp.example.com:587", From: "q@example.com", Username: "shop", Password: "hunter2-secret"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		got := fmt.Sprintf(verb, cfg)
		assert.NotContains(t, got, "hunter2-secret", verb)
		assert.Contains(t, got, `user="shop" password=[redacted]`, verb)
	}
	s, err := NewSMTP(cfg)
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		assert.NotContains(t, fmt.Sprintf(verb, s), "hunter2-secret", verb)
	}
}
