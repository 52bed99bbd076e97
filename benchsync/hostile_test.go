package benchsync_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// snapshot is what a hostile answer must not change in a bench store.
type snapshot struct {
	cursor   string
	tradeIns int
	pending  int
	first    intake.TradeIn
}

func snap(t *testing.T, b *bench) snapshot {
	t.Helper()
	ctx := context.Background()
	var s snapshot
	var err error
	s.cursor, err = b.store.Cursor(ctx)
	require.NoError(t, err)
	s.tradeIns, err = b.store.CountTradeIns(ctx)
	require.NoError(t, err)
	s.pending, err = b.store.CountPending(ctx)
	require.NoError(t, err)
	s.first, err = b.store.TradeIn(ctx, tradeInID(1))
	require.NoError(t, err)
	return s
}

// spaces streams n bytes of JSON whitespace and then a value: valid JSON
// that is simply too big.
type spaces struct{ n int }

func (s *spaces) Read(p []byte) (int, error) {
	if s.n <= 0 {
		return copy(p, "{}"), io.EOF
	}
	n := min(len(p), s.n)
	for i := range n {
		p[i] = ' '
	}
	s.n -= n
	return n, nil
}

// TestHostileHubChangesNothing points a bench at servers that answer with
// garbage, huge bodies, wrong types and contract violations: each gives a
// clear error and leaves the bench store as it was.
func TestHostileHubChangesNothing(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 10, Unlimited: true})
	valid := func() intake.TradeIn {
		ti, err := h.TradeIn(context.Background(), tradeInID(1))
		require.NoError(t, err)
		ti.Customer.Name = "Changed By A Hostile Page"
		return ti
	}
	page := func(changes ...any) string {
		b, err := json.Marshal(map[string]any{"changes": changes, "next_cursor": "x.99", "has_more": false})
		require.NoError(t, err)
		return string(b)
	}
	change := func(ti intake.TradeIn, seq int) map[string]any {
		return map[string]any{"seq": seq, "entity": "tradein", "op": "upsert", "id": ti.ID, "trade_in": ti}
	}
	teleported := valid()
	teleported.ID, teleported.Status = tradeInID(2), "teleported"
	badIMEI := valid()
	badIMEI.ID, badIMEI.IMEI = tradeInID(3), "356938035643808"
	tests := []struct {
		name    string
		push    bool // the bench has an event to push, and the hostile answer is the push's
		status  int
		ctype   string
		body    func() io.Reader
		wantErr string
	}{
		{"truncated JSON", false, 200, "application/json", text(`{"changes":[{"seq":1,`), "malformed JSON"},
		{"an HTML page", false, 200, "text/html", text(`<html><body>Welcome</body></html>`), "malformed JSON"},
		{"wrong types", false, 200, "application/json", text(`{"changes":"lots","next_cursor":7,"has_more":"yes"}`), "malformed JSON"},
		{"trailing garbage", false, 200, "application/json", text(page() + `{"more":1}`), "data after the value"},
		{"unknown status beside a valid change", false, 200, "application/json", text(page(change(valid(), 1), change(teleported, 2))), `unknown status "teleported"`},
		{"invalid IMEI", false, 200, "application/json", text(page(change(badIMEI, 1))), "check digit"},
		{"empty page that has more", false, 200, "application/json", text(`{"changes":[],"next_cursor":"x.1","has_more":true}`), "has more"},
		{"entity that does not match", false, 200, "application/json",
			text(`{"changes":[{"seq":1,"entity":"tradein","op":"upsert","id":"x","flag":{"imei":"356938035643809","kind":"blacklisted","reason":"r","since":"2026-01-01T00:00:00Z"}}],"next_cursor":"x.1","has_more":false}`),
			"does not match"},
		{"changes out of order", false, 200, "application/json", text(page(change(valid(), 5), change(teleported, 4))), "does not follow"},
		{"cursor with control characters", false, 200, "application/json", text(`{"changes":[],"next_cursor":"x\n1","has_more":false}`), "printable"},
		{"a body too large", false, 200, "application/json", func() io.Reader { return &spaces{n: wire.MaxPageBytes + 10} }, "too large"},
		{"a proxy's error page", false, 502, "text/html", text(`<h1>Bad Gateway</h1>`), "hub answered 502"},
		{"a problem that lies about its status", false, 400, wire.ProblemContentType, text(`{"status":200,"code":"x","title":"ok"}`), "hub answered 400"},
		{"results for other events", true, 200, "application/json", text(`{"results":[{"seq":1,"key":"00000000-0000-0000-0000-000000000000","status":"applied"}]}`), "names event"},
		{"an unknown result status", true, 200, "application/json", text(`{"results":[{"seq":1,"key":"k","status":"maybe"}]}`), `unknown status "maybe"`},
		{"no results", true, 200, "application/json", text(`{"results":[]}`), "0 results for 1 events"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBench(t, h, "bench-"+strings.ReplaceAll(tt.name, " ", "-"), h.URL)
			b.sync(t)
			if tt.push {
				_, err := b.svc.Receive(context.Background(), tech, h.Receivable(t)[0].IMEI)
				require.NoError(t, err)
			}
			before := snap(t, b)
			hostile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.ctype)
				w.WriteHeader(tt.status)
				_, _ = io.Copy(w, tt.body())
			}))
			defer hostile.Close()
			client, err := benchsync.NewClient(hostile.URL, b.token)
			require.NoError(t, err)
			engine := benchsync.New(b.store, client, b.name, benchsync.WithRetry(1, time.Millisecond, time.Millisecond))

			_, err = engine.RunOnce(context.Background())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			var re *benchsync.ResponseError
			var he *benchsync.HubError
			assert.True(t, errors.As(err, &re) || errors.As(err, &he), "a typed error: %T", err)
			assert.NotContains(t, err.Error(), b.token, "the token never shows in an error")
			assert.Equal(t, before, snap(t, b), "the bench store is unchanged")
		})
	}
}

func text(s string) func() io.Reader { return func() io.Reader { return strings.NewReader(s) } }
