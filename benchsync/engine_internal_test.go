package benchsync

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDelayIsFullJitterAndHonoursRetryAfter(t *testing.T) {
	e := New(nil, nil, "b", WithRetry(3, 100*time.Millisecond, 2*time.Second))
	for attempt := range 8 {
		ceiling := min(100*time.Millisecond<<attempt, 2*time.Second)
		for range 200 {
			d := e.delay(attempt, 0)
			assert.GreaterOrEqual(t, d, time.Duration(0))
			assert.LessOrEqual(t, d, ceiling, "attempt %d", attempt)
			assert.GreaterOrEqual(t, e.delay(attempt, 3*time.Second), 3*time.Second, "never sooner than the hub asked")
		}
	}
	assert.LessOrEqual(t, e.delay(200, 0), 2*time.Second, "a long outage does not overflow the ceiling")
}

// A long outage with a long minimum delay stops doubling at the ceiling:
// a minute doubled 29 times overflowed into a negative ceiling, and the
// jitter panicked.
func TestDelayNeverOverflows(t *testing.T) {
	tests := []struct{ min, max time.Duration }{
		{time.Minute, 10 * time.Minute},
		{20 * time.Second, time.Hour},
		{500 * time.Millisecond, time.Minute},
		{0, 0},
	}
	for _, tt := range tests {
		e := New(nil, nil, "b", WithRetry(3, tt.min, tt.max))
		for attempt := range 100 {
			d := e.delay(attempt, 0)
			require.GreaterOrEqual(t, d, time.Duration(0), "min %v, attempt %d", tt.min, attempt)
			require.LessOrEqual(t, d, tt.max, "min %v, attempt %d", tt.min, attempt)
		}
	}
}

// The defaults are what a bench in a shop runs with: a sync every half
// minute, five attempts backing off from half a second up to a minute,
// pushes of 500 events, pages as large as the contract allows (a request
// and a transaction of the hub per page: an initial pull reads hundreds),
// and a store's indexes made after a pull of 50,000 changes or more.
func TestEngineDefaults(t *testing.T) {
	e := New(nil, nil, "b")
	assert.Equal(t, 30*time.Second, e.interval)
	assert.Equal(t, 5, e.attempts)
	assert.Equal(t, 500*time.Millisecond, e.minDelay)
	assert.Equal(t, time.Minute, e.maxDelay)
	assert.Equal(t, 500, e.batch)
	assert.Equal(t, 1000, e.page)
	assert.Equal(t, 50_000, e.largePull)
	e = New(nil, nil, "b", WithBatch(5000, 5000), WithRetry(0, 0, 0))
	assert.Equal(t, [3]int{1000, 1000, 1}, [3]int{e.batch, e.page, e.attempts}, "capped by the contract, and at least one attempt")
}

func TestHubErrorRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{"-5", 0},
		{"99999999", maxRetryAfter},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"soon", 0},
	}
	for _, tt := range tests {
		resp := &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{"Retry-After": {tt.in}}, Body: http.NoBody}
		assert.Equal(t, tt.want, hubError(resp, now).RetryAfter, tt.in)
	}
}

func TestRetryable(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("push: %w", errors.New("connection reset by peer")), true},
		{&ResponseError{Op: "pull", Err: errors.New("unexpected EOF")}, true},
		{&HubError{StatusCode: http.StatusTooManyRequests}, true},
		{&HubError{StatusCode: http.StatusServiceUnavailable}, true},
		{&HubError{StatusCode: http.StatusConflict}, false},
		{&HubError{StatusCode: http.StatusUnauthorized}, false},
		{&SequenceError{Err: &HubError{StatusCode: http.StatusConflict}}, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Retryable(tt.err), "%v", tt.err)
	}
	assert.True(t, Refused(fmt.Errorf("pull: %w", &HubError{StatusCode: http.StatusForbidden})))
}
