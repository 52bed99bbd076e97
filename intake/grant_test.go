package intake

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestGrants(t *testing.T) {
	seed := make([]byte, ed25519.SeedSize) // a fixed key: the signature below is a known answer
	hub := ed25519.NewKeyFromSeed(seed)
	sessionKey := ed25519.NewKeyFromSeed(append(make([]byte, 31), 1))
	sessionPub := sessionKey.Public().(ed25519.PublicKey)
	issued := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)
	g := Grant{Bench: "bench-1", Operator: "op-super-1", Role: RoleSupervisor, SessionKey: sessionPub, IssuedAt: issued, Expires: issued.Add(DefaultGrantLife)}
	token, err := SignGrant(hub, g)
	if err != nil {
		t.Fatal(err)
	}
	got, err := VerifyGrant(hub.Public().(ed25519.PublicKey), token)
	if err != nil || got.Operator != "op-super-1" || got.Bench != "bench-1" || !got.Expires.Equal(issued.Add(12*time.Hour)) {
		t.Fatalf("VerifyGrant = %+v, %v", got, err)
	}
	other := ed25519.NewKeyFromSeed(append(make([]byte, 31), 2))
	for name, bad := range map[string]string{
		"another hub's key":   mustSign(t, other, g),
		"a changed body":      "x" + token[1:],
		"no signature":        strings.Split(token, ".")[0],
		"not base64":          "%%%.%%%",
		"an empty grant":      "",
		"signature truncated": token[:len(token)-10],
	} {
		if _, err := VerifyGrant(hub.Public().(ed25519.PublicKey), bad); !errors.Is(err, ErrGrantInvalid) {
			t.Errorf("%s: VerifyGrant = %v, want ErrGrantInvalid", name, err)
		}
	}

	for _, c := range []struct {
		name            string
		bench, operator string
		at              time.Time
		ok              bool
	}{
		{"at issue", "bench-1", "op-super-1", issued, true},
		{"a bench clock 10 minutes slow", "bench-1", "op-super-1", issued.Add(-10 * time.Minute), true},
		{"a bench clock 11 minutes slow", "bench-1", "op-super-1", issued.Add(-11 * time.Minute), false},
		{"at expiry", "bench-1", "op-super-1", issued.Add(12 * time.Hour), true},
		{"after expiry", "bench-1", "op-super-1", issued.Add(12*time.Hour + time.Second), false},
		{"another bench", "bench-2", "op-super-1", issued, false},
		{"another operator", "bench-1", "op-tech-1", issued, false},
	} {
		if err := got.Covers(c.bench, c.operator, c.at); (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrGrantInvalid)) {
			t.Errorf("%s: Covers = %v, want ok %v", c.name, err, c.ok)
		}
	}

	ev := Event{Key: "k1", Kind: EventOverrideAccepted, TradeInID: "ti-1", Operator: "op-super-1", Bench: "bench-1", At: issued,
		Payload: map[string]string{"reason": "goodwill"}}
	if err := ev.Sign(NewSession(token, sessionKey)); err != nil {
		t.Fatal(err)
	}
	fp, err := Fingerprint(ev.Kind, ev.TradeInID, ev.Operator, ev.Bench, ev.At, []byte(`{ "reason" : "goodwill" }`))
	if err != nil {
		t.Fatal(err)
	}
	if err := got.VerifyProof(fp, ev.Proof); err != nil {
		t.Fatalf("the session's proof does not verify against the same event with other white space: %v", err)
	}
	changed, _ := Fingerprint(ev.Kind, ev.TradeInID, ev.Operator, ev.Bench, ev.At, []byte(`{"reason":"goodwill!"}`))
	if err := got.VerifyProof(changed, ev.Proof); !errors.Is(err, ErrGrantInvalid) {
		t.Fatalf("a proof verified another payload: %v", err)
	}
	if ev.Grant != token {
		t.Fatal("Sign did not attach the grant")
	}
}

// The fingerprint is a known answer: the hub and every bench must compute
// the same bytes, and a change to its encoding breaks every stored
// idempotency hash.
func TestFingerprintKnownAnswer(t *testing.T) {
	fp, err := Fingerprint(EventReceived, "ti-1", "op-tech-1", "bench-1", time.Date(2026, 12, 4, 12, 0, 0, 500_000_000, time.UTC), []byte(`{"a": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	// printf '%s' '["tradein.received","ti-1","op-tech-1","bench-1","2026-12-04T12:00:00.5Z",{"a":1}]' | sha256sum
	const want = "dc3a438e65ffa5a1d82d762c2baa268a2f0262b86328e9f6e3208dec64e8cdba"
	if got := hex.EncodeToString(fp); got != want {
		t.Fatalf("fingerprint %s, want %s", got, want)
	}
}

func mustSign(t *testing.T, key ed25519.PrivateKey, g Grant) string {
	t.Helper()
	s, err := SignGrant(key, g)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
