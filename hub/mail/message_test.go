package mail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
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

func TestComposeWithAttachment(t *testing.T) {
	pdf := []byte("%PDF-1.4 receipt WI-0001 " + strings.Repeat("x", 100))
	for _, tc := range []struct {
		name, html string
		bodyType   string
	}{
		{"plain body", "", "text/plain"},
		{"HTML alternative", "<p>Thanks</p>", "multipart/alternative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, _, err := compose(testFrom(t).from, Message{
				To: "zoe@example.com", Subject: "Your receipt", Text: "Thanks\n", HTML: tc.html,
				Attachments: []Attachment{{Name: "receipt-WI-0001.pdf", Type: "application/pdf", Data: pdf}},
			}, time.Date(2026, 7, 4, 9, 30, 0, 0, time.UTC))
			require.NoError(t, err)
			msg, err := netmail.ReadMessage(bytes.NewReader(raw))
			require.NoError(t, err)
			mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
			require.NoError(t, err)
			assert.Equal(t, "multipart/mixed", mt)
			mr := multipart.NewReader(msg.Body, params["boundary"])

			body, err := mr.NextPart()
			require.NoError(t, err)
			bt, _, err := mime.ParseMediaType(body.Header.Get("Content-Type"))
			require.NoError(t, err)
			assert.Equal(t, tc.bodyType, bt)

			att, err := mr.NextRawPart()
			require.NoError(t, err)
			assert.Equal(t, `attachment; filename=receipt-WI-0001.pdf`, att.Header.Get("Content-Disposition"))
			assert.Equal(t, `application/pdf; name=receipt-WI-0001.pdf`, att.Header.Get("Content-Type"))
			assert.Equal(t, "base64", att.Header.Get("Content-Transfer-Encoding"))
			enc, err := io.ReadAll(att)
			require.NoError(t, err)
			for _, line := range strings.Split(strings.TrimSuffix(string(enc), "\r\n"), "\r\n") {
				assert.LessOrEqual(t, len(line), 76)
			}
			got, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(enc), "\r\n", ""))
			require.NoError(t, err)
			assert.Equal(t, pdf, got)

			_, err = mr.NextPart()
			assert.ErrorIs(t, err, io.EOF)
		})
	}
}

func TestComposeRefusesBadAttachments(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    Attachment
		want error
	}{
		{"line break in name", Attachment{Name: "a.pdf\r\nBcc: x@y", Type: "application/pdf", Data: []byte("x")}, ErrHeaderInjection},
		{"no name", Attachment{Type: "application/pdf", Data: []byte("x")}, ErrInvalidMessage},
		{"quote in name", Attachment{Name: `a".pdf`, Type: "application/pdf", Data: []byte("x")}, ErrInvalidMessage},
		{"empty", Attachment{Name: "a.pdf", Type: "application/pdf"}, ErrInvalidMessage},
		{"bad type", Attachment{Name: "a.pdf", Type: "pdf", Data: []byte("x")}, ErrInvalidMessage},
		{"too large", Attachment{Name: "a.pdf", Type: "application/pdf", Data: make([]byte, 5<<20+1)}, ErrInvalidMessage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, _, err := compose(testFrom(t).from, Message{
				To: "zoe@example.com", Subject: "Hi", Text: "x", Attachments: []Attachment{tc.a},
			}, time.Date(2026, 7, 4, 9, 30, 0, 0, time.UTC))
			require.ErrorIs(t, err, tc.want)
			assert.Nil(t, raw)
		})
	}
}
