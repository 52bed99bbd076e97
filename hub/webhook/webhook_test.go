package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/internal/clock"
	"github.com/intakebench/intakebench/internal/httpx"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// openDB opens the hub database in file the way the hub does.
func openDB(t *testing.T, file string) *hubdb.DB {
	t.Helper()
	db, err := hubdb.Open(context.Background(), file)
	require.NoError(t, err)
	return db
}

func tempDB(t *testing.T) *hubdb.DB {
	t.Helper()
	db := openDB(t, hubtest.DSN(t))
	t.Cleanup(func() { db.Close() })
	return db
}

// newFakeClock is the clock that drives backoff deterministically.
func newFakeClock() *clock.Fake {
	return clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
}

func noJitter(d time.Duration) time.Duration { return d }

// received is one request a test receiver saw, after verifying it.
type received struct {
	ID     string
	Header http.Header
	Env    envelope
}

// receiver is a webhook receiver that verifies each request's signature
// and answers with the status respond picks for the n-th request (from 1).
type receiver struct {
	t       *testing.T
	secret  string
	mu      sync.Mutex
	got     []received
	respond func(n int, w http.ResponseWriter) int
	srv     *httptest.Server
}

func newReceiver(t *testing.T, secret string, respond func(n int, w http.ResponseWriter) int) *receiver {
	rc := &receiver{t: t, secret: secret, respond: respond}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	secret := rc.secret
	rc.mu.Unlock()
	// Tolerance 0: the sender's clock may be fake in these tests.
	if err := Verify(secret, r.Header, body, 0); err != nil {
		rc.t.Errorf("receiver: signature check failed: %v", err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		rc.t.Errorf("receiver: body is not an envelope: %v", err)
	}
	rc.mu.Lock()
	rc.got = append(rc.got, received{ID: r.Header.Get(HeaderID), Header: r.Header.Clone(), Env: env})
	n := len(rc.got)
	rc.mu.Unlock()
	status := http.StatusNoContent
	if rc.respond != nil {
		status = rc.respond(n, w)
	}
	w.WriteHeader(status)
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

const testSecret = "whsec_test_secret_0123456789"

func TestSignVerify(t *testing.T) {
	now := time.Unix(1_772_000_000, 0)
	body := []byte(`{"id":"evt_1"}`)
	signed := func(secret string, ts int64, b []byte) http.Header {
		h := http.Header{}
		h.Set(HeaderTimestamp, fmt.Sprint(ts))
		h.Set(HeaderSignature, Sign(secret, ts, b))
		return h
	}
	rotated := signed("old-secret-0123456789", now.Unix(), body)
	rotated.Set(HeaderSignature, Sign("old-secret-0123456789", now.Unix(), body)+", "+Sign(testSecret, now.Unix(), body))
	tests := []struct {
		name    string
		header  http.Header
		body    []byte
		wantErr error
	}{
		{"valid", signed(testSecret, now.Unix(), body), body, nil},
		{"rotation: second signature matches", rotated, body, nil},
		{"wrong secret", signed("another-secret-0123456789", now.Unix(), body), body, ErrBadSignature},
		{"tampered body", signed(testSecret, now.Unix(), body), []byte(`{"id":"evt_2"}`), ErrBadSignature},
		{"replayed with fresh timestamp", func() http.Header {
			h := signed(testSecret, now.Unix()-3600, body)
			h.Set(HeaderTimestamp, fmt.Sprint(now.Unix()))
			return h
		}(), body, ErrBadSignature},
		{"too old", signed(testSecret, now.Unix()-600, body), body, ErrBadTimestamp},
		{"from the future", signed(testSecret, now.Unix()+600, body), body, ErrBadTimestamp},
		{"missing headers", http.Header{}, body, ErrMissingSignature},
		{"timestamp not a number", func() http.Header {
			h := signed(testSecret, now.Unix(), body)
			h.Set(HeaderTimestamp, "yesterday")
			return h
		}(), body, ErrBadTimestamp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyAt(testSecret, tt.header, tt.body, 5*time.Minute, now)
			if tt.wantErr == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tt.wantErr)
			}
		})
	}
	// The header format is the documented one: sha256=<hex of HMAC("ts.body")>.
	sig := Sign("k", 42, []byte("b"))
	assert.Equal(t, "sha256=", sig[:7])
	assert.Len(t, sig, 7+64)
}

