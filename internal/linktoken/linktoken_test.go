package linktoken

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The known vector: the token and MAC below were computed outside Go with
//
//	p=$(printf '%s' '{"p":"offer","s":"off_01JZ8Q4VXK","e":1783357200}' | basenc --base64url | tr -d '=\n')
//	printf '%s' "$p" | openssl dgst -sha256 -hmac 'test-key-for-offer-links-0123456789'
const (
	vectorKey     = "test-key-for-offer-links-0123456789"
	vectorPayload = "eyJwIjoib2ZmZXIiLCJzIjoib2ZmXzAxSlo4UTRWWEsiLCJlIjoxNzgzMzU3MjAwfQ"
	vectorMAC     = "-VApdK4XA4LuEP9jEHguxd7C3JhXBe1WJYZaxXjjB8Y"
	vectorToken   = vectorPayload + "." + vectorMAC
	vectorMACHex  = "f9502974ae170382ee10ff6310782ec5dec2dc985705ed5625865ac578e307c6"
)

var (
	vectorExpires = time.Date(2026, 7, 6, 17, 0, 0, 0, time.UTC)
	vectorClaims  = Claims{Purpose: "offer", Subject: "off_01JZ8Q4VXK", Expires: vectorExpires}
)

func newSigner(t testing.TB, key string) *Signer {
	t.Helper()
	s, err := New([]byte(key))
	require.NoError(t, err)
	return s
}

func TestNewWantsAKeyOfAtLeast32Bytes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		key     string
		wantErr string
	}{
		{"empty", "", "key is 0 bytes, want at least 32"},
		{"31 bytes", "0123456789abcdefghijklmnopqrstu", "key is 31 bytes, want at least 32"},
		{"32 bytes", "0123456789abcdefghijklmnopqrstuv", ""},
		{"35 bytes", vectorKey, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New([]byte(tc.key))
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				assert.Nil(t, s)
				return
			}
			require.NoError(t, err)
			assert.NotNil(t, s)
		})
	}
}

func TestSignKnownVector(t *testing.T) {
	token, err := newSigner(t, vectorKey).Sign(vectorClaims)
	require.NoError(t, err)
	assert.Equal(t, vectorToken, token)

	// The MAC half, decoded, is the HMAC openssl printed.
	mac, err := base64.RawURLEncoding.DecodeString(strings.SplitN(token, ".", 2)[1])
	require.NoError(t, err)
	assert.Equal(t, vectorMACHex, hex.EncodeToString(mac))
	payload, err := base64.RawURLEncoding.DecodeString(strings.SplitN(token, ".", 2)[0])
	require.NoError(t, err)
	assert.Equal(t, `{"p":"offer","s":"off_01JZ8Q4VXK","e":1783357200}`, string(payload))
}

func TestSignKeepsTheKeyItWasGiven(t *testing.T) {
	key := []byte(vectorKey)
	s, err := New(key)
	require.NoError(t, err)
	key[0] = 'X' // the caller reusing its buffer must not change the key
	token, err := s.Sign(vectorClaims)
	require.NoError(t, err)
	assert.Equal(t, vectorToken, token)
}

func TestSignRoundsExpiryDownToTheSecond(t *testing.T) {
	s := newSigner(t, vectorKey)
	c := vectorClaims
	c.Expires = time.Date(2026, 7, 6, 19, 0, 0, 999_999_999, time.FixedZone("CEST", 2*60*60))
	token, err := s.Sign(c)
	require.NoError(t, err)
	assert.Equal(t, vectorToken, token)
	got, err := s.Verify(token, "offer", time.Date(2026, 7, 6, 16, 59, 59, 0, time.UTC))
	require.NoError(t, err)
	assert.Equal(t, vectorClaims, got)
}

func TestSignRefuses(t *testing.T) {
	s := newSigner(t, vectorKey)
	for _, tc := range []struct {
		name    string
		claims  Claims
		wantErr string
	}{
		{"no purpose", Claims{Subject: "off_1", Expires: vectorExpires}, "empty purpose"},
		{"no expiry", Claims{Purpose: "offer", Subject: "off_1"}, "no expiry"},
		{"invalid UTF-8 subject", Claims{Purpose: "offer", Subject: "off_\xff", Expires: vectorExpires}, "valid UTF-8"},
		{"invalid UTF-8 purpose", Claims{Purpose: "offer\xc3", Subject: "off_1", Expires: vectorExpires}, "valid UTF-8"},
		{"too long", Claims{Purpose: "offer", Subject: strings.Repeat("x", 800), Expires: vectorExpires}, "longer than 1024"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token, err := s.Sign(tc.claims)
			require.ErrorContains(t, err, tc.wantErr)
			assert.Empty(t, token)
		})
	}
}

