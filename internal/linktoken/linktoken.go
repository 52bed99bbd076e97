// Package linktoken signs the tokens that links in e-mails carry, such as
// the accept and decline links of an offer: whoever holds the link may act
// once, for one purpose, until the token expires, without logging in.
//
// A token is the base64url (no padding) of a small JSON payload, a dot, and
// the base64url of the HMAC-SHA256 of that encoded payload under the key:
//
//	eyJwIjoib2ZmZXIiLCJzIjoib2ZmXzAxSlo4UTRWWEsiLCJlIjoxNzgzMzU3MjAwfQ
//	.-VApdK4XA4LuEP9jEHguxd7C3JhXBe1WJYZaxXjjB8Y
//
// (one line in a link), whose payload is
// {"p":"offer","s":"off_01JZ8Q4VXK","e":1783357200}.
//
// The payload is readable by anyone who sees the link; it is signed, not
// encrypted, so it must hold nothing secret. Use a key for these links
// only: a key shared with another HMAC could let a MAC made for one use
// pass as the other.
package linktoken

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// MinKeyLen is the shortest key New accepts: HMAC-SHA256 is only as strong
// as its key, and 32 random bytes match its output.
const MinKeyLen = 32

// MaxTokenLen bounds a token: a link in an e-mail stays short, and Verify
// does no work on an oversized input from the outside.
const MaxTokenLen = 1024

// Errors Verify reports; test with errors.Is. A caller shows both the same
// way to the customer but may offer a fresh link for an expired one, which
// is safe because only a token with a valid MAC is ever called expired.
var (
	ErrExpired = errors.New("linktoken: expired")
	ErrInvalid = errors.New("linktoken: invalid")
)

// Claims is what a token says.
type Claims struct {
	Purpose string // what the link does, e.g. "offer"; Verify checks it
	Subject string // what it acts on, e.g. an offer id
	// Expires is the first instant the token is no longer valid. It is kept
	// to the second, rounded down, so a token never outlives what was asked.
	Expires time.Time
}

// payload is the signed JSON; short keys keep links short.
type payload struct {
	P string `json:"p"`
	S string `json:"s"`
	E int64  `json:"e"`
}

// Signer signs and verifies tokens with one key.
type Signer struct {
	key []byte
}

// New returns a Signer for key, which must be at least MinKeyLen bytes.
func New(key []byte) (*Signer, error) {
	if len(key) < MinKeyLen {
		return nil, fmt.Errorf("linktoken: key is %d bytes, want at least %d", len(key), MinKeyLen)
	}
	return &Signer{key: append([]byte(nil), key...)}, nil
}

// Sign returns the token for c. Purpose must be set, Expires must not be
// zero, and both strings must be valid UTF-8: JSON would replace invalid
// bytes, and two different subjects would share one token.
func (s *Signer) Sign(c Claims) (string, error) {
	switch {
	case c.Purpose == "":
		return "", errors.New("linktoken: sign: empty purpose")
	case c.Expires.IsZero():
		return "", errors.New("linktoken: sign: no expiry")
	case !utf8.ValidString(c.Purpose) || !utf8.ValidString(c.Subject):
		return "", errors.New("linktoken: sign: purpose and subject must be valid UTF-8")
	}
	body, err := json.Marshal(payload{P: c.Purpose, S: c.Subject, E: c.Expires.Unix()})
	if err != nil {
		return "", fmt.Errorf("linktoken: sign: %w", err)
	}
	encoded := base64.RawURLEncoding.EncodeToString(body)
	token := encoded + "." + s.mac(encoded)
	if len(token) > MaxTokenLen {
		return "", fmt.Errorf("linktoken: sign: token of %d bytes is longer than %d", len(token), MaxTokenLen)
	}
	return token, nil
}

// Verify checks token's MAC, then that it was made for purpose and that
// now is before its expiry, and returns its claims. A token that fails the
// MAC is ErrInvalid whatever else is wrong with it, so a forger learns
// nothing from the error.
func (s *Signer) Verify(token, purpose string, now time.Time) (Claims, error) {
	if len(token) > MaxTokenLen {
		return Claims{}, fmt.Errorf("%w: longer than %d bytes", ErrInvalid, MaxTokenLen)
	}
	encoded, mac, ok := strings.Cut(token, ".")
	if !ok {
		return Claims{}, fmt.Errorf("%w: no signature", ErrInvalid)
	}
	// Comparing the encoded MACs, not decoded bytes, leaves no second
	// spelling of a valid MAC (base64 decoders ignore stray trailing bits).
	if !hmac.Equal([]byte(mac), []byte(s.mac(encoded))) {
		return Claims{}, fmt.Errorf("%w: signature does not match", ErrInvalid)
	}
	body, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: payload: %w", ErrInvalid, err)
	}
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		return Claims{}, fmt.Errorf("%w: payload: %w", ErrInvalid, err)
	}
	if purpose == "" || p.P != purpose {
		return Claims{}, fmt.Errorf("%w: made for %q, not %q", ErrInvalid, p.P, purpose)
	}
	c := Claims{Purpose: p.P, Subject: p.S, Expires: time.Unix(p.E, 0).UTC()}
	if !now.Before(c.Expires) {
		return Claims{}, fmt.Errorf("%w: at %s", ErrExpired, c.Expires.Format(time.RFC3339))
	}
	return c, nil
}

func (s *Signer) mac(encoded string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(encoded))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
