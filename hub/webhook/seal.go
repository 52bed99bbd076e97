package webhook

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/intakebench/intakebench/hub/hubdb"
)

// KeySize is the length of a secret key: AES-256.
const KeySize = 32

// Errors opening a sealed secret; test with errors.Is.
var (
	// ErrNoKey: a secret is sealed but the dispatcher has no key.
	ErrNoKey = errors.New("webhook: secret is sealed but no secret key is configured")
	// ErrWrongKey: a secret was sealed with another key than the one
	// configured.
	ErrWrongKey = errors.New("webhook: secret was sealed with another key")
	// ErrCorruptSecret: a sealed secret does not open under its key: the
	// stored bytes were changed or moved to another endpoint.
	ErrCorruptSecret = errors.New("webhook: sealed secret is corrupt")
)

// sealVersion is the first byte of a sealed secret, so that a later
// format can be told apart from this one.
const sealVersion = 1

// keyIDSize is how much of the key's fingerprint a sealed secret carries.
const keyIDSize = 8

// Sealer seals webhook signing secrets at rest with AES-256-GCM. A sealed
// secret is: version byte, key id, nonce, ciphertext and tag. The key id
// lets a wrong key be named as such instead of failing as corruption, and
// the endpoint id is the additional data, so a sealed secret copied onto
// another endpoint's row does not open.
type Sealer struct {
	aead  cipher.AEAD
	keyID [keyIDSize]byte
}

// NewSealer returns a Sealer with key, which must be KeySize random bytes.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("webhook: secret key is %d bytes, want %d (AES-256)", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("webhook: secret key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("webhook: secret key: %w", err)
	}
	s := &Sealer{aead: aead}
	// A MAC of a fixed label, not a hash of the key itself, so the id
	// says nothing usable about the key.
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("intakebench webhook secret key id"))
	copy(s.keyID[:], mac.Sum(nil))
	return s, nil
}

// KeyID names the key without revealing it, for messages about which key
// sealed what.
func (s *Sealer) KeyID() string { return hex.EncodeToString(s.keyID[:]) }

// Seal seals endpointID's secret.
func (s *Sealer) Seal(endpointID, secret string) []byte {
	head := 1 + keyIDSize + s.aead.NonceSize()
	out := make([]byte, head, head+len(secret)+s.aead.Overhead())
	out[0] = sealVersion
	copy(out[1:], s.keyID[:])
	nonce := out[1+keyIDSize : head]
	rand.Read(nonce) // never fails: see crypto/rand.Read
	return s.aead.Seal(out, nonce, []byte(secret), []byte(endpointID))
}

// Open returns the secret that Seal sealed for endpointID. It fails with
// ErrWrongKey or ErrCorruptSecret, never with garbage.
func (s *Sealer) Open(endpointID string, sealed []byte) (string, error) {
	head := 1 + keyIDSize + s.aead.NonceSize()
	if len(sealed) < head+s.aead.Overhead() || sealed[0] != sealVersion {
		return "", fmt.Errorf("%w: endpoint %s: not a version %d sealed secret", ErrCorruptSecret, endpointID, sealVersion)
	}
	if id := sealed[1 : 1+keyIDSize]; !bytes.Equal(id, s.keyID[:]) {
		return "", fmt.Errorf("%w: endpoint %s: sealed with key %x, the configured key is %s", ErrWrongKey, endpointID, id, s.KeyID())
	}
	plain, err := s.aead.Open(nil, sealed[1+keyIDSize:head], sealed[head:], []byte(endpointID))
	if err != nil {
		return "", fmt.Errorf("%w: endpoint %s: %w", ErrCorruptSecret, endpointID, err)
	}
	return string(plain), nil
}

// storedSecret is how a new secret is kept: sealed when there is a key.
func (d *Dispatcher) storedSecret(endpointID, secret string) (plain string, sealed []byte) {
	if d.sealer == nil {
		return secret, nil
	}
	return "", d.sealer.Seal(endpointID, secret)
}

// secretOf is the plaintext secret of a stored one.
func (d *Dispatcher) secretOf(endpointID, plain string, sealed []byte) (string, error) {
	if sealed == nil {
		return plain, nil
	}
	if d.sealer == nil {
		return "", fmt.Errorf("%w: endpoint %s", ErrNoKey, endpointID)
	}
	return d.sealer.Open(endpointID, sealed)
}

// SealSecrets checks that every sealed secret in the database opens with
// the configured key, then seals the secrets still stored in plaintext
// (those of a database from before sealing) and returns how many it
// sealed. Call it once at start-up: a wrong or missing key then stops the
// hub with a clear error instead of failing every delivery. Without a key
// it only checks that nothing is sealed.
//
// Sealing rewrites rows in place; SQLite may keep the old plaintext in
// free pages or the WAL until they are reused, so run VACUUM once after
// the first sealing start to be rid of it.
func (d *Dispatcher) SealSecrets(ctx context.Context) (int, error) {
	n := 0
	err := d.db.InTx(ctx, func(tx *hubdb.Tx) error {
		n = 0
		secrets, err := tx.WebhookSecrets(ctx)
		if err != nil {
			return err
		}
		// Check them all before sealing any: a wrong key must not seal
		// the rest under a key that cannot open the first.
		for _, s := range secrets {
			if s.SealedSecret != nil {
				if _, err := d.secretOf(s.EndpointID, "", s.SealedSecret); err != nil {
					return err
				}
			}
		}
		if d.sealer == nil {
			return nil
		}
		for _, s := range secrets {
			if s.SealedSecret != nil {
				continue
			}
			if err := tx.SealWebhookSecret(ctx, s.EndpointID, d.sealer.Seal(s.EndpointID, s.Secret)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("webhook seal secrets: %w", err)
	}
	return n, nil
}
