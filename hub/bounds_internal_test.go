package hub

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
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
