package hub_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/internal/clock"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// logLines is a slog text handler's output, safe for the server's
// goroutines to write.
type logLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// with returns the lines that hold every one of parts.
func (l *logLines) with(parts ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for line := range strings.SplitSeq(strings.TrimSpace(l.buf.String()), "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all && line != "" {
			out = append(out, line)
		}
	}
	return out
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// floodedHub is a hub on a fake clock whose log the test reads, with 5
// failed authentications at once per address and per key prefix, and one
// more every 100 s.
func floodedHub(t *testing.T) (*hubtest.Hub, *clock.Fake, *logLines) {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
	logs := &logLines{}
	h := hubtest.New(t, hubtest.Config{
		Hub:    hub.Config{Now: clk.Now, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))},
		Server: []hub.ServerOption{hub.WithAnonymousRateLimit(0.01, 5)},
	})
	return h, clk, logs
}

// staleToken looks like a bench token the hub does not know.
const staleToken = "ibt_STALEstaleSTALEstaleSTALEstaleSTALEstale123"

// TestBadTokenFloodIsOneWarningAWindow: a bench hammering the hub with a
// token it does not know gets 401, then 429 with Retry-After, and the log
// has one WARN line a minute about it, with the token's first 12
// characters and never the token; nothing at ERROR. An enrolled bench at
// the same address goes on.
func TestBadTokenFloodIsOneWarningAWindow(t *testing.T) {
	h, clk, logs := floodedHub(t)
	good := h.Enroll(t, "bench-good")
	changes := h.URL + "/v1/changes?limit=1"
	flood := func(n int) (statuses []int) {
		for range n {
			statuses = append(statuses, call(t, http.MethodGet, changes, staleToken, nil).status)
		}
		return statuses
	}

	assert.Equal(t, []int{401, 401, 401, 401, 401, 429, 429, 429, 429, 429, 429, 429, 429, 429, 429, 429, 429, 429, 429, 429}, flood(20))
	assert.Equal(t, http.StatusOK, call(t, http.MethodGet, changes, good, nil).status, "the enrolled bench is unaffected")
	warned := logs.with("level=WARN", `msg="failed bench authentication"`)
	require.Len(t, warned, 1, "one line for the flood:\n%s", logs)
	assert.Contains(t, warned[0], "addr=127.0.0.1")
	assert.Contains(t, warned[0], "key_prefix=ibt_STALEsta")
	assert.Contains(t, warned[0], "code=unauthorized")
	assert.Contains(t, warned[0], "unreported_since_last=0")

	clk.Advance(59 * time.Second)
	flood(5)
	assert.Len(t, logs.with("level=WARN"), 1, "still the same minute:\n%s", logs)

	clk.Advance(time.Second)
	flood(5)
	warned = logs.with("level=WARN", `msg="failed bench authentication"`)
	require.Len(t, warned, 2, "a minute on, one more line:\n%s", logs)
	assert.Contains(t, warned[1], "unreported_since_last=24", "19 of the first flood and 5 of the second minute")
	assert.Contains(t, warned[1], "limited=true")

	assert.Equal(t, http.StatusOK, call(t, http.MethodGet, changes, good, nil).status)
	assert.NotContains(t, logs.String(), staleToken, "the token itself is never logged")
	assert.Empty(t, logs.with("level=ERROR"), "an unknown token is not the hub's error")
}

// TestFailedAuthLimits: failed authentications are limited per address
// and per presented key prefix, so a stale token tried from many addresses
// is slowed down as much as many tokens tried from one; neither locks out
// an enrolled bench, and either is one WARN line.
func TestFailedAuthLimits(t *testing.T) {
	tests := []struct {
		name  string
		addr  func(i int) string
		token func(i int) string
		want  []int
	}{
		{
			name:  "one stale token from many addresses",
			addr:  func(i int) string { return fmt.Sprintf("198.51.100.%d", i+1) },
			token: func(int) string { return staleToken },
			want:  []int{401, 401, 401, 401, 401, 429, 429, 429},
		},
		{
			name:  "many tokens from one address",
			addr:  func(int) string { return "203.0.113.7" },
			token: func(i int) string { return fmt.Sprintf("ibt_guess%02d-%s", i, strings.Repeat("x", 40)) },
			want:  []int{401, 401, 401, 401, 401, 429, 429, 429},
		},
		{
			name:  "no token from one address",
			addr:  func(int) string { return "203.0.113.8" },
			token: func(int) string { return "" },
			want:  []int{401, 401, 401, 401, 401, 429, 429, 429},
		},
		{
			name:  "short tokens, limited by their fingerprint",
			addr:  func(i int) string { return fmt.Sprintf("198.51.100.%d", i+1) },
			token: func(int) string { return "hunter2" },
			want:  []int{401, 401, 401, 401, 401, 429, 429, 429},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _, logs := floodedHub(t)
			good := h.Enroll(t, "bench-good")
			get := func(addr, token string) *httptest.ResponseRecorder {
				r := httptest.NewRequest(http.MethodGet, "/v1/changes?limit=1", nil)
				r.RemoteAddr = addr + ":40000"
				if token != "" {
					r.Header.Set("Authorization", "Bearer "+token)
				}
				w := httptest.NewRecorder()
				h.Server.ServeHTTP(w, r)
				return w
			}
			var got []int
			for i := range tt.want {
				w := get(tt.addr(i), tt.token(i))
				got = append(got, w.Code)
				if w.Code == http.StatusTooManyRequests {
					assert.Equal(t, "100", w.Header().Get("Retry-After"), "one failure back every 100 s")
				}
				assert.Equal(t, `Bearer realm="intakehub"`, w.Header().Get("WWW-Authenticate"))
			}
			assert.Equal(t, tt.want, got)
			for i := range tt.want {
				assert.Equal(t, http.StatusOK, get(tt.addr(i), good).Code, "an enrolled bench at %s", tt.addr(i))
			}
			assert.Len(t, logs.with("level=WARN", `msg="failed bench authentication"`), 1, "%s", logs)
			assert.NotContains(t, logs.String(), "hunter2")
			assert.Empty(t, logs.with("level=ERROR"))
		})
	}
}
