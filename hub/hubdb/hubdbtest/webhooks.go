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
	claim := func(t *testing.T, db *hubdb.DB, endpointID string, now time.Time, lease time.Duration, limit int) []hubdb.ClaimedWebhookDelivery {
		t.Helper()
		var got []hubdb.ClaimedWebhookDelivery
		inTx(t, db, func(tx *hubdb.Tx) (err error) {
			got, err = tx.ClaimDueWebhookDeliveries(ctx, endpointID, now, lease, limit)
			return err
		})
		return got
	}
	queues := func(t *testing.T, db *hubdb.DB) []hubdb.WebhookQueue {
		t.Helper()
		var got []hubdb.WebhookQueue
		view(t, db, func(tx *hubdb.Tx) (err error) {
			got, err = tx.WebhookQueues(ctx)
			return err
		})
		return got
	}
	record := func(t *testing.T, db *hubdb.DB, a hubdb.WebhookAttempt, state string, finished *time.Time) {
		t.Helper()
		inTx(t, db, func(tx *hubdb.Tx) error { return tx.RecordWebhookAttempt(ctx, a, state, finished) })
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

	t.Run("queues: each registered endpoint's earliest pending delivery", func(t *testing.T) {
		assert.Empty(t, queues(t, open(t)), "nothing pending")
		db := outbox(t)
		assert.Equal(t, []hubdb.WebhookQueue{
			{EndpointID: "we_a", NextDue: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)},
			{EndpointID: "we_b", NextDue: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)},
		}, queues(t, db), "equal due times: by endpoint id")

		inTx(t, db, func(tx *hubdb.Tx) error {
			if err := tx.InsertWebhookEvent(ctx, hubdb.WebhookEvent{ID: "evt_2", Type: "tradein.graded", CreatedAt: at(5, 0), Body: []byte(`{"n":2}`)}); err != nil {
				return err
			}
			_, err := tx.InsertWebhookDelivery(ctx, "evt_2", "we_a", at(5, 0))
			return err
		})
		record(t, db, hubdb.WebhookAttempt{DeliveryID: 1, Number: 1, StartedAt: at(0, 0), StatusCode: 500, Error: "HTTP 500", RetryAt: new(at(30, 0))}, hubdb.WebhookPending, nil)
		record(t, db, hubdb.WebhookAttempt{DeliveryID: 2, Number: 1, StartedAt: at(0, 0), StatusCode: 500, Error: "HTTP 500", RetryAt: new(at(10, 500))}, hubdb.WebhookPending, nil)
		assert.Equal(t, []hubdb.WebhookQueue{
			{EndpointID: "we_a", NextDue: time.Date(2026, 3, 1, 12, 0, 5, 0, time.UTC)},
			{EndpointID: "we_b", NextDue: time.Date(2026, 3, 1, 12, 0, 10, 500_000_000, time.UTC)},
		}, queues(t, db), "earliest first; a's evt_2 is due before its retried evt_1")

		record(t, db, hubdb.WebhookAttempt{DeliveryID: 2, Number: 2, StartedAt: at(11, 0), StatusCode: 200}, hubdb.WebhookDelivered, new(at(11, 0)))
		record(t, db, hubdb.WebhookAttempt{DeliveryID: 3, Number: 1, StartedAt: at(6, 0), StatusCode: 410, Error: "HTTP 410"}, hubdb.WebhookDead, new(at(6, 0)))
		assert.Equal(t, []hubdb.WebhookQueue{
			{EndpointID: "we_a", NextDue: time.Date(2026, 3, 1, 12, 0, 30, 0, time.UTC)},
		}, queues(t, db), "delivered and dead deliveries queue nowhere")

		claim(t, db, "we_a", at(30, 0), time.Minute, 1)
		assert.Equal(t, []hubdb.WebhookQueue{
			{EndpointID: "we_a", NextDue: time.Date(2026, 3, 1, 12, 1, 30, 0, time.UTC)},
		}, queues(t, db), "a leased delivery counts at its lease's end")

		inTx(t, db, func(tx *hubdb.Tx) error { return tx.SoftDeleteWebhookEndpoint(ctx, "we_a", at(40, 0)) })
		assert.Empty(t, queues(t, db), "a removed endpoint has no queue")
	})

	t.Run("claim: one endpoint's due ones, earliest first, up to limit, leased", func(t *testing.T) {
		db := outbox(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			if err := tx.InsertWebhookEvent(ctx, hubdb.WebhookEvent{ID: "evt_0", Type: "tradein.graded", CreatedAt: at(0, 0), Body: []byte(`{"n":0}`)}); err != nil {
				return err
			}
			// Queued after evt_1 but due earlier: claimed first.
			_, err := tx.InsertWebhookDelivery(ctx, "evt_0", "we_a", at(0, 0).Add(-time.Second))
			return err
		})
		assert.Empty(t, claim(t, db, "we_a", at(0, 0).Add(-1001*time.Millisecond), time.Minute, 10), "not due yet")
		assert.Empty(t, claim(t, db, "we_a", at(0, 0), time.Minute, 0), "a limit of 0 claims nothing")
		assert.Equal(t, []hubdb.ClaimedWebhookDelivery{
			{ID: 3, EventID: "evt_0", EndpointID: "we_a", URL: "https://a.example/hook", Secret: "secret-a", Body: []byte(`{"n":0}`)},
		}, claim(t, db, "we_a", at(0, 0), 40*time.Second, 1))
		assert.Equal(t, []hubdb.ClaimedWebhookDelivery{
			{ID: 1, EventID: "evt_1", EndpointID: "we_a", URL: "https://a.example/hook", Secret: "secret-a", Body: []byte(`{"n":1}`)},
		}, claim(t, db, "we_a", at(0, 0), 40*time.Second, 10), "a leased delivery is not claimed again; b's are not a's")
		assert.Equal(t, time.Date(2026, 3, 1, 12, 0, 40, 0, time.UTC), deliveries(t, db, "we_a")[0].NextAttemptAt, "leased until now+lease")
		assert.Equal(t, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), deliveries(t, db, "we_b")[0].NextAttemptAt, "another endpoint's queue is untouched")
		assert.Empty(t, claim(t, db, "we_a", at(39, 999), 40*time.Second, 10))
		got := claim(t, db, "we_a", at(40, 0), 40*time.Second, 10)
		assert.Len(t, got, 2, "an expired lease makes the delivery due again")

		// What the attempt needs: the counts so far, the stored secret.
		record(t, db, hubdb.WebhookAttempt{DeliveryID: 2, Number: 1, StartedAt: at(0, 0), StatusCode: 500, Error: "HTTP 500", RetryAt: new(at(1, 0))}, hubdb.WebhookPending, nil)
		inTx(t, db, func(tx *hubdb.Tx) error { return tx.SealWebhookSecret(ctx, "we_b", []byte{1, 2, 3}) })
		assert.Equal(t, []hubdb.ClaimedWebhookDelivery{
			{ID: 2, EventID: "evt_1", EndpointID: "we_b", Attempts: 1, Logged: 1, URL: "https://b.example/hook", SealedSecret: []byte{1, 2, 3}, Body: []byte(`{"n":1}`)},
		}, claim(t, db, "we_b", at(1, 0), time.Minute, 10))

		inTx(t, db, func(tx *hubdb.Tx) error {
			_, err := tx.CancelPendingWebhookDeliveries(ctx, "we_a", at(41, 0))
			return err
		})
		assert.Empty(t, claim(t, db, "we_a", at(80, 0), 40*time.Second, 10), "a cancelled delivery is never claimed")
		assert.Empty(t, claim(t, db, "we_nope", at(80, 0), 40*time.Second, 10))
	})

	t.Run("claim: a removed endpoint's pending deliveries are not claimed", func(t *testing.T) {
		db := outbox(t)
		// Removal normally cancels them; this guards a row left pending.
		inTx(t, db, func(tx *hubdb.Tx) error { return tx.SoftDeleteWebhookEndpoint(ctx, "we_a", at(1, 0)) })
		assert.Empty(t, claim(t, db, "we_a", at(2, 0), time.Minute, 10))
	})

	t.Run("release: due again at once while pending", func(t *testing.T) {
		db := outbox(t)
		claim(t, db, "we_a", at(0, 0), time.Minute, 10)
		inTx(t, db, func(tx *hubdb.Tx) error { return tx.ReleaseWebhookDelivery(ctx, 1, at(1, 0)) })
		assert.Equal(t, time.Date(2026, 3, 1, 12, 0, 1, 0, time.UTC), deliveries(t, db, "we_a")[0].NextAttemptAt)
		assert.Len(t, claim(t, db, "we_a", at(1, 0), time.Minute, 10), 1)

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
		assert.Empty(t, claim(t, db, "we_b", at(59, 0), time.Minute, 10), "a dead delivery is never claimed")
		assert.Len(t, claim(t, db, "we_a", at(59, 0), time.Minute, 10), 1)
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

	t.Run("secrets: plaintext or sealed, exactly one; sealed once", func(t *testing.T) {
		db := open(t)
		for _, tt := range []struct {
			name string
			ep   hubdb.WebhookEndpoint
		}{
			{"neither", hubdb.WebhookEndpoint{ID: "we_x", URL: "https://x.example/hook", CreatedAt: at(0, 0)}},
			{"both", hubdb.WebhookEndpoint{ID: "we_x", URL: "https://x.example/hook", Secret: "secret-x", SealedSecret: []byte{9}, CreatedAt: at(0, 0)}},
		} {
			err := db.InTx(ctx, func(tx *hubdb.Tx) error { return tx.InsertWebhookEndpoint(ctx, tt.ep) })
			assert.EqualError(t, err, "insert webhook endpoint we_x: want exactly one of a plaintext and a sealed secret", tt.name)
		}
		inTx(t, db, func(tx *hubdb.Tx) error {
			for _, ep := range []hubdb.WebhookEndpoint{
				{ID: "we_b", URL: "https://b.example/hook", SealedSecret: []byte{1, 0, 2}, CreatedAt: at(0, 0)},
				{ID: "we_a", URL: "https://a.example/hook", Secret: "secret-a", CreatedAt: at(0, 0)},
				{ID: "we_c", URL: "https://c.example/hook", Secret: "secret-c", CreatedAt: at(0, 0)},
			} {
				if err := tx.InsertWebhookEndpoint(ctx, ep); err != nil {
					return err
				}
			}
			return tx.SoftDeleteWebhookEndpoint(ctx, "we_c", at(1, 0))
		})
		secrets := func() []hubdb.WebhookSecret {
			var got []hubdb.WebhookSecret
			view(t, db, func(tx *hubdb.Tx) (err error) {
				got, err = tx.WebhookSecrets(ctx)
				return err
			})
			return got
		}
		assert.Equal(t, []hubdb.WebhookSecret{
			{EndpointID: "we_a", Secret: "secret-a"},
			{EndpointID: "we_b", SealedSecret: []byte{1, 0, 2}},
			{EndpointID: "we_c", Secret: "secret-c"},
		}, secrets(), "every endpoint's, removed ones too, by id")
		view(t, db, func(tx *hubdb.Tx) error {
			ep, err := tx.WebhookEndpoint(ctx, "we_b")
			assert.Equal(t, hubdb.WebhookEndpoint{
				ID: "we_b", URL: "https://b.example/hook", SealedSecret: []byte{1, 0, 2}, Events: []string{},
				CreatedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
			}, ep)
			return err
		})

		inTx(t, db, func(tx *hubdb.Tx) error { return tx.SealWebhookSecret(ctx, "we_a", []byte{7, 7}) })
		inTx(t, db, func(tx *hubdb.Tx) error { return tx.SealWebhookSecret(ctx, "we_c", []byte{8}) })
		for _, tt := range []struct {
			name, id string
			sealed   []byte
			message  string
		}{
			{"already sealed", "we_b", []byte{5}, "seal webhook secret of we_b (a plaintext one): not found"},
			{"no such endpoint", "we_nope", []byte{5}, "seal webhook secret of we_nope (a plaintext one): not found"},
			{"nothing to store", "we_a", nil, "seal webhook secret of we_a: empty sealed secret"},
		} {
			err := db.InTx(ctx, func(tx *hubdb.Tx) error { return tx.SealWebhookSecret(ctx, tt.id, tt.sealed) })
			assert.EqualError(t, err, tt.message, tt.name)
		}
		assert.Equal(t, []hubdb.WebhookSecret{
			{EndpointID: "we_a", SealedSecret: []byte{7, 7}},
			{EndpointID: "we_b", SealedSecret: []byte{1, 0, 2}},
			{EndpointID: "we_c", SealedSecret: []byte{8}},
		}, secrets(), "the plaintext is gone once sealed")
	})

	t.Run("dead letters: listed, read one by one, redriven", func(t *testing.T) {
		db := outbox(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			if err := tx.InsertWebhookEvent(ctx, hubdb.WebhookEvent{ID: "evt_2", Type: "tradein.graded", CreatedAt: at(1, 0), Body: []byte(`{"n":2}`)}); err != nil {
				return err
			}
			_, err := tx.InsertWebhookDelivery(ctx, "evt_2", "we_a", at(1, 0))
			return err
		})
		// a: 1 dead after two attempts, 3 dead after one; b: 2 dead.
		record(t, db, hubdb.WebhookAttempt{DeliveryID: 1, Number: 1, StartedAt: at(0, 0), StatusCode: 500, Error: "HTTP 500", RetryAt: new(at(2, 0))}, hubdb.WebhookPending, nil)
		record(t, db, hubdb.WebhookAttempt{DeliveryID: 1, Number: 2, StartedAt: at(2, 0), Duration: 3 * time.Millisecond, StatusCode: 502, Error: "HTTP 502"}, hubdb.WebhookDead, new(at(2, 3)))
		record(t, db, hubdb.WebhookAttempt{DeliveryID: 3, Number: 1, StartedAt: at(3, 0), Error: "connection refused"}, hubdb.WebhookDead, new(at(3, 0)))
		record(t, db, hubdb.WebhookAttempt{DeliveryID: 2, Number: 1, StartedAt: at(4, 0), StatusCode: 410, Error: "HTTP 410"}, hubdb.WebhookDead, new(at(4, 0)))

		dead := func(endpointID string) []hubdb.WebhookDelivery {
			var got []hubdb.WebhookDelivery
			view(t, db, func(tx *hubdb.Tx) (err error) {
				got, err = tx.DeadWebhookDeliveries(ctx, endpointID)
				return err
			})
			return got
		}
		firstOfA := hubdb.WebhookDelivery{
			ID: 1, EventID: "evt_1", EventType: "tradein.received", EndpointID: "we_a", State: hubdb.WebhookDead, Attempts: 2,
			NextAttemptAt: time.Date(2026, 3, 1, 12, 0, 2, 0, time.UTC), LastStatus: 502, LastError: "HTTP 502",
			CreatedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), FinishedAt: new(time.Date(2026, 3, 1, 12, 0, 2, 3_000_000, time.UTC)),
			Log: []hubdb.WebhookAttempt{
				{DeliveryID: 1, Number: 1, StartedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), StatusCode: 500, Error: "HTTP 500", RetryAt: new(time.Date(2026, 3, 1, 12, 0, 2, 0, time.UTC))},
				{DeliveryID: 1, Number: 2, StartedAt: time.Date(2026, 3, 1, 12, 0, 2, 0, time.UTC), Duration: 3 * time.Millisecond, StatusCode: 502, Error: "HTTP 502"},
			},
		}
		assert.Equal(t, []hubdb.WebhookDelivery{
			{
				ID: 3, EventID: "evt_2", EventType: "tradein.graded", EndpointID: "we_a", State: hubdb.WebhookDead, Attempts: 1,
				NextAttemptAt: time.Date(2026, 3, 1, 12, 0, 3, 0, time.UTC), LastError: "connection refused",
				CreatedAt: time.Date(2026, 3, 1, 12, 0, 1, 0, time.UTC), FinishedAt: new(time.Date(2026, 3, 1, 12, 0, 3, 0, time.UTC)),
				Log: []hubdb.WebhookAttempt{{DeliveryID: 3, Number: 1, StartedAt: time.Date(2026, 3, 1, 12, 0, 3, 0, time.UTC), Error: "connection refused"}},
			},
			firstOfA,
		}, dead("we_a"), "newest first, with their logs")
		assert.Empty(t, dead("we_nope"))

		view(t, db, func(tx *hubdb.Tx) error {
			one, err := tx.WebhookDelivery(ctx, 1)
			assert.Equal(t, firstOfA, one)
			_, nope := tx.WebhookDelivery(ctx, 99)
			assert.ErrorIs(t, nope, hubdb.ErrNotFound)
			assert.EqualError(t, nope, "webhook delivery 99: not found")
			return err
		})

		redrive := func(endpointID string, deliveryID int64, now time.Time) []int64 {
			var got []int64
			inTx(t, db, func(tx *hubdb.Tx) (err error) {
				got, err = tx.RedriveWebhookDeliveries(ctx, endpointID, deliveryID, now)
				return err
			})
			return got
		}
		assert.Empty(t, redrive("we_a", 2, at(10, 0)), "b's delivery is not a's")
		assert.Equal(t, []int64{3}, redrive("we_a", 3, at(10, 0)))
		assert.Empty(t, redrive("we_a", 3, at(11, 0)), "a pending delivery is not redriven")
		assert.Equal(t, []int64{1}, redrive("we_a", 0, at(12, 0)), "0: every dead one")
		assert.Equal(t, []int64{2}, redrive("we_b", 0, at(12, 0)))

		got := deliveries(t, db, "we_a")
		assert.Equal(t, hubdb.WebhookDelivery{
			ID: 1, EventID: "evt_1", EventType: "tradein.received", EndpointID: "we_a", State: hubdb.WebhookPending, Redrives: 1,
			NextAttemptAt: time.Date(2026, 3, 1, 12, 0, 12, 0, time.UTC), CreatedAt: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
			Log: firstOfA.Log,
		}, got[1], "pending, due now, no attempts, no last result; the log stays")
		assert.Equal(t, time.Date(2026, 3, 1, 12, 0, 10, 0, time.UTC), got[0].NextAttemptAt)
		assert.Empty(t, dead("we_a"))
		assert.Len(t, claim(t, db, "we_a", at(12, 0), time.Minute, 10), 2, "back in the queue")

		// An attempt after the redrive counts from 1 again; its log number
		// goes on from the last one.
		record(t, db, hubdb.WebhookAttempt{DeliveryID: 1, Number: 3, StartedAt: at(13, 0), StatusCode: 500, Error: "HTTP 500"}, hubdb.WebhookDead, new(at(13, 0)))
		one := deliveries(t, db, "we_a")[1]
		assert.Equal(t, 1, one.Attempts)
		assert.Equal(t, []int{1, 2, 3}, []int{one.Log[0].Number, one.Log[1].Number, one.Log[2].Number})
		assert.Equal(t, []int64{1}, redrive("we_a", 1, at(14, 0)))
		assert.Equal(t, 2, deliveries(t, db, "we_a")[1].Redrives)
		assert.Equal(t, []hubdb.ClaimedWebhookDelivery{
			{ID: 1, EventID: "evt_1", EndpointID: "we_a", Attempts: 0, Logged: 3, URL: "https://a.example/hook", Secret: "secret-a", Body: []byte(`{"n":1}`)},
		}, claim(t, db, "we_a", at(14, 0), time.Minute, 10))
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
