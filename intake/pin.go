package intake

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// PINs are short, so their hash must be slow: argon2id with the RFC 9106
// second recommended parameters scaled down to what a bench PC answers in
// about 50 ms. The hash string carries its parameters so they can be raised
// later without breaking existing hashes.
const (
	pinTime    = 2
	pinMemory  = 19 * 1024 // KiB
	pinThreads = 1
	pinKeyLen  = 32
	pinSaltLen = 16
)

// DefaultMinPINLength is the shortest PIN accepted when one is set, unless
// the hub's policy says otherwise. At about 50 ms a guess, an offline
// search of every 6-digit PIN takes some 14 hours of one core; of every
// 4-digit one, eight minutes.
const DefaultMinPINLength = 6

// HashPIN returns an encoded argon2id hash of pin with a random salt. A PIN
// shorter than minLength (DefaultMinPINLength for 0) is refused.
func HashPIN(pin string, minLength int) (string, error) {
	if minLength <= 0 {
		minLength = DefaultMinPINLength
	}
	if len(pin) < minLength {
		return "", fmt.Errorf("a PIN needs at least %d digits", minLength)
	}
	for _, r := range pin {
		if r < '0' || r > '9' {
			return "", errors.New("a PIN has digits only")
		}
	}
	salt := make([]byte, pinSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := argon2.IDKey([]byte(pin), salt, pinTime, pinMemory, pinThreads, pinKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, pinMemory, pinTime, pinThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPIN reports whether pin matches an encoded hash from HashPIN. A
// malformed hash is an error, not a mismatch, so it can be reported.
func VerifyPIN(encoded, pin string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("PIN hash is not an argon2id hash")
	}
	var version int
	var memory uint32
	var time uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, fmt.Errorf("PIN hash has an unsupported version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil || memory == 0 || time == 0 || threads == 0 || memory > 1<<20 || time > 16 {
		return false, fmt.Errorf("PIN hash has bad parameters %q", parts[3])
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("PIN hash salt: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 64 {
		return false, errors.New("PIN hash key is malformed")
	}
	got := argon2.IDKey([]byte(pin), salt, time, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
