package webhook

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/internal/clock"
)

// deadLetters sets up two endpoints, a and b, at a receiver that fails
// until healthy is set, with two events each dead-lettered after two
// attempts: deliveries 1 and 3 are a's, 2 and 4 b's.
func deadLetters(t *testing.T) (d *Dispatcher, clk *clock.Fake, a, b Endpoint, healthy *atomic.Bool, rc *receiver) {
	t.Helper()
	ctx := t.Context()
	healthy = &atomic.Bool{}
	rc = newReceiver(t, testSecret, func(int, http.ResponseWriter) int {
		if healthy.Load() {
			return http.StatusOK
		}
		return http.StatusBadGateway
	})
	clk = newFakeClock()
	d = stepDispatcher(t, tempDB(t), clk, Config{MaxAttempts: 2})
	var err error
	a, _, err = d.Register(ctx, rc.srv.URL+"/a", nil, testSecret)
	require.NoError(t, err)
	clk.Advance(time.Millisecond) // endpoints are listed, and published to, by creation time
	b, _, err = d.Register(ctx, rc.srv.URL+"/b", nil, testSecret)
	require.NoError(t, err)
	for i := range 2 {
		require.NoError(t, d.Publish(ctx, EventTradeInReceived, map[string]int{"n": i}))
	}
	for range 2 {
		_, err := d.DeliverDue(ctx)
		require.NoError(t, err)
		clk.Advance(time.Minute)
	}
	return d, clk, a, b, healthy, rc
}

func ids(ds []Delivery) []int64 {
	out := []int64{}
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}

func TestDeadLettersListAndRedrive(t *testing.T) {
	ctx := t.Context()
	d, clk, a, b, healthy, _ := deadLetters(t)

	dead, err := d.Dead(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, []int64{3, 1}, ids(dead), "newest first, a's only")
	for _, dl := range dead {
		assert.Equal(t, StateDead, dl.State)
		assert.Equal(t, 2, dl.Attempts)
		assert.Len(t, dl.Log, 2)
	}
	_, err = d.Dead(ctx, "we_nope")
	assert.ErrorIs(t, err, ErrNotFound)

	now := clk.Advance(0)
	got, err := d.Redrive(ctx, a.ID, 1)
	require.NoError(t, err)
	assert.Equal(t, []int64{1}, got)
	ds, err := d.Deliveries(ctx, a.ID)
	require.NoError(t, err)
	one := ds[1]
	assert.Equal(t, int64(1), one.ID)
	assert.Equal(t, StatePending, one.State)
	assert.Equal(t, 0, one.Attempts, "a fresh set of attempts")
	assert.Equal(t, 1, one.Redrives)
	assert.Equal(t, &now, one.NextAttemptAt, "due at once")
	assert.Zero(t, one.LastStatus)
	assert.Empty(t, one.LastError)
	assert.Nil(t, one.FinishedAt)
	assert.Len(t, one.Log, 2, "the log stays")

	for _, tt := range []struct {
		name     string
		endpoint string
		delivery int64
		wantErr  error
		message  string
	}{
		{"not dead any more", a.ID, 1, ErrNotDead, "webhook redrive " + a.ID + ": webhook: delivery is not dead-lettered: delivery 1 is pending"},
		{"another endpoint's", a.ID, 2, ErrDeliveryNotFound, "webhook redrive " + a.ID + ": webhook: delivery not found: 2"},
		{"no such delivery", a.ID, 99, ErrDeliveryNotFound, "webhook redrive " + a.ID + ": webhook: delivery not found: 99"},
		{"no such endpoint", "we_nope", 0, ErrNotFound, "webhook redrive we_nope: webhook: not found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := d.Redrive(ctx, tt.endpoint, tt.delivery)
			assert.ErrorIs(t, err, tt.wantErr)
			assert.EqualError(t, err, tt.message)
		})
	}

	// Redriven and failing again: dead after MaxAttempts more, the log
	// numbering on.
	_, err = d.DeliverDue(ctx)
	require.NoError(t, err)
	clk.Advance(time.Minute)
	_, err = d.DeliverDue(ctx)
	require.NoError(t, err)
	ds, err = d.Deliveries(ctx, a.ID)
	require.NoError(t, err)
	one = ds[1]
	assert.Equal(t, StateDead, one.State)
	assert.Equal(t, 2, one.Attempts)
	var numbers []int
	for _, at := range one.Log {
		numbers = append(numbers, at.Number)
	}
	assert.Equal(t, []int{1, 2, 3, 4}, numbers)

	// The receiver is fixed: redrive everything of a, and it arrives.
	healthy.Store(true)
	got, err = d.Redrive(ctx, a.ID, 0)
	require.NoError(t, err)
	assert.Equal(t, []int64{1, 3}, got)
	n, err := d.DeliverDue(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	dead, err = d.Dead(ctx, a.ID)
	require.NoError(t, err)
	assert.Empty(t, dead)
	got, err = d.Redrive(ctx, a.ID, 0)
	require.NoError(t, err)
	assert.Equal(t, []int64{}, got, "nothing dead, nothing redriven")

	dead, err = d.Dead(ctx, b.ID)
	require.NoError(t, err)
	assert.Equal(t, []int64{4, 2}, ids(dead), "b's untouched")
	require.NoError(t, d.Remove(ctx, b.ID))
	_, err = d.Redrive(ctx, b.ID, 0)
	assert.ErrorIs(t, err, ErrNotFound, "nobody to deliver to")
	dead, err = d.Dead(ctx, b.ID)
	require.NoError(t, err)
	assert.Equal(t, []int64{4, 2}, ids(dead), "a removed endpoint's dead letters stay readable")
}

