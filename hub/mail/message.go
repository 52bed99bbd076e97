package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"
)

// Errors of a message that cannot be sent as it is; Send reports them
// before it connects. Test with errors.Is.
var (
	// ErrHeaderInjection is a CR, LF or NUL in a field that becomes a
	// header: it would let the field's author add headers (a Bcc) or end
	// the headers early.
	ErrHeaderInjection = errors.New("mail: line break in a header field")
	ErrInvalidMessage  = errors.New("mail: invalid message")
)

// maxSubject and maxName bound a subject and a display name: folded or
// encoded, their header lines stay far below SMTP's 998 characters.
const (
	maxSubject = 400
	maxName    = 200
)

// Message is one e-mail to one recipient. The hub keeps it in its mail
// outbox, hence the JSON names.
type Message struct {
	To      string `json:"to"`             // "Name <address>" or a bare address
	Subject string `json:"subject"`        // plain text, any language
	Text    string `json:"text"`           // the text/plain body; required
	HTML    string `json:"html,omitempty"` // the text/html alternative; optional
	// Attachments go after the body in a multipart/mixed message,
	// base64-encoded. The JSON keeps Data as base64 too.
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Attachment is one file sent with a message, such as a receipt's PDF.
type Attachment struct {
	Name string `json:"name"` // the file name the recipient sees; ASCII
	Type string `json:"type"` // the media type, e.g. "application/pdf"
	Data []byte `json:"data"`
}

// maxAttachment bounds one attachment: a receipt is a few kilobytes, and
// relays commonly refuse messages over 10 MB.
const maxAttachment = 5 << 20

// recipient checks a display name and an address that will become a To
// header and returns the header's value, the name encoded as RFC 2047
// says when it is not ASCII.
func recipient(name, address string) (string, error) {
	if err := headerSafe("recipient name", name); err != nil {
		return "", err
	}
	a, err := parseAddress("recipient", address)
	if err != nil {
		return "", err
	}
	if len(name) > maxName {
		return "", fmt.Errorf("%w: recipient name of %d bytes is longer than %d", ErrInvalidMessage, len(name), maxName)
	}
	a.Name = name
	return a.String(), nil
}

// parseAddress reads "Name <address>" or a bare address. The address part
// must be ASCII: a UTF-8 one would need SMTPUTF8 from every server on
// the way, which the hub does not ask for.
func parseAddress(what, s string) (*mail.Address, error) {
	if err := headerSafe(what, s); err != nil {
		return nil, err
	}
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("%w: no %s", ErrInvalidMessage, what)
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %q: %w", ErrInvalidMessage, what, s, err)
	}
	for _, r := range a.Address {
		if r >= utf8.RuneSelf {
			return nil, fmt.Errorf("%w: %s %q: only ASCII addresses are supported", ErrInvalidMessage, what, a.Address)
		}
	}
	if !utf8.ValidString(a.Name) {
		return nil, fmt.Errorf("%w: %s name is not valid UTF-8", ErrInvalidMessage, what)
	}
	if len(a.Name) > maxName {
		return nil, fmt.Errorf("%w: %s name of %d bytes is longer than %d", ErrInvalidMessage, what, len(a.Name), maxName)
	}
	return a, nil
}

func headerSafe(what, s string) error {
	if strings.ContainsAny(s, "\r\n\x00") {
		return fmt.Errorf("%w: %s %q", ErrHeaderInjection, what, s)
	}
	return nil
}

// compose writes m as an RFC 5322 message from from, with CRLF line ends:
// a multipart/alternative of the text and the HTML when there is HTML,
// quoted-printable bodies either way (7-bit clean, so any relay takes it).
// It returns the recipient's bare address for the envelope.
func compose(from *mail.Address, m Message, date time.Time) (raw []byte, rcpt string, err error) {
	to, err := parseAddress("recipient", m.To)
	if err != nil {
		return nil, "", err
	}
	if err := headerSafe("subject", m.Subject); err != nil {
		return nil, "", err
	}
	switch {
	case strings.TrimSpace(m.Subject) == "":
		return nil, "", fmt.Errorf("%w: no subject", ErrInvalidMessage)
	case len(m.Subject) > maxSubject:
		return nil, "", fmt.Errorf("%w: subject of %d bytes is longer than %d", ErrInvalidMessage, len(m.Subject), maxSubject)
	case strings.TrimSpace(m.Text) == "":
		// A text part is what every client can show, and an HTML-only
		// mail looks like spam to filters.
		return nil, "", fmt.Errorf("%w: no text body", ErrInvalidMessage)
	case !utf8.ValidString(m.Subject) || !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML):
		return nil, "", fmt.Errorf("%w: subject and bodies must be valid UTF-8", ErrInvalidMessage)
	}

	var b bytes.Buffer
	header := func(name, value string) { b.WriteString(name + ": " + value + "\r\n") }
	header("Date", date.Format(time.RFC1123Z))
	header("From", from.String())
	header("To", to.String())
	header("Subject", fold(mime.QEncoding.Encode("utf-8", m.Subject), len("Subject: ")))
	header("Message-ID", messageID(from.Address))
	header("MIME-Version", "1.0")
	for _, a := range m.Attachments {
		if err := checkAttachment(a); err != nil {
			return nil, "", err
		}
	}
	if len(m.Attachments) == 0 {
		if err := writeBody(&b, header, m); err != nil {
			return nil, "", err
		}
		return b.Bytes(), to.Address, nil
	}
	// multipart/mixed: the body first (itself plain or alternative), then
	// each attachment in base64, which every relay carries unchanged.
	mw := multipart.NewWriter(&b)
	header("Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")
	var body bytes.Buffer
	bodyHeader := textproto.MIMEHeader{}
	if err := writeBody(&body, func(name, value string) { bodyHeader.Set(name, value) }, m); err != nil {
		return nil, "", err
	}
	// writeBody wrote the headers through bodyHeader and the blank line
	// and body into body; the part's header block comes from CreatePart.
	w, err := mw.CreatePart(bodyHeader)
	if err != nil {
		return nil, "", fmt.Errorf("mail: compose: %w", err)
	}
	if _, err := w.Write(bytes.TrimPrefix(body.Bytes(), []byte("\r\n"))); err != nil {
		return nil, "", fmt.Errorf("mail: compose: %w", err)
	}
	for _, a := range m.Attachments {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {mime.FormatMediaType(a.Type, map[string]string{"name": a.Name})},
			"Content-Disposition":       {mime.FormatMediaType("attachment", map[string]string{"filename": a.Name})},
			"Content-Transfer-Encoding": {"base64"},
		})
		if err != nil {
			return nil, "", fmt.Errorf("mail: compose: %w", err)
		}
		writeBase64(w, a.Data)
	}
	if err := mw.Close(); err != nil {
		return nil, "", fmt.Errorf("mail: compose: %w", err)
	}
	return b.Bytes(), to.Address, nil
}

