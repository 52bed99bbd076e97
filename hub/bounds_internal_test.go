package hub

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
)

// The hand-written page encoding escapes exactly what JSON needs escaped,
// and writes everything else as it is.
func TestAppendJSONStringAtItsEdges(t *testing.T) {
	for in, want := range map[string]string{
		"op-1":   `"op-1"`,
		" ~":     `" ~"`,
		"\x1f":   `"\u001f"`,
		"\x7f":   "\"\x7f\"", // encoding/json writes DEL as it is
		`a"b`:    `"a\"b"`,
		`a\b`:    `"a\\b"`,
		"zoë":    `"zoë"`,
		"tab\tx": `"tab\tx"`,
	} {
		assert.Equal(t, want, string(appendJSONString(nil, in)), "%q", in)
	}
}

// A cursor's position and horizon are whole numbers from 0; anything else
// is not a cursor this hub issued.
func TestParseCursorBounds(t *testing.T) {
	h := &Hub{instance: "abc"}
	for c, ok := range map[string]bool{
		"abc.0":       true,
		"abc.0.0":     true,
		"abc.7.0.v1":  true,
		"abc.-1":      false,
		"abc.0.-1":    false,
		"abc":         false,
		".5":          false,
		"abc.1.2.3.4": false,
		"abc.x":       false,
		// A site's view, and only a site's, has a fifth part: where its
		// read from the start began.
		"abc.7.0.i_leeds-wh.5":  true,
		"abc.7.0.i_leeds-wh":    false,
		"abc.7.0.i.5":           false,
		"abc.7.0.i_leeds-wh.-5": false,
		"abc.7.0.i_leeds-wh.x":  false,
	} {
		_, err := h.parseCursor(c)
		assert.Equal(t, ok, err == nil, "%s: %v", c, err)
	}
}

// An API key's name may be up to 128 bytes, without control characters.
func TestAPIKeyNameBounds(t *testing.T) {
	for name, ok := range map[string]bool{
		strings.Repeat("n", 128): true,
		strings.Repeat("n", 129): false,
		"point of sale":          true,
		"tab\there":              false,
		"del\x7f":                false,
	} {
		err := checkAPIKeySpec(APIKeySpec{Name: name, Scopes: []string{"buyback:read"}})
		assert.Equal(t, ok, err == nil, "%q: %v", name, err)
	}
}

// A grant the hub signed for another role than supervisor proves no
// supervisor's authority, even with the session's signature on the event.
func TestAuthorityNeedsASupervisorsGrant(t *testing.T) {
	pub, hubKey, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	sessionPub, sessionKey, err := intake.NewSessionKey()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	ev := wire.Event{Kind: intake.EventOverrideAccepted, TradeInID: "ti-1", Operator: "op-1", Bench: "bench-1", At: at, Payload: []byte(`{}`)}
	for role, ok := range map[intake.Role]bool{intake.RoleSupervisor: true, intake.RoleClerk: false, intake.RoleTechnician: false} {
		grant, err := intake.SignGrant(hubKey, intake.Grant{Bench: "bench-1", Operator: "op-1", Role: role, SessionKey: sessionPub,
			IssuedAt: at, Expires: at.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		fp, err := intake.Fingerprint(ev.Kind, ev.TradeInID, ev.Operator, ev.Bench, ev.At, ev.Payload)
		if err != nil {
			t.Fatal(err)
		}
		ev.Grant, ev.Proof = grant, intake.NewSession(grant, sessionKey).Prove(fp)
		r := checkAuthority(pub, ev, "bench-1")
		assert.Equal(t, ok, r == nil, "%s: %v", role, r)
		if r != nil {
			assert.Equal(t, wire.RejectGrantRequired, r.Code)
		}
	}
}
