package hub

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// A body may take the base time plus its size at the slowest rate the hub
// waits for.
func TestBodyTime(t *testing.T) {
	tests := []struct {
		name string
		size int64
		want time.Duration
	}{
		{"no body", 0, 10 * time.Second},
		{"a receipt of 1 KiB", 1 << 10, 10*time.Second + 62500*time.Microsecond},
		{"a 3 MiB photo", 3 << 20, 10*time.Second + 192*time.Second},
		{"the largest blob", 10 << 20, 10*time.Second + 640*time.Second},
		{"the largest push", 16 << 20, 10*time.Second + 1024*time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, bodyTime(tt.size, defaultBodyBase, defaultBodyRate))
		})
	}
}

func TestKeyPrefix(t *testing.T) {
	tests := []struct {
		name, token, want string
	}{
		{"none", "", ""},
		{"a bench token", "ibt_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcdefg", "ibt_AbCdEfGh"},
		{"an API key", "spk_live_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abc", "spk_live_AbC"},
		// Twelve characters of a short token would be most of it, or all.
		{"a short token", "hunter2", "sha256:f52fbd32b2b3"},
		{"twelve characters", "ibt_12345678", "sha256:fdee6013a477"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, keyPrefix(tt.token))
		})
	}
}

// A source of failed authentications is reported once a window, and not
// at all while its address or its key prefix was reported in the window.
func TestAuthFailuresReportOncePerWindow(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	f := &authFailures{window: time.Minute}
	steps := []struct {
		name         string
		at           time.Duration
		addr, prefix string
		report       bool
		unreported   int
	}{
		{"a first failure", 0, "10.0.0.1", "ibt_AAAAAAAA", true, 0},
		{"the same again", time.Second, "10.0.0.1", "ibt_AAAAAAAA", false, 0},
		{"another token from the same address", 2 * time.Second, "10.0.0.1", "ibt_BBBBBBBB", false, 0},
		{"the same token from another address", 3 * time.Second, "10.0.0.2", "ibt_AAAAAAAA", false, 0},
		{"another token from another address", 4 * time.Second, "10.0.0.3", "ibt_CCCCCCCC", true, 3},
		{"no token from a reported address", 5 * time.Second, "10.0.0.3", "", false, 0},
		{"no token from a new address", 6 * time.Second, "10.0.0.4", "", true, 1},
		{"a minute after the window opened", time.Minute, "10.0.0.1", "ibt_AAAAAAAA", true, 0},
		{"then quiet again", time.Minute + time.Second, "10.0.0.1", "ibt_AAAAAAAA", false, 0},
	}
	for _, s := range steps {
		report, unreported := f.note(t0.Add(s.at), s.addr, s.prefix)
		assert.Equal(t, s.report, report, s.name)
		assert.Equal(t, s.unreported, unreported, s.name)
	}
}
