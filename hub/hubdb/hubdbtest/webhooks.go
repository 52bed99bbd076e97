package hubdbtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/hubdb"
)

// webhooks covers the webhook outbox: endpoints, events, deliveries and
// their attempts.
func webhooks(t *testing.T, open Opener) {
	ctx := context.Background()
	at := func(sec, ms int) time.Time { return time.Date(2026, 3, 1, 12, 0, sec, ms*1e6, time.UTC) }

	// outbox is a database with two endpoints and one event queued for
	// both: delivery 1 to we_a, delivery 2 to we_b, due at 12:00:00.
	outbox := func(t *testing.T) *hubdb.DB {
		db := open(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			for _, ep := range []hubdb.WebhookEndpoint{
				{ID: "we_a", URL: "https://a.example/hook", Secret: "secret-a", CreatedAt: at(0, 0)},
				{ID: "we_b", URL: "https://b.example/hook", Secret: "secret-b", CreatedAt: at(0, 0)},
			} {
				if err := tx.InsertWebhookEndpoint(ctx, ep); err != nil {
					return err
				}
			}
			if err := tx.InsertWebhookEvent(ctx, hubdb.WebhookEvent{ID: "evt_1", Type: "tradein.received", CreatedAt: at(0, 0), Body: []byte(`{"n":1}`)}); err != nil {
				return err
			}
			for _, ep := range []string{"we_a", "we_b"} {
				if _, err := tx.InsertWebhookDelivery(ctx, "evt_1", ep, at(0, 0)); err != nil {
					return err
				}
			}
			return nil
		})
		return db
	}
	deliveries := func(t *testing.T, db *hubdb.DB, endpointID string) []hubdb.WebhookDelivery {
		t.Helper()
		var ds []hubdb.WebhookDelivery
		view(t, db, func(tx *hubdb.Tx) (err error) {
			ds, err = tx.WebhookDeliveries(ctx, endpointID)
			return err
		})
		return ds
	}
	claim := func(t *testing.T, db *hubdb.DB, now time.Time, lease time.Duration, limit int) []hubdb.ClaimedWebhookDelivery {
		t.Helper()
		var got []hubdb.ClaimedWebhookDelivery
		inTx(t, db, func(tx *hubdb.Tx) (err error) {
			got, err = tx.ClaimDueWebhookDeliveries(ctx, now, lease, limit)
			return err
		})
		return got
	}

	t.Run("endpoints: insert, list, read, soft delete", func(t *testing.T) {
		db := open(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			for _, ep := range []hubdb.WebhookEndpoint{
				// Inserted out of order: the list is by creation time, then id.
				{ID: "we_c", URL: "https://c.example/hook", Secret: "secret-c", Events: []string{"tradein.graded", "buyback.quote.created"}, CreatedAt: at(2, 0)},
				{ID: "we_b", URL: "https://b.example/hook", Secret: "secret-b", CreatedAt: at(1, 0)},
				// Sub-millisecond parts are not kept.
				{ID: "we_a", URL: "https://a.example/hook", Secret: "secret-a", Events: []string{}, CreatedAt: time.Date(2026, 3, 1, 12, 0, 1, 123_456_789, time.UTC)},
			} {
				if err := tx.InsertWebhookEndpoint(ctx, ep); err != nil {
					return err
				}
			}
			return nil
		})
		var list []hubdb.WebhookEndpoint
		view(t, db, func(tx *hubdb.Tx) (err error) {
			list, err = tx.WebhookEndpoints(ctx)
			return err
		})
		assert.Equal(t, []hubdb.WebhookEndpoint{
			{ID: "we_b", URL: "https://b.example/hook", Secret: "secret-b", Events: []string{}, CreatedAt: time.Date(2026, 3, 1, 12, 0, 1, 0, time.UTC)},
			{ID: "we_a", URL: "https://a.example/hook", Secret: "secret-a", Events: []string{}, CreatedAt: time.Date(2026, 3, 1, 12, 0, 1, 123_000_000, time.UTC)},
			{ID: "we_c", URL: "https://c.example/hook", Secret: "secret-c", Events: []string{"tradein.graded", "buyback.quote.created"}, CreatedAt: time.Date(2026, 3, 1, 12, 0, 2, 0, time.UTC)},
		}, list)

		inTx(t, db, func(tx *hubdb.Tx) error { return tx.SoftDeleteWebhookEndpoint(ctx, "we_b", at(5, 0)) })
		err := db.InTx(ctx, func(tx *hubdb.Tx) error { return tx.SoftDeleteWebhookEndpoint(ctx, "we_b", at(6, 0)) })
		assert.ErrorIs(t, err, hubdb.ErrNotFound, "a removed endpoint is not removed twice")
		err = db.InTx(ctx, func(tx *hubdb.Tx) error { return tx.SoftDeleteWebhookEndpoint(ctx, "we_nope", at(6, 0)) })
		assert.ErrorIs(t, err, hubdb.ErrNotFound)

		view(t, db, func(tx *hubdb.Tx) error {
			list, err := tx.WebhookEndpoints(ctx)
			if err != nil {
				return err
			}
			var ids []string
			for _, ep := range list {
				ids = append(ids, ep.ID)
			}
			assert.Equal(t, []string{"we_a", "we_c"}, ids, "a removed endpoint is not listed")

			removed, err := tx.WebhookEndpoint(ctx, "we_b")
			if err != nil {
				return err
			}
			assert.Equal(t, hubdb.WebhookEndpoint{
				ID: "we_b", URL: "https://b.example/hook", Secret: "secret-b", Events: []string{},
				CreatedAt: time.Date(2026, 3, 1, 12, 0, 1, 0, time.UTC), DeletedAt: new(time.Date(2026, 3, 1, 12, 0, 5, 0, time.UTC)),
			}, removed, "a removed endpoint stays readable by id")
			_, err = tx.WebhookEndpoint(ctx, "we_nope")
			assert.ErrorIs(t, err, hubdb.ErrNotFound)
			return nil
		})
	})

	t.Run("events: insert and count; a duplicate id fails", func(t *testing.T) {
		db := open(t)
		count := func() int {
			var n int
			view(t, db, func(tx *hubdb.Tx) (err error) {
				n, err = tx.CountWebhookEvents(ctx)
				return err
			})
			return n
		}
		assert.Equal(t, 0, count())
		inTx(t, db, func(tx *hubdb.Tx) error {
			return tx.InsertWebhookEvent(ctx, hubdb.WebhookEvent{ID: "evt_1", Type: "tradein.received", CreatedAt: at(0, 0), Body: []byte(`{"n":1}`)})
		})
		err := db.InTx(ctx, func(tx *hubdb.Tx) error {
			return tx.InsertWebhookEvent(ctx, hubdb.WebhookEvent{ID: "evt_1", Type: "tradein.graded", CreatedAt: at(1, 0), Body: []byte(`{}`)})
		})
		assert.Error(t, err)
		assert.Equal(t, 1, count())
	})

	t.Run("deliveries: queued pending, once per event and endpoint", func(t *testing.T) {
		db := outbox(t)
		err := db.InTx(ctx, func(tx *hubdb.Tx) error {
			_, err := tx.InsertWebhookDelivery(ctx, "evt_1", "we_a", at(1, 0))
			return err
		})
		assert.Error(t, err, "an event is queued for an endpoint once")
		err = db.InTx(ctx, func(tx *hubdb.Tx) error {
			_, err := tx.InsertWebhookDelivery(ctx, "evt_nope", "we_a", at(1, 0))
			return err
		})
		assert.Error(t, err, "a delivery needs its event")
		assert.Equal(t, []hubdb.WebhookDelivery{{
			ID: 1, EventID: "evt_1", EventType: "tradein.received", EndpointID: "we_a", State: hubdb.WebhookPending,
			NextAttemptAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), CreatedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		}}, deliveries(t, db, "we_a"))
		assert.Empty(t, deliveries(t, db, "we_nope"))
	})

	t.Run("next due: earliest pending", func(t *testing.T) {
		db := open(t)
		next := func() (time.Time, bool) {
			var due time.Time
			var ok bool
			view(t, db, func(tx *hubdb.Tx) (err error) {
				due, ok, err = tx.NextWebhookDue(ctx)
				return err
			})
			return due, ok
		}
		_, ok := next()
		assert.False(t, ok, "nothing pending")
		db = outbox(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			return tx.RecordWebhookAttempt(ctx, hubdb.WebhookAttempt{DeliveryID: 1, Number: 1, StartedAt: at(0, 0), StatusCode: 500, Error: "HTTP 500", RetryAt: new(at(30, 0))}, hubdb.WebhookPending, nil)
		})
		inTx(t, db, func(tx *hubdb.Tx) error {
			return tx.RecordWebhookAttempt(ctx, hubdb.WebhookAttempt{DeliveryID: 2, Number: 1, StartedAt: at(0, 0), StatusCode: 500, Error: "HTTP 500", RetryAt: new(at(10, 500))}, hubdb.WebhookPending, nil)
		})
		due, ok := next()
		assert.True(t, ok)
		assert.Equal(t, time.Date(2026, 3, 1, 12, 0, 10, 500_000_000, time.UTC), due)
		inTx(t, db, func(tx *hubdb.Tx) error {
			return tx.RecordWebhookAttempt(ctx, hubdb.WebhookAttempt{DeliveryID: 2, Number: 2, StartedAt: at(11, 0), StatusCode: 200}, hubdb.WebhookDelivered, new(at(11, 0)))
		})
		due, ok = next()
		assert.True(t, ok)
		assert.Equal(t, time.Date(2026, 3, 1, 12, 0, 30, 0, time.UTC), due, "a delivered delivery is never due")
	})

	t.Run("claim: due ones, earliest first, up to limit, leased", func(t *testing.T) {
		db := outbox(t)
		assert.Empty(t, claim(t, db, at(0, 0).Add(-time.Millisecond), time.Minute, 10), "not due yet")
		assert.Equal(t, []hubdb.ClaimedWebhookDelivery{
			{ID: 1, EventID: "evt_1", Attempts: 0, URL: "https://a.example/hook", Secret: "secret-a", Body: []byte(`{"n":1}`)},
		}, claim(t, db, at(0, 0), 40*time.Second, 1))
		assert.Equal(t, []hubdb.ClaimedWebhookDelivery{
			{ID: 2, EventID: "evt_1", Attempts: 0, URL: "https://b.example/hook", Secret: "secret-b", Body: []byte(`{"n":1}`)},
		}, claim(t, db, at(0, 0), 40*time.Second, 10), "a leased delivery is not claimed again")
		assert.Equal(t, time.Date(2026, 3, 1, 12, 0, 40, 0, time.UTC), deliveries(t, db, "we_a")[0].NextAttemptAt, "leased until now+lease")
		assert.Empty(t, claim(t, db, at(39, 999), 40*time.Second, 10))
		got := claim(t, db, at(40, 0), 40*time.Second, 10)
		assert.Len(t, got, 2, "an expired lease makes the delivery due again")

		inTx(t, db, func(tx *hubdb.Tx) error {
			_, err := tx.CancelPendingWebhookDeliveries(ctx, "we_a", at(41, 0))
			return err
		})
		assert.Equal(t, []hubdb.ClaimedWebhookDelivery{
			{ID: 2, EventID: "evt_1", Attempts: 0, URL: "https://b.example/hook", Secret: "secret-b", Body: []byte(`{"n":1}`)},
		}, claim(t, db, at(80, 0), 40*time.Second, 10), "a cancelled delivery is never claimed")
	})

	t.Run("release: due again at once while pending", func(t *testing.T) {
		db := outbox(t)
		claim(t, db, at(0, 0), time.Minute, 10)
		inTx(t, db, func(tx *hubdb.Tx) error { return tx.ReleaseWebhookDelivery(ctx, 1, at(1, 0)) })
		assert.Equal(t, time.Date(2026, 3, 1, 12, 0, 1, 0, time.UTC), deliveries(t, db, "we_a")[0].NextAttemptAt)
		assert.Len(t, claim(t, db, at(1, 0), time.Minute, 10), 1)

		inTx(t, db, func(tx *hubdb.Tx) error {
			return tx.RecordWebhookAttempt(ctx, hubdb.WebhookAttempt{DeliveryID: 2, Number: 1, StartedAt: at(2, 0), StatusCode: 204}, hubdb.WebhookDelivered, new(at(3, 0)))
		})
		inTx(t, db, func(tx *hubdb.Tx) error { return tx.ReleaseWebhookDelivery(ctx, 2, at(9, 0)) })
		assert.Equal(t, time.Date(2026, 3, 1, 12, 0, 2, 0, time.UTC), deliveries(t, db, "we_b")[0].NextAttemptAt, "a finished delivery is left alone")
	})

	t.Run("record attempts: retry, then delivered, with the log", func(t *testing.T) {
		db := outbox(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			return tx.RecordWebhookAttempt(ctx, hubdb.WebhookAttempt{
				DeliveryID: 1, Number: 1, StartedAt: at(0, 0), Duration: 1500 * time.Millisecond,
				StatusCode: 503, Error: "HTTP 503 Service Unavailable", RetryAt: new(at(30, 0)),
			}, hubdb.WebhookPending, nil)
		})
		assert.Equal(t, []hubdb.WebhookDelivery{{
			ID: 1, EventID: "evt_1", EventType: "tradein.received", EndpointID: "we_a", State: hubdb.WebhookPending, Attempts: 1,
			NextAttemptAt: time.Date(2026, 3, 1, 12, 0, 30, 0, time.UTC), LastStatus: 503, LastError: "HTTP 503 Service Unavailable",
			CreatedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
			Log: []hubdb.WebhookAttempt{{
				DeliveryID: 1, Number: 1, StartedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), Duration: 1500 * time.Millisecond,
				StatusCode: 503, Error: "HTTP 503 Service Unavailable", RetryAt: new(time.Date(2026, 3, 1, 12, 0, 30, 0, time.UTC)),
			}},
		}}, deliveries(t, db, "we_a"))

		inTx(t, db, func(tx *hubdb.Tx) error {
			return tx.RecordWebhookAttempt(ctx, hubdb.WebhookAttempt{
				DeliveryID: 1, Number: 2, StartedAt: at(30, 0), Duration: 20*time.Millisecond + 999*time.Microsecond, StatusCode: 200,
			}, hubdb.WebhookDelivered, new(at(30, 21)))
		})
		assert.Equal(t, []hubdb.WebhookDelivery{{
			ID: 1, EventID: "evt_1", EventType: "tradein.received", EndpointID: "we_a", State: hubdb.WebhookDelivered, Attempts: 2,
			NextAttemptAt: time.Date(2026, 3, 1, 12, 0, 30, 0, time.UTC), LastStatus: 200,
			CreatedAt:  time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
			FinishedAt: new(time.Date(2026, 3, 1, 12, 0, 30, 21_000_000, time.UTC)),
			Log: []hubdb.WebhookAttempt{
				{
					DeliveryID: 1, Number: 1, StartedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), Duration: 1500 * time.Millisecond,
					StatusCode: 503, Error: "HTTP 503 Service Unavailable", RetryAt: new(time.Date(2026, 3, 1, 12, 0, 30, 0, time.UTC)),
				},
				{DeliveryID: 1, Number: 2, StartedAt: time.Date(2026, 3, 1, 12, 0, 30, 0, time.UTC), Duration: 20 * time.Millisecond, StatusCode: 200},
			},
		}}, deliveries(t, db, "we_a"))

		err := db.InTx(ctx, func(tx *hubdb.Tx) error {
			return tx.RecordWebhookAttempt(ctx, hubdb.WebhookAttempt{DeliveryID: 1, Number: 2, StartedAt: at(31, 0), StatusCode: 200}, hubdb.WebhookDelivered, new(at(31, 0)))
		})
		assert.Error(t, err, "an attempt number is logged once")
		err = db.InTx(ctx, func(tx *hubdb.Tx) error {
			return tx.RecordWebhookAttempt(ctx, hubdb.WebhookAttempt{DeliveryID: 2, Number: 1, StartedAt: at(31, 0), StatusCode: 200}, "lost", new(at(31, 0)))
		})
		assert.Error(t, err, "only the known states are stored")
	})

	t.Run("dead letter", func(t *testing.T) {
		db := outbox(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			return tx.RecordWebhookAttempt(ctx, hubdb.WebhookAttempt{DeliveryID: 2, Number: 1, StartedAt: at(0, 0), Error: "connection refused"}, hubdb.WebhookDead, new(at(1, 0)))
		})
		d := deliveries(t, db, "we_b")[0]
		assert.Equal(t, hubdb.WebhookDead, d.State)
		assert.Equal(t, 1, d.Attempts)
		assert.Equal(t, 0, d.LastStatus)
		assert.Equal(t, "connection refused", d.LastError)
		assert.Equal(t, new(time.Date(2026, 3, 1, 12, 0, 1, 0, time.UTC)), d.FinishedAt)
		var ids []int64
		for _, c := range claim(t, db, at(59, 0), time.Minute, 10) {
			ids = append(ids, c.ID)
		}
		assert.Equal(t, []int64{1}, ids, "a dead delivery is never claimed")
	})

	t.Run("cancel: pending deliveries of one endpoint only", func(t *testing.T) {
		db := outbox(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			if err := tx.InsertWebhookEvent(ctx, hubdb.WebhookEvent{ID: "evt_2", Type: "tradein.graded", CreatedAt: at(1, 0), Body: []byte(`{"n":2}`)}); err != nil {
				return err
			}
			if _, err := tx.InsertWebhookDelivery(ctx, "evt_2", "we_a", at(1, 0)); err != nil {
				return err
			}
			return tx.RecordWebhookAttempt(ctx, hubdb.WebhookAttempt{DeliveryID: 1, Number: 1, StartedAt: at(0, 0), StatusCode: 200}, hubdb.WebhookDelivered, new(at(0, 10)))
		})
		var n int
		inTx(t, db, func(tx *hubdb.Tx) (err error) {
			n, err = tx.CancelPendingWebhookDeliveries(ctx, "we_a", at(5, 0))
			return err
		})
		assert.Equal(t, 1, n)
		var states []string
		var finished []*time.Time
		for _, d := range deliveries(t, db, "we_a") {
			states, finished = append(states, d.State), append(finished, d.FinishedAt)
		}
		assert.Equal(t, []string{hubdb.WebhookCancelled, hubdb.WebhookDelivered}, states, "newest first; a delivered one stays delivered")
		assert.Equal(t, []*time.Time{new(time.Date(2026, 3, 1, 12, 0, 5, 0, time.UTC)), new(time.Date(2026, 3, 1, 12, 0, 0, 10_000_000, time.UTC))}, finished)
		assert.Equal(t, hubdb.WebhookPending, deliveries(t, db, "we_b")[0].State, "another endpoint's delivery is untouched")

		// An attempt in flight when its endpoint went is logged but does
		// not bring the delivery back.
		inTx(t, db, func(tx *hubdb.Tx) error {
			return tx.RecordWebhookAttempt(ctx, hubdb.WebhookAttempt{DeliveryID: 3, Number: 1, StartedAt: at(4, 0), StatusCode: 500, Error: "HTTP 500", RetryAt: new(at(9, 0))}, hubdb.WebhookPending, nil)
		})
		d := deliveries(t, db, "we_a")[0]
		assert.Equal(t, int64(3), d.ID)
		assert.Equal(t, hubdb.WebhookCancelled, d.State)
		assert.Equal(t, 0, d.Attempts)
		assert.Len(t, d.Log, 1)
	})

	t.Run("a failed transaction leaves nothing", func(t *testing.T) {
		db := open(t)
		errStop := errors.New("stop")
		err := db.InTx(ctx, func(tx *hubdb.Tx) error {
			if err := tx.InsertWebhookEvent(ctx, hubdb.WebhookEvent{ID: "evt_1", Type: "tradein.received", CreatedAt: at(0, 0), Body: []byte(`{}`)}); err != nil {
				return err
			}
			return errStop
		})
		require.ErrorIs(t, err, errStop)
		view(t, db, func(tx *hubdb.Tx) error {
			n, err := tx.CountWebhookEvents(ctx)
			assert.Equal(t, 0, n)
			return err
		})
	})
}