func TestRunDeliversSignedEnvelope(t *testing.T) {
	ctx := t.Context()
	db := tempDB(t)
	rc := newReceiver(t, testSecret, nil)
	d, err := New(db, Config{PollInterval: 20 * time.Millisecond, AllowPrivateTargets: true})
	require.NoError(t, err)
	ep, secret, err := d.Register(ctx, rc.srv.URL+"/hook", []string{EventQuoteApproved}, testSecret)
	require.NoError(t, err)
	assert.Equal(t, testSecret, secret)

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(runCtx) }()
	defer func() { stop(); <-done }()

	require.NoError(t, d.Publish(ctx, EventQuoteCreated, map[string]int{"id": 1}), "filtered out for this endpoint")
	require.NoError(t, d.Publish(ctx, EventQuoteApproved, map[string]int{"id": 42}))
	require.Eventually(t, func() bool { return len(rc.requests()) == 1 }, 10*time.Second, 10*time.Millisecond)

	got := rc.requests()[0]
	assert.Equal(t, EventQuoteApproved, got.Env.Type)
	assert.Equal(t, got.ID, got.Env.ID, "X-Webhook-Id is the event id")
	assert.JSONEq(t, `{"id":42}`, string(got.Env.Data))
	assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
	assert.False(t, got.Env.CreatedAt.IsZero())

	require.Eventually(t, func() bool {
		ds, err := d.Deliveries(ctx, ep.ID)
		return err == nil && len(ds) == 1 && ds[0].State == StateDelivered
	}, 10*time.Second, 10*time.Millisecond)
}

// stepDispatcher makes a dispatcher of cfg driven by a fake clock and
// DeliverDue, with a backoff of 1s doubling up to 1m and no jitter. It
// delivers to loopback, where the tests' receivers are.
func stepDispatcher(t *testing.T, db *hubdb.DB, clk *clock.Fake, cfg Config) *Dispatcher {
	t.Helper()
	cfg.Now, cfg.Jitter, cfg.BaseBackoff, cfg.MaxBackoff = clk.Now, noJitter, time.Second, time.Minute
	cfg.AllowPrivateTargets = true
	d, err := New(db, cfg)
	require.NoError(t, err)
	return d
}