func TestDeadLetterRoutes(t *testing.T) {
	d, _, a, b, _, _ := deadLetters(t)
	h := d.Handler()
	call := func(method, path, body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), method, path, strings.NewReader(body)))
		return rec
	}

	rec := call("GET", "/api/v1/webhooks/"+a.ID+"/dead", "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), `"id":3,"event_id":"evt_`)
	assert.Contains(t, rec.Body.String(), `"state":"dead","attempts":2,"redrives":0,`)

	for _, tt := range []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"one delivery", "POST", "/api/v1/webhooks/" + a.ID + "/dead/redrive", `{"delivery_id":3}`, 200,
			`{"success":true,"data":{"endpoint_id":"` + a.ID + `","redriven":[3]}}`},
		{"not dead", "POST", "/api/v1/webhooks/" + a.ID + "/dead/redrive", `{"delivery_id":3}`, 409,
			`{"success":false,"error":{"code":"CONFLICT","message":"webhook delivery is not dead-lettered"}}`},
		{"another endpoint's delivery", "POST", "/api/v1/webhooks/" + a.ID + "/dead/redrive", `{"delivery_id":2}`, 404,
			`{"success":false,"error":{"code":"NOT_FOUND","message":"webhook delivery not found for this endpoint"}}`},
		{"negative id", "POST", "/api/v1/webhooks/" + a.ID + "/dead/redrive", `{"delivery_id":-1}`, 400,
			`{"success":false,"error":{"code":"VALIDATION_ERROR","message":"delivery_id must be a delivery id, or absent for every dead delivery",` +
				`"details":[{"field":"delivery_id","issue":"invalid","message":"delivery_id must be a delivery id, or absent for every dead delivery"}]}}`},
		{"unknown field", "POST", "/api/v1/webhooks/" + a.ID + "/dead/redrive", `{"delivery":1}`, 400,
			`{"success":false,"error":{"code":"MALFORMED_JSON","message":"request body is not valid JSON for this endpoint: json: unknown field \"delivery\""}}`},
		{"no body: all", "POST", "/api/v1/webhooks/" + b.ID + "/dead/redrive", "", 200,
			`{"success":true,"data":{"endpoint_id":"` + b.ID + `","redriven":[2,4]}}`},
		{"empty object: all, none left", "POST", "/api/v1/webhooks/" + b.ID + "/dead/redrive", `{}`, 200,
			`{"success":true,"data":{"endpoint_id":"` + b.ID + `","redriven":[]}}`},
		{"unknown endpoint", "GET", "/api/v1/webhooks/we_nope/dead", "", 404,
			`{"success":false,"error":{"code":"NOT_FOUND","message":"webhook endpoint not found"}}`},
		{"unknown endpoint redrive", "POST", "/api/v1/webhooks/we_nope/dead/redrive", "", 404,
			`{"success":false,"error":{"code":"NOT_FOUND","message":"webhook endpoint not found"}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := call(tt.method, tt.path, tt.body)
			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, tt.want+"\n", rec.Body.String())
		})
	}
	rec = call("GET", "/api/v1/webhooks/"+b.ID+"/dead", "")
	assert.Equal(t, `{"success":true,"data":[]}`+"\n", rec.Body.String())
}
