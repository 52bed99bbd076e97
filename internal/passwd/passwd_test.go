package passwd

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The vector is the argon2 reference tool's own (Debian's argon2):
//
//	echo -n "correct horse battery staple" | argon2 saltsaltsalt16b -id -t 2 -k 19456 -p 1 -l 32 -e
const vector = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0MTZi$ruW22rZ+Z2oQpc09UDt/snC/wUlvZib0deQGUp52TIc"

func TestHashMatchesTheReferenceTool(t *testing.T) {
	assert.Equal(t, vector, hashWithSalt("correct horse battery staple", []byte("saltsaltsalt16b"), Default))
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name, password, phc string
		want                string // "" for a match
	}{
		{"the reference tool's hash", "correct horse battery staple", vector, ""},
		{"another password", "correct horse battery stapler", vector, "password does not match"},
		{"bcrypt", "x", "$2a$10$abcdefghijklmnopqrstuv", "not an argon2id hash"},
		{"argon2i", "x", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", "not an argon2id hash"},
		{"costs out of range", "x", "$argon2id$v=19$m=99999999,t=2,p=1$c2FsdA$aGFzaA", `argon2id parameters "m=99999999,t=2,p=1" out of range`},
		{"no key", "x", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$", "argon2id hash: malformed key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.password, tt.phc)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestHashIsSaltedAndVerifies(t *testing.T) {
	a, err := Hash("hunter2hunter2", Default)
	require.NoError(t, err)
	b, err := Hash("hunter2hunter2", Default)
	require.NoError(t, err)
	assert.NotEqual(t, a, b, "two hashes of one password differ by their salt")
	assert.NoError(t, Verify("hunter2hunter2", a))
	assert.ErrorIs(t, Verify("hunter2hunter3", a), ErrMismatch)
	assert.NotContains(t, a, "hunter2")
}

func TestCheck(t *testing.T) {
	assert.EqualError(t, Check("short"), "a password has at least 8 characters")
	assert.NoError(t, Check("12345678"))
	assert.NoError(t, Check("pässwörd")) // characters, not bytes
	long := make([]byte, 257)
	for i := range long {
		long[i] = 'a'
	}
	assert.EqualError(t, Check(string(long)), "a password has at most 256 characters")
}