// checkAttachment refuses an attachment whose name or type would break
// its part's headers, or that is empty or too large to send.
func checkAttachment(a Attachment) error {
	if err := headerSafe("attachment name", a.Name); err != nil {
		return err
	}
	if err := headerSafe("attachment type", a.Type); err != nil {
		return err
	}
	for _, r := range a.Name {
		if r >= utf8.RuneSelf || r == '"' || r == '\\' {
			return fmt.Errorf("%w: attachment name %q: only ASCII names without quotes are supported", ErrInvalidMessage, a.Name)
		}
	}
	switch {
	case strings.TrimSpace(a.Name) == "":
		return fmt.Errorf("%w: attachment without a name", ErrInvalidMessage)
	case len(a.Data) == 0:
		return fmt.Errorf("%w: attachment %q is empty", ErrInvalidMessage, a.Name)
	case len(a.Data) > maxAttachment:
		return fmt.Errorf("%w: attachment %q of %d bytes is larger than %d", ErrInvalidMessage, a.Name, len(a.Data), maxAttachment)
	}
	if mt, _, err := mime.ParseMediaType(a.Type); err != nil || !strings.Contains(mt, "/") {
		return fmt.Errorf("%w: attachment %q has media type %q", ErrInvalidMessage, a.Name, a.Type)
	}
	return nil
}

// writeBase64 writes data in base64 lines of 76 characters, as RFC 2045
// asks.
func writeBase64(w io.Writer, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		io.WriteString(w, enc[:76]+"\r\n")
		enc = enc[76:]
	}
	io.WriteString(w, enc+"\r\n")
}

// writeBody writes m's text (and HTML alternative) as a Content-Type
// header through header, then a blank line and the body to b.
func writeBody(b *bytes.Buffer, header func(name, value string), m Message) error {
	if m.HTML == "" {
		header("Content-Type", "text/plain; charset=utf-8")
		header("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		return writeQP(b, m.Text)
	}
	mw := multipart.NewWriter(b)
	header("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	b.WriteString("\r\n")
	// The last part is the one a client prefers when it can show it.
	for _, p := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return fmt.Errorf("mail: compose: %w", err)
		}
		if err := writeQP(w, p.body); err != nil {
			return err
		}
	}
	if err := mw.Close(); err != nil {
		return fmt.Errorf("mail: compose: %w", err)
	}
	return nil
}

func writeQP(w io.Writer, body string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(body)); err != nil {
		return fmt.Errorf("mail: compose: %w", err)
	}
	if err := qp.Close(); err != nil {
		return fmt.Errorf("mail: compose: %w", err)
	}
	return nil
}

// fold breaks a header value at spaces so that lines stay within 78
// characters where the words allow; indent is the length of "Name: "
// before it on the first line. Unfolding removes only the CRLF, so the
// value reads back unchanged.
func fold(value string, indent int) string {
	const limit = 78
	var b strings.Builder
	line := indent
	for i, word := range strings.Split(value, " ") {
		if i > 0 {
			if line+1+len(word) > limit {
				b.WriteString("\r\n")
				line = 0
			}
			b.WriteByte(' ')
			line++
		}
		b.WriteString(word)
		line += len(word)
	}
	return b.String()
}

// messageID is a new, unique Message-ID in the sender's domain, so that
// clients thread replies and mail filters see a well-formed message.
func messageID(from string) string {
	domain := from[strings.LastIndexByte(from, '@')+1:]
	return "<" + rand.Text() + "@" + domain + ">"
}