func TestVerifyReturnsTheClaims(t *testing.T) {
	s := newSigner(t, vectorKey)
	for _, tc := range []struct {
		name   string
		claims Claims
	}{
		{"known vector", vectorClaims},
		{"non-ASCII subject", Claims{Purpose: "offer", Subject: "Zoë/ünïcode <&>", Expires: vectorExpires}},
		{"empty subject", Claims{Purpose: "pickup", Expires: vectorExpires}},
		{"dot in subject", Claims{Purpose: "offer", Subject: "a.b.c", Expires: vectorExpires}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token, err := s.Sign(tc.claims)
			require.NoError(t, err)
			got, err := s.Verify(token, tc.claims.Purpose, time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))
			require.NoError(t, err)
			assert.Equal(t, tc.claims, got)
		})
	}
}

func TestVerifyExpiresAtTheExactInstant(t *testing.T) {
	s := newSigner(t, vectorKey)
	for _, tc := range []struct {
		name    string
		now     time.Time
		wantErr error
	}{
		{"a day before", time.Date(2026, 7, 5, 17, 0, 0, 0, time.UTC), nil},
		{"a nanosecond before", time.Date(2026, 7, 6, 16, 59, 59, 999_999_999, time.UTC), nil},
		{"the expiry instant", time.Date(2026, 7, 6, 17, 0, 0, 0, time.UTC), ErrExpired},
		{"the expiry instant in another zone", time.Date(2026, 7, 6, 13, 0, 0, 0, time.FixedZone("EDT", -4*60*60)), ErrExpired},
		{"a nanosecond after", time.Date(2026, 7, 6, 17, 0, 0, 1, time.UTC), ErrExpired},
		{"a year after", time.Date(2027, 7, 6, 17, 0, 0, 0, time.UTC), ErrExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Verify(vectorToken, "offer", tc.now)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				assert.NotErrorIs(t, err, ErrInvalid)
				assert.Equal(t, Claims{}, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, vectorClaims, got)
		})
	}
}

func TestVerifyRefusesInvalidTokens(t *testing.T) {
	s := newSigner(t, vectorKey)
	before := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	after := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	// The same claims under the key 'another-key-for-offer-links-9876543'
	// (MAC by openssl as above): a valid token, but not ours.
	const otherKeyToken = vectorPayload + ".CYuXhjMFbyhzl_qWVfwPPMYjMTrMnqkLarS-EMzgGPI"
	other, err := newSigner(t, "another-key-for-offer-links-9876543").Sign(vectorClaims)
	require.NoError(t, err)
	require.Equal(t, otherKeyToken, other)
	// The payload of offer off_01JZ8Q4VXL with the MAC of the vector's
	// off_01JZ8Q4VXK: a MAC does not carry over to another payload.
	const otherPayload = "eyJwIjoib2ZmZXIiLCJzIjoib2ZmXzAxSlo4UTRWWEwiLCJlIjoxNzgzMzU3MjAwfQ"
	for _, tc := range []struct {
		name    string
		token   string
		purpose string
		now     time.Time
	}{
		{"empty", "", "offer", before},
		{"no dot", vectorPayload + vectorMAC, "offer", before},
		{"payload only", vectorPayload + ".", "offer", before},
		{"MAC only", "." + vectorMAC, "offer", before},
		{"a third part", vectorToken + ".x", "offer", before},
		{"dots only", "..", "offer", before},
		{"MAC in standard base64", vectorPayload + ".+VApdK4XA4LuEP9jEHguxd7C3JhXBe1WJYZaxXjjB8Y", "offer", before},
		{"MAC with padding", vectorToken + "=", "offer", before},
		{"MAC with spare bits set", vectorPayload + ".-VApdK4XA4LuEP9jEHguxd7C3JhXBe1WJYZaxXjjB8Z", "offer", before},
		{"MAC truncated", vectorToken[:len(vectorToken)-1], "offer", before},
		{"payload of another token", otherPayload + "." + vectorMAC, "offer", before},
		{"signed with another key", otherKeyToken, "offer", before},
		{"signed with another key, expired", otherKeyToken, "offer", after},
		{"wrong purpose", vectorToken, "pickup", before},
		{"wrong purpose, expired", vectorToken, "pickup", after},
		{"purpose differs in case", vectorToken, "Offer", before},
		{"empty purpose", vectorToken, "", before},
		{"space around", " " + vectorToken, "offer", before},
		{"too long", vectorToken + strings.Repeat("A", 1024), "offer", before},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Verify(tc.token, tc.purpose, tc.now)
			require.ErrorIs(t, err, ErrInvalid)
			assert.NotErrorIs(t, err, ErrExpired)
			assert.Equal(t, Claims{}, got)
		})
	}
}

// TestVerifyRefusesEveryChangedCharacter changes each character of the
// vector, payload and MAC alike, to another base64url character.
func TestVerifyRefusesEveryChangedCharacter(t *testing.T) {
	s := newSigner(t, vectorKey)
	now := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	for i := range len(vectorToken) {
		for _, r := range []byte{'A', 'f', '-', '_', '.'} {
			if vectorToken[i] == r {
				continue
			}
			tampered := vectorToken[:i] + string(r) + vectorToken[i+1:]
			_, err := s.Verify(tampered, "offer", now)
			require.ErrorIs(t, err, ErrInvalid, "character %d changed to %q: %s", i, r, tampered)
		}
	}
}
