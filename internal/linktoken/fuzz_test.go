package linktoken

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzVerify feeds Verify arbitrary tokens, purposes and times. It must
// never panic, must report only ErrInvalid or ErrExpired, and must accept
// (or call expired) only a token the key itself produces for the claims it
// read: any other spelling would be a token not signed by the key.
func FuzzVerify(f *testing.F) {
	s := newSigner(f, vectorKey)
	before := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC).Unix()
	seeds := []string{
		vectorToken,
		vectorPayload + ".",
		"." + vectorMAC,
		vectorPayload + ".-VApdK4XA4LuEP9jEHguxd7C3JhXBe1WJYZaxXjjB8Z",
		vectorPayload + ".CYuXhjMFbyhzl_qWVfwPPMYjMTrMnqkLarS-EMzgGPI",
		"eyJwIjoib2ZmZXIiLCJzIjoib2ZmXzAxSlo4UTRWWEwiLCJlIjoxNzgzMzU3MjAwfQ." + vectorMAC,
		vectorToken + ".x",
		"",
		".",
		"..",
		"e30.",
		"not a token at all",
		"\x00\xff.\xfe",
	}
	for _, token := range seeds {
		for _, purpose := range []string{"offer", "pickup", ""} {
			f.Add(token, purpose, before)
		}
	}
	f.Add(vectorToken, "offer", vectorExpires.Unix())
	f.Add(vectorToken, "offer", vectorExpires.Unix()-1)
	f.Fuzz(func(t *testing.T, token, purpose string, nowUnix int64) {
		now := time.Unix(nowUnix, 0)
		got, err := s.Verify(token, purpose, now)
		switch {
		case err == nil:
			if got.Purpose != purpose || !now.Before(got.Expires) {
				t.Fatalf("accepted %q for %q at %s: %+v", token, purpose, now, got)
			}
			// One spelling per claims: the token is exactly what the key
			// signs for what it says.
			want, err := s.Sign(got)
			if err != nil || want != token {
				t.Fatalf("accepted %q, but the key signs its claims %+v as %q (%v)", token, got, want, err)
			}
		case errors.Is(err, ErrExpired):
			if errors.Is(err, ErrInvalid) || got != (Claims{}) {
				t.Fatalf("%q at %s: expired and invalid, or claims %+v: %v", token, now, got, err)
			}
		case errors.Is(err, ErrInvalid):
			if got != (Claims{}) {
				t.Fatalf("refused %q but returned claims %+v", token, got)
			}
			return
		default:
			t.Fatalf("%q: error is neither ErrInvalid nor ErrExpired: %v", token, err)
		}
		// Accepted or expired, the token carries the key's MAC of its
		// payload, computed here without the package's code.
		payload, mac, _ := strings.Cut(token, ".")
		m := hmac.New(sha256.New, []byte(vectorKey))
		m.Write([]byte(payload))
		if mac != base64.RawURLEncoding.EncodeToString(m.Sum(nil)) {
			t.Fatalf("%q was not signed by the key, yet Verify said %v", token, err)
		}
	})
}
