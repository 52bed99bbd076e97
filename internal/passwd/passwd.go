// Package passwd hashes customers' passwords with argon2id and checks
// them, in the PHC string format ($argon2id$v=19$m=…,t=…,p=…$salt$hash)
// that other argon2 tools read and write.
package passwd

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's costs. Default is OWASP's recommendation for
// argon2id: 19 MiB, two passes, one lane.
type Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// Default costs of new hashes.
var Default = Params{MemoryKiB: 19456, Time: 2, Threads: 1}

// Bounds of a password, in characters: NIST SP 800-63B's minimum, and a
// maximum that keeps a hash from being a denial of service.
const (
	MinLength = 8
	MaxLength = 256
)

// ErrMismatch is a password that is not the one hashed.
var ErrMismatch = errors.New("password does not match")

// Check refuses a password too short or too long to be set.
func Check(password string) error {
	switch n := utf8.RuneCountInString(password); {
	case n < MinLength:
		return fmt.Errorf("a password has at least %d characters", MinLength)
	case n > MaxLength:
		return fmt.Errorf("a password has at most %d characters", MaxLength)
	}
	return nil
}

// Hash hashes password with a random salt.
func Hash(password string, p Params) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	return hashWithSalt(password, salt, p), nil
}

func hashWithSalt(password string, salt []byte, p Params) string {
	key := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads, enc.EncodeToString(salt), enc.EncodeToString(key))
}

// Verify checks password against a PHC string from Hash, in constant
// time; ErrMismatch when it is another password.
func Verify(password, phc string) error {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return errors.New("not an argon2id hash")
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return fmt.Errorf("argon2id parameters %q: %w", parts[3], err)
	}
	// A stored hash's costs are the hub's own, but bound them all the same.
	if p.MemoryKiB < 8 || p.MemoryKiB > 1<<20 || p.Time < 1 || p.Time > 16 || p.Threads < 1 {
		return fmt.Errorf("argon2id parameters %q out of range", parts[3])
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return fmt.Errorf("argon2id salt: %w", err)
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return errors.New("argon2id hash: malformed key")
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}
