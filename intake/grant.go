package intake

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// A supervisor's authority is something the hub can verify, not a role a
// bench says an operator has. When a supervisor logs in at a bench that can
// reach the hub, the bench makes a session key pair in memory and the hub,
// having checked the supervisor's PIN itself, signs a Grant: this bench,
// this operator, this role, this session key, until then. Every decision the
// supervisor makes in the session is signed with the session's private key,
// which is never written anywhere; the hub checks both signatures. A stolen
// bench database holds grants and signed events, but no key that signs a new
// one; an offline bench keeps working within the grant's lifetime.

// DefaultGrantLife is how long a grant lasts: a shift.
const DefaultGrantLife = 12 * time.Hour

// Grant is the hub's word that an operator of a role works at a bench,
// signing with SessionKey, from IssuedAt until Expires.
type Grant struct {
	Bench      string            `json:"bench"`
	Operator   string            `json:"operator"`
	Role       Role              `json:"role"`
	SessionKey ed25519.PublicKey `json:"session_key"`
	IssuedAt   time.Time         `json:"issued_at"`
	Expires    time.Time         `json:"expires"`
}

// ErrGrantInvalid is a grant or proof that does not verify.
var ErrGrantInvalid = errors.New("grant invalid")

// SignGrant encodes g signed with the hub's key: base64url(JSON) "."
// base64url(signature).
func SignGrant(hubKey ed25519.PrivateKey, g Grant) (string, error) {
	body, err := json.Marshal(g)
	if err != nil {
		return "", err
	}
	b64 := base64.RawURLEncoding
	return b64.EncodeToString(body) + "." + b64.EncodeToString(ed25519.Sign(hubKey, body)), nil
}

// VerifyGrant decodes a grant and checks the hub's signature on it.
func VerifyGrant(hubKey ed25519.PublicKey, token string) (Grant, error) {
	body64, sig64, ok := strings.Cut(token, ".")
	b64 := base64.RawURLEncoding
	body, err1 := b64.DecodeString(body64)
	sig, err2 := b64.DecodeString(sig64)
	if !ok || err1 != nil || err2 != nil || len(hubKey) != ed25519.PublicKeySize || !ed25519.Verify(hubKey, body, sig) {
		return Grant{}, fmt.Errorf("the hub did not sign this grant: %w", ErrGrantInvalid)
	}
	var g Grant
	if err := json.Unmarshal(body, &g); err != nil || len(g.SessionKey) != ed25519.PublicKeySize {
		return Grant{}, fmt.Errorf("the grant is malformed: %w", ErrGrantInvalid)
	}
	return g, nil
}

// GrantClockSkew is how far behind the hub's clock, which dated the grant,
// a bench's clock may be: a decision made just after login must not be
// refused for a clock a few minutes slow.
const GrantClockSkew = 10 * time.Minute

// Covers reports whether the grant vouches for operator at bench at time at.
func (g Grant) Covers(bench, operator string, at time.Time) error {
	switch {
	case g.Bench != bench:
		return fmt.Errorf("the grant is for bench %s, not %s: %w", g.Bench, bench, ErrGrantInvalid)
	case g.Operator != operator:
		return fmt.Errorf("the grant is for operator %s, not %s: %w", g.Operator, operator, ErrGrantInvalid)
	case at.Before(g.IssuedAt.Add(-GrantClockSkew)) || at.After(g.Expires):
		return fmt.Errorf("the grant runs from %s to %s, not at %s: %w", g.IssuedAt.Format(time.RFC3339),
			g.Expires.Format(time.RFC3339), at.Format(time.RFC3339), ErrGrantInvalid)
	}
	return nil
}

// Session is a supervisor's proof of authority at a bench: the hub's grant
// and the private half of its session key, held in memory only.
type Session struct {
	Grant string
	key   ed25519.PrivateKey
}

// NewSessionKey makes the key pair of a session; the public half goes to
// the hub with the PIN, the private half stays in this process.
func NewSessionKey() (ed25519.PublicKey, ed25519.PrivateKey, error) {
	return ed25519.GenerateKey(nil)
}

// NewSession pairs a grant with its session's private key.
func NewSession(grant string, key ed25519.PrivateKey) *Session {
	return &Session{Grant: grant, key: key}
}

// Prove signs an event's fingerprint (see the hub's push) with the
// session key.
func (s *Session) Prove(fingerprint []byte) string {
	return base64.RawURLEncoding.EncodeToString(ed25519.Sign(s.key, fingerprint))
}

// VerifyProof checks that proof signs fingerprint with the grant's session
// key.
func (g Grant) VerifyProof(fingerprint []byte, proof string) error {
	sig, err := base64.RawURLEncoding.DecodeString(proof)
	if err != nil || !ed25519.Verify(g.SessionKey, fingerprint, sig) {
		return fmt.Errorf("the event is not signed by the grant's session: %w", ErrGrantInvalid)
	}
	return nil
}