func TestFailTwiceThenSucceed(t *testing.T) {
	ctx := t.Context()
	db := tempDB(t)
	clock := newFakeClock()
	rc := newReceiver(t, testSecret, func(n int, _ http.ResponseWriter) int {
		if n <= 2 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	d := stepDispatcher(t, db, clock, Config{})
	ep, _, err := d.Register(ctx, rc.srv.URL, nil, testSecret)
	require.NoError(t, err)
	require.NoError(t, d.Publish(ctx, EventTradeInReceived, map[string]string{"trade_in_id": "T1"}))
	start := clock.Now()

	n, err := d.DeliverDue(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	// Backoff is base·2^(n-1): 1s after the first failure, 2s after the second.
	clock.Advance(999 * time.Millisecond)
	n, _ = d.DeliverDue(ctx)
	assert.Zero(t, n, "not due before its backoff")
	clock.Advance(time.Millisecond)
	n, _ = d.DeliverDue(ctx)
	assert.Equal(t, 1, n)
	clock.Advance(2 * time.Second)
	n, _ = d.DeliverDue(ctx)
	assert.Equal(t, 1, n)
	clock.Advance(time.Hour)
	n, _ = d.DeliverDue(ctx)
	assert.Zero(t, n, "a delivered delivery is never sent again")

	ds, err := d.Deliveries(ctx, ep.ID)
	require.NoError(t, err)
	require.Len(t, ds, 1, "exactly one delivery")
	dl := ds[0]
	assert.Equal(t, StateDelivered, dl.State)
	assert.Equal(t, 3, dl.Attempts)
	assert.Equal(t, http.StatusOK, dl.LastStatus)
	require.Len(t, dl.Log, 3)
	assert.Equal(t, []int{500, 500, 200}, []int{dl.Log[0].StatusCode, dl.Log[1].StatusCode, dl.Log[2].StatusCode})
	assert.Equal(t, start.Add(time.Second), *dl.Log[0].RetryAt)
	assert.Equal(t, start.Add(3*time.Second), *dl.Log[1].RetryAt)
	assert.Nil(t, dl.Log[2].RetryAt)
	assert.Contains(t, dl.Log[0].Error, "500")

	reqs := rc.requests()
	require.Len(t, reqs, 3)
	for _, r := range reqs {
		assert.Equal(t, reqs[0].ID, r.ID, "retries keep the event id so receivers can deduplicate")
	}
	assert.NotEqual(t, reqs[0].Header.Get(HeaderTimestamp), reqs[2].Header.Get(HeaderTimestamp), "each attempt is signed afresh")
}

func TestRetryAfterIsHonoured(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter func(now time.Time) string
		wantDelay  time.Duration
	}{
		{"429 with seconds", http.StatusTooManyRequests, func(time.Time) string { return "120" }, 120 * time.Second},
		{"503 with HTTP date", http.StatusServiceUnavailable, func(now time.Time) string { return now.Add(90 * time.Second).Format(http.TimeFormat) }, 90 * time.Second},
		{"429 capped by MaxRetryAfter", http.StatusTooManyRequests, func(time.Time) string { return "999999" }, time.Hour},
		{"500 ignores Retry-After: backoff applies", http.StatusInternalServerError, func(time.Time) string { return "120" }, time.Second},
		{"429 with garbage: backoff applies", http.StatusTooManyRequests, func(time.Time) string { return "soon" }, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			db := tempDB(t)
			clock := newFakeClock()
			rc := newReceiver(t, testSecret, func(n int, w http.ResponseWriter) int {
				if n == 1 {
					w.Header().Set("Retry-After", tt.retryAfter(clock.Now()))
					return tt.status
				}
				return http.StatusOK
			})
			d := stepDispatcher(t, db, clock, Config{MaxRetryAfter: time.Hour})
			ep, _, err := d.Register(ctx, rc.srv.URL, nil, testSecret)
			require.NoError(t, err)
			require.NoError(t, d.Publish(ctx, EventTradeInGraded, map[string]string{"grade": "B"}))
			start := clock.Now()

			_, err = d.DeliverDue(ctx)
			require.NoError(t, err)
			ds, err := d.Deliveries(ctx, ep.ID)
			require.NoError(t, err)
			require.Equal(t, start.Add(tt.wantDelay), *ds[0].NextAttemptAt)

			clock.Advance(tt.wantDelay - time.Millisecond)
			n, _ := d.DeliverDue(ctx)
			assert.Zero(t, n, "nothing is sent before the receiver asked")
			clock.Advance(time.Millisecond)
			n, _ = d.DeliverDue(ctx)
			assert.Equal(t, 1, n)
			ds, err = d.Deliveries(ctx, ep.ID)
			require.NoError(t, err)
			assert.Equal(t, StateDelivered, ds[0].State)
			assert.Len(t, rc.requests(), 2)
		})
	}
}

func TestDeadLetterAfterMaxAttempts(t *testing.T) {
	ctx := t.Context()
	db := tempDB(t)
	clock := newFakeClock()
	rc := newReceiver(t, testSecret, func(int, http.ResponseWriter) int { return http.StatusBadGateway })
	d := stepDispatcher(t, db, clock, Config{MaxAttempts: 4})
	ep, _, err := d.Register(ctx, rc.srv.URL, nil, testSecret)
	require.NoError(t, err)
	require.NoError(t, d.Publish(ctx, EventTradeInRerouted, map[string]string{"trade_in_id": "T9"}))

	for range 10 {
		_, err := d.DeliverDue(ctx)
		require.NoError(t, err)
		clock.Advance(time.Minute)
	}
	ds, err := d.Deliveries(ctx, ep.ID)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	assert.Equal(t, StateDead, ds[0].State)
	assert.Equal(t, 4, ds[0].Attempts)
	assert.Len(t, ds[0].Log, 4)
	assert.Nil(t, ds[0].Log[3].RetryAt, "no retry is scheduled after the last attempt")
	assert.NotNil(t, ds[0].FinishedAt)
	assert.Equal(t, http.StatusBadGateway, ds[0].LastStatus)
	assert.Len(t, rc.requests(), 4)
}

func TestConnectionErrorsAreRetriedAndRedacted(t *testing.T) {
	ctx := t.Context()
	db := tempDB(t)
	clock := newFakeClock()
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close() // nothing listens there any more
	d := stepDispatcher(t, db, clock, Config{MaxAttempts: 2})
	ep, _, err := d.Register(ctx, deadURL+"/hook?token=supersecret", nil, testSecret)
	require.NoError(t, err)
	require.NoError(t, d.Publish(ctx, EventTradeInCounterOffer, map[string]int{"amount": 1}))
	_, err = d.DeliverDue(ctx)
	require.NoError(t, err)
	ds, err := d.Deliveries(ctx, ep.ID)
	require.NoError(t, err)
	assert.Equal(t, StatePending, ds[0].State)
	assert.Zero(t, ds[0].Log[0].StatusCode)
	assert.NotEmpty(t, ds[0].Log[0].Error)
	assert.NotContains(t, ds[0].Log[0].Error, "supersecret", "URLs may hold credentials: not stored in the log")
}

func TestRestartDeliversWhatWasPersisted(t *testing.T) {
	ctx := t.Context()
	file := hubtest.DSN(t)
	rc := newReceiver(t, testSecret, nil)

	db := openDB(t, file)
	d, err := New(db, Config{AllowPrivateTargets: true})
	require.NoError(t, err)
	ep, _, err := d.Register(ctx, rc.srv.URL, nil, testSecret)
	require.NoError(t, err)
	var ids []string
	for i := range 3 {
		require.NoError(t, d.Publish(ctx, EventTradeInPayoutDeclined, map[string]int{"n": i}))
	}
	// The process "dies" before any worker ran.
	require.NoError(t, db.Close())
	assert.Empty(t, rc.requests())

	db = openDB(t, file)
	defer db.Close()
	d, err = New(db, Config{PollInterval: 20 * time.Millisecond, AllowPrivateTargets: true})
	require.NoError(t, err)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(runCtx) }()
	defer func() { stop(); <-done }()
	require.Eventually(t, func() bool { return len(rc.requests()) == 3 }, 10*time.Second, 10*time.Millisecond)
	for _, r := range rc.requests() {
		ids = append(ids, r.ID)
	}
	assert.Len(t, dedupe(ids), 3)
	require.Eventually(t, func() bool {
		ds, err := d.Deliveries(ctx, ep.ID)
		if err != nil || len(ds) != 3 {
			return false
		}
		for _, dl := range ds {
			if dl.State != StateDelivered {
				return false
			}
		}
		return true
	}, 10*time.Second, 10*time.Millisecond)
}

func dedupe(ids []string) map[string]bool {
	m := map[string]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// TestNoDeliveryLost publishes from several goroutines while the worker
// runs against a flaky receiver, kills the worker and database half way,
// and checks every event whose Publish returned nil arrived.
func TestNoDeliveryLost(t *testing.T) {
	ctx := t.Context()
	file := hubtest.DSN(t)
	rc := newReceiver(t, testSecret, func(n int, _ http.ResponseWriter) int {
		if n%3 == 0 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	cfg := Config{PollInterval: 10 * time.Millisecond, BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxAttempts: 50, AllowPrivateTargets: true}

	var mu sync.Mutex
	var published []string // payload markers whose Publish returned nil
	publish := func(d *Dispatcher, worker, count int) {
		var wg sync.WaitGroup
		for w := range worker {
			wg.Go(func() {
				for i := range count {
					marker := fmt.Sprintf("w%d-%d-%s", w, i, t.Name())
					if err := d.Publish(ctx, EventTradeInReceived, map[string]string{"marker": marker}); err == nil {
						mu.Lock()
						published = append(published, marker)
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
	}

	run := func(d *Dispatcher) func() {
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- d.Run(runCtx) }()
		return func() { stop(); require.NoError(t, <-done) }
	}

	db := openDB(t, file)
	d, err := New(db, cfg)
	require.NoError(t, err)
	_, _, err = d.Register(ctx, rc.srv.URL, []string{EventTradeInReceived}, testSecret)
	require.NoError(t, err)
	stop := run(d)
	publish(d, 4, 15)
	stop() // worker killed with deliveries in flight or pending
	require.NoError(t, db.Close())

	db = openDB(t, file)
	defer db.Close()
	d, err = New(db, cfg)
	require.NoError(t, err)
	stop = run(d)
	defer stop()
	publish(d, 2, 10)

	require.Len(t, published, 80, "every Publish succeeded")
	require.Eventually(t, func() bool {
		seen := map[string]bool{}
		for _, r := range rc.requests() {
			var data struct{ Marker string }
			if json.Unmarshal(r.Env.Data, &data) == nil {
				seen[data.Marker] = true
			}
		}
		mu.Lock()
		defer mu.Unlock()
		for _, m := range published {
			if !seen[m] {
				return false
			}
		}
		return true
	}, 30*time.Second, 20*time.Millisecond, "every published event reached the receiver")
}

func TestRemovedEndpointGetsNothing(t *testing.T) {
	ctx := t.Context()
	db := tempDB(t)
	clock := newFakeClock()
	rc := newReceiver(t, testSecret, nil)
	d := stepDispatcher(t, db, clock, Config{})
	ep, _, err := d.Register(ctx, rc.srv.URL, nil, testSecret)
	require.NoError(t, err)
	require.NoError(t, d.Publish(ctx, EventQuoteDeclined, map[string]int{"id": 1}))
	require.NoError(t, d.Remove(ctx, ep.ID))
	require.NoError(t, d.Publish(ctx, EventQuoteDeclined, map[string]int{"id": 2}))
	n, err := d.DeliverDue(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Empty(t, rc.requests())
	ds, err := d.Deliveries(ctx, ep.ID)
	require.NoError(t, err)
	require.Len(t, ds, 1, "the log of a removed endpoint stays readable")
	assert.Equal(t, StateCancelled, ds[0].State)
	assert.ErrorIs(t, d.Remove(ctx, ep.ID), ErrNotFound)
	eps, err := d.Endpoints(ctx)
	require.NoError(t, err)
	assert.Empty(t, eps)
}

func TestPublishRejectsUnknownTypeAndBadPayload(t *testing.T) {
	ctx := t.Context()
	db := tempDB(t)
	d, err := New(db, Config{})
	require.NoError(t, err)
	assert.ErrorIs(t, d.Publish(ctx, "buyback.quote.creatd", nil), ErrUnknownEventType)
	assert.Error(t, d.Publish(ctx, EventQuoteCreated, map[string]any{"f": func() {}}))
	var n int
	require.NoError(t, db.View(ctx, func(tx *hubdb.Tx) (err error) {
		n, err = tx.CountWebhookEvents(ctx)
		return err
	}))
	assert.Zero(t, n, "a refused Publish stores nothing")

	d, err = New(db, Config{EventTypes: []string{"tradein.custom"}})
	require.NoError(t, err)
	assert.NoError(t, d.Publish(ctx, "tradein.custom", nil))
}

func TestRegisterValidation(t *testing.T) {
	ctx := t.Context()
	db := tempDB(t)
	d, err := New(db, Config{Resolver: fakeResolver{"example.com": {netip.MustParseAddr("93.184.215.14")}}})
	require.NoError(t, err)
	tests := []struct {
		name, url string
		events    []string
		secret    string
		field     string
		issue     string
	}{
		{"empty url", "", nil, "", "url", "required"},
		{"ftp scheme", "ftp://example.com/hook", nil, "", "url", "unsupported_scheme"},
		{"no scheme", "example.com/hook", nil, "", "url", "unsupported_scheme"},
		{"no host", "https:///hook", nil, "", "url", "missing_host"},
		{"malformed", "http://exa mple.com:bad/", nil, "", "url", "malformed"},
		{"fragment", "https://example.com/hook#x", nil, "", "url", "fragment"},
		{"unknown event", "https://example.com/hook", []string{"buyback.quote.created", "quote.eaten"}, "", "events", "unknown_event_type"},
		{"short secret", "https://example.com/hook", nil, "short", "secret", "invalid_length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := d.Register(ctx, tt.url, tt.events, tt.secret)
			var ve *httpx.FieldError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.field, ve.Field)
			assert.Equal(t, tt.issue, ve.Issue)
		})
	}
	ep, secret, err := d.Register(ctx, "https://example.com/hook", []string{"*"}, "")
	require.NoError(t, err)
	assert.Empty(t, ep.Events, "* means every event")
	assert.True(t, strings.HasPrefix(secret, "whsec_"))
	assert.GreaterOrEqual(t, len(secret), 26)
}

func TestManagementAPI(t *testing.T) {
	ctx := t.Context()
	db := tempDB(t)
	clock := newFakeClock()
	rc := newReceiver(t, testSecret, nil)
	d := stepDispatcher(t, db, clock, Config{})
	// No credentials: authentication is the mounting API's (hub/public).
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()

	call := func(method, path, body string) (int, map[string]any) {
		req, err := http.NewRequestWithContext(ctx, method, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		return resp.StatusCode, out
	}
	errCode := func(out map[string]any) string { return out["error"].(map[string]any)["code"].(string) }

	status, out := call("POST", "/api/v1/webhooks", `{"url":"`+rc.srv.URL+`","events":["tradein.received"]}`)
	require.Equal(t, http.StatusCreated, status, out)
	data := out["data"].(map[string]any)
	id, secret := data["id"].(string), data["secret"].(string)
	assert.NotEmpty(t, id)
	assert.True(t, strings.HasPrefix(secret, "whsec_"))

	status, out = call("GET", "/api/v1/webhooks", "")
	require.Equal(t, http.StatusOK, status)
	list := out["data"].([]any)
	require.Len(t, list, 1)
	assert.NotContains(t, list[0], "secret", "secrets are shown once, at registration")

	// A delivery signed with the generated secret verifies at a receiver.
	rc.mu.Lock()
	rc.secret = secret
	rc.mu.Unlock()
	require.NoError(t, d.Publish(ctx, EventTradeInReceived, map[string]string{"imei": "356789012345678"}))
	_, err := d.DeliverDue(ctx)
	require.NoError(t, err)
	require.Len(t, rc.requests(), 1)

	status, out = call("GET", "/api/v1/webhooks/"+id+"/deliveries", "")
	require.Equal(t, http.StatusOK, status)
	ds := out["data"].([]any)
	require.Len(t, ds, 1)
	assert.Equal(t, StateDelivered, ds[0].(map[string]any)["state"])
	assert.Len(t, ds[0].(map[string]any)["log"], 1)

	for _, tt := range []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"malformed JSON", "POST", "/api/v1/webhooks", `{"url":`, 400, "MALFORMED_JSON"},
		{"unknown field", "POST", "/api/v1/webhooks", `{"url":"https://x.example","evnts":[]}`, 400, "MALFORMED_JSON"},
		{"bad url", "POST", "/api/v1/webhooks", `{"url":"gopher://x.example"}`, 400, "VALIDATION_ERROR"},
		{"huge body", "POST", "/api/v1/webhooks", `{"url":"https://x.example/` + strings.Repeat("a", maxManageBody) + `"}`, 413, "PAYLOAD_TOO_LARGE"},
		{"unknown endpoint deliveries", "GET", "/api/v1/webhooks/we_nope/deliveries", "", 404, "NOT_FOUND"},
		{"unknown endpoint delete", "DELETE", "/api/v1/webhooks/we_nope", "", 404, "NOT_FOUND"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, out := call(tt.method, tt.path, tt.body)
			assert.Equal(t, tt.status, status)
			assert.Equal(t, tt.code, errCode(out))
			assert.Equal(t, false, out["success"])
		})
	}

	status, _ = call("DELETE", "/api/v1/webhooks/"+id, "")
	assert.Equal(t, http.StatusOK, status)
	status, out = call("GET", "/api/v1/webhooks", "")
	assert.Equal(t, http.StatusOK, status)
	assert.Empty(t, out["data"])
}

// TestManagementErrorEnvelope pins the bytes of error answers: the public
// API's clients parse this envelope.
func TestManagementErrorEnvelope(t *testing.T) {
	d, err := New(tempDB(t), Config{})
	require.NoError(t, err)
	h := d.Handler()
	for _, tt := range []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"validation", "POST", "/api/v1/webhooks", `{"url":"gopher://x.example"}`, 400,
			`{"success":false,"error":{"code":"VALIDATION_ERROR","message":"url scheme must be http or https, not \"gopher\"",` +
				`"details":[{"field":"url","issue":"unsupported_scheme","message":"url scheme must be http or https, not \"gopher\""}]}}`},
		{"internal target", "POST", "/api/v1/webhooks", `{"url":"http://169.254.169.254/latest/meta-data/"}`, 400,
			`{"success":false,"error":{"code":"VALIDATION_ERROR","message":"url host 169.254.169.254 is a forbidden address (link-local): webhooks may not target loopback, private, link-local or other internal addresses",` +
				`"details":[{"field":"url","issue":"forbidden_address","message":"url host 169.254.169.254 is a forbidden address (link-local): webhooks may not target loopback, private, link-local or other internal addresses"}]}}`},
		{"unknown endpoint", "DELETE", "/api/v1/webhooks/we_nope", "", 404,
			`{"success":false,"error":{"code":"NOT_FOUND","message":"webhook endpoint not found"}}`},
		{"unknown route", "GET", "/api/v1/webhooks/we_nope/attempts", "", 404,
			`{"success":false,"error":{"code":"NOT_FOUND","message":"no such webhooks route"}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), tt.method, tt.path, strings.NewReader(tt.body)))
			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, tt.want+"\n", rec.Body.String())
			assert.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
			assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
		})
	}
}

// TestSignatureKnownVector pins the signed format, "timestamp.body", to a
// value computed outside Go:
//
//	printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
//
// so signing "timestamp:body", the body alone or another encoding fails.
func TestSignatureKnownVector(t *testing.T) {
	const (
		secret = "secret"
		ts     = int64(1_700_000_000)
		body   = `{"a":1}`
		want   = "sha256=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686"
	)
	assert.Equal(t, want, Sign(secret, ts, []byte(body)))

	now := time.Unix(ts, 0)
	header := func(timestamp string) http.Header {
		h := http.Header{}
		h.Set(HeaderTimestamp, timestamp)
		h.Set(HeaderSignature, want)
		return h
	}
	for _, tt := range []struct {
		name      string
		timestamp string
		body      string
		wantErr   error
	}{
		{"as signed", "1700000000", body, nil},
		{"body: one byte changed", "1700000000", `{"a":2}`, ErrBadSignature},
		{"body: one byte more", "1700000000", body + " ", ErrBadSignature},
		{"timestamp: one byte changed", "1700000001", body, ErrBadSignature},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyAt(secret, header(tt.timestamp), []byte(tt.body), 5*time.Minute, now)
			if tt.wantErr == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tt.wantErr)
			}
		})
	}
}

func TestConfigDefaultsAndLimits(t *testing.T) {
	db := tempDB(t)
	d, err := New(db, Config{})
	require.NoError(t, err)
	assert.Equal(t, 10, d.maxAttempts)
	assert.Equal(t, 30*time.Second, d.baseBackoff)
	assert.Equal(t, 2*time.Hour, d.maxBackoff)
	assert.Equal(t, 6*time.Hour, d.maxRetryAft)
	assert.Equal(t, 10*time.Second, d.timeout)
	assert.Equal(t, 5*time.Second, d.poll)
	assert.Equal(t, 4, d.perEndpoint)
	assert.Equal(t, 256, d.maxInFlight)
	assert.False(t, d.allowPrivate)
	assert.Nil(t, d.sealer)
	assert.NotNil(t, d.client.CheckRedirect, "the default client does not follow redirects")
	assert.Nil(t, d.client.Transport.(*http.Transport).Proxy, "the guarded client dials endpoints itself, through no proxy")
	for range 100 {
		j := d.jitter(time.Minute)
		assert.True(t, j >= 30*time.Second && j <= time.Minute, "default jitter keeps half the delay: %v", j)
	}

	for _, tt := range []struct {
		name string
		cfg  Config
	}{
		{"negative attempts", Config{MaxAttempts: -1}},
		{"negative endpoint concurrency", Config{EndpointConcurrency: -1}},
		{"negative max in flight", Config{MaxInFlight: -1}},
		{"own client without the guard", Config{HTTPClient: &http.Client{}}},
		{"negative timeout", Config{Timeout: -time.Second}},
		{"negative poll", Config{PollInterval: -time.Second}},
		{"negative retry-after cap", Config{MaxRetryAfter: -time.Second}},
		{"negative backoff", Config{BaseBackoff: -time.Second}},
		{"base above max", Config{BaseBackoff: time.Minute, MaxBackoff: time.Second}},
		{"base above the default max", Config{BaseBackoff: 3 * time.Hour}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(db, tt.cfg)
			assert.Error(t, err)
		})
	}
	_, err = New(nil, Config{})
	assert.Error(t, err)
}

// TestPublishTxCommitsWithTheCaller: an event published in a transaction
// that rolls back is never delivered; one that commits is.
func TestPublishTxCommitsWithTheCaller(t *testing.T) {
	ctx := t.Context()
	db := tempDB(t)
	rc := newReceiver(t, testSecret, nil)
	d := stepDispatcher(t, db, newFakeClock(), Config{})
	ep, _, err := d.Register(ctx, rc.srv.URL, nil, testSecret)
	require.NoError(t, err)

	errChange := errors.New("the change failed")
	err = db.InTx(ctx, func(tx *hubdb.Tx) error {
		require.NoError(t, d.PublishTx(ctx, tx, EventQuoteCreated, map[string]int{"id": 1}))
		return errChange
	})
	require.ErrorIs(t, err, errChange)
	require.NoError(t, db.InTx(ctx, func(tx *hubdb.Tx) error {
		return d.PublishTx(ctx, tx, EventQuoteCreated, map[string]int{"id": 2})
	}))
	assert.ErrorIs(t, db.InTx(ctx, func(tx *hubdb.Tx) error {
		return d.PublishTx(ctx, tx, "quote.eaten", nil)
	}), ErrUnknownEventType)

	n, err := d.DeliverDue(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	reqs := rc.requests()
	require.Len(t, reqs, 1)
	assert.JSONEq(t, `{"id":2}`, string(reqs[0].Env.Data))
	ds, err := d.Deliveries(ctx, ep.ID)
	require.NoError(t, err)
	assert.Len(t, ds, 1)
}
