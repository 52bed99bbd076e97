package hubdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/intakebench/intakebench/internal/sqlitedb"
)

// The webhook outbox keeps its times as unix milliseconds (INTEGER), not
// as dbtime text: the due-time index compares integers, and the stored
// rows of existing hubs are in that form.

// States of a webhook delivery, as webhook_deliveries' CHECK spells them.
const (
	WebhookPending   = "pending"
	WebhookDelivered = "delivered"
	WebhookDead      = "dead"      // gave up after the last attempt
	WebhookCancelled = "cancelled" // its endpoint was removed first
)

// WebhookEndpoint is a registered receiver of webhooks.
type WebhookEndpoint struct {
	ID        string
	URL       string
	Secret    string
	Events    []string // the event types it wants; empty: every type
	CreatedAt time.Time
	DeletedAt *time.Time // nil while registered
}

// WebhookEvent is an event as every endpoint receives it.
type WebhookEvent struct {
	ID        string
	Type      string
	CreatedAt time.Time
	Body      []byte // the exact bytes POSTed, signed as they are
}

// WebhookDelivery is one event's delivery to one endpoint.
type WebhookDelivery struct {
	ID            int64
	EventID       string
	EventType     string
	EndpointID    string
	State         string
	Attempts      int       // made so far
	NextAttemptAt time.Time // meaningful while pending only
	LastStatus    int
	LastError     string
	CreatedAt     time.Time
	FinishedAt    *time.Time // set once delivered, dead or cancelled
	Log           []WebhookAttempt
}

// WebhookAttempt is one logged attempt of a delivery.
type WebhookAttempt struct {
	DeliveryID int64
	Number     int // from 1
	StartedAt  time.Time
	Duration   time.Duration // kept in whole milliseconds
	StatusCode int           // 0: no HTTP response
	Error      string
	RetryAt    *time.Time // when the next attempt is due; nil if none is
}

// ClaimedWebhookDelivery is a delivery leased for an attempt, with what
// the POST needs.
type ClaimedWebhookDelivery struct {
	ID       int64
	EventID  string
	Attempts int // made before this one
	URL      string
	Secret   string
	Body     []byte
}

// InsertWebhookEndpoint registers ep; DeletedAt is ignored.
func (tx *Tx) InsertWebhookEndpoint(ctx context.Context, ep WebhookEndpoint) error {
	events := ep.Events
	if events == nil {
		events = []string{} // "null" would not read back as "every type"
	}
	evJSON, err := json.Marshal(events)
	if err != nil {
		return fmt.Errorf("insert webhook endpoint %s: events: %w", ep.ID, err)
	}
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO webhook_endpoints(id, url, secret, events, created_at) VALUES (?, ?, ?, ?, ?)`,
		ep.ID, ep.URL, ep.Secret, string(evJSON), ep.CreatedAt.UnixMilli()); err != nil {
		return fmt.Errorf("insert webhook endpoint %s: %w", ep.ID, err)
	}
	return nil
}

const webhookEndpointColumns = `id, url, secret, events, created_at, deleted_at`

func scanWebhookEndpoint(row interface{ Scan(...any) error }) (WebhookEndpoint, error) {
	var ep WebhookEndpoint
	var events string
	var created int64
	var deleted sql.NullInt64
	if err := row.Scan(&ep.ID, &ep.URL, &ep.Secret, &events, &created, &deleted); err != nil {
		return WebhookEndpoint{}, err
	}
	if err := json.Unmarshal([]byte(events), &ep.Events); err != nil {
		return WebhookEndpoint{}, fmt.Errorf("endpoint %s events: %w", ep.ID, err)
	}
	if ep.Events == nil {
		ep.Events = []string{}
	}
	ep.CreatedAt = webhookTime(created)
	ep.DeletedAt = webhookNullTime(deleted)
	return ep, nil
}

// WebhookEndpoint returns the endpoint called id, removed or not, or
// ErrNotFound: a removed endpoint's delivery log stays readable.
func (tx *Tx) WebhookEndpoint(ctx context.Context, id string) (WebhookEndpoint, error) {
	ep, err := scanWebhookEndpoint(tx.tx.QueryRowContext(ctx, `SELECT `+webhookEndpointColumns+` FROM webhook_endpoints WHERE id = ?`, id))
	if err := notFound(err, "webhook endpoint %s", id); err != nil {
		return WebhookEndpoint{}, err
	}
	return ep, nil
}

// WebhookEndpoints lists the registered (not removed) endpoints, oldest
// first.
func (tx *Tx) WebhookEndpoints(ctx context.Context) ([]WebhookEndpoint, error) {
	return sqlitedb.QueryRows(ctx, tx.tx, "webhook endpoints", func(rows *sql.Rows) (WebhookEndpoint, error) {
		return scanWebhookEndpoint(rows)
	}, `SELECT `+webhookEndpointColumns+` FROM webhook_endpoints WHERE deleted_at IS NULL ORDER BY created_at, id`)
}

// SoftDeleteWebhookEndpoint marks the registered endpoint id removed at
// at, or reports ErrNotFound if no registered endpoint has that id. The
// row stays so that its deliveries keep their endpoint.
func (tx *Tx) SoftDeleteWebhookEndpoint(ctx context.Context, id string, at time.Time) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE webhook_endpoints SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL`, at.UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("remove webhook endpoint %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("remove webhook endpoint %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("remove webhook endpoint %s: %w", id, ErrNotFound)
	}
	return nil
}

// CancelPendingWebhookDeliveries cancels, as of at, the deliveries to
// endpointID not yet made, and returns how many it cancelled. Delivered
// and dead ones keep their state.
func (tx *Tx) CancelPendingWebhookDeliveries(ctx context.Context, endpointID string, at time.Time) (int, error) {
	res, err := tx.tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'cancelled', finished_at = ? WHERE endpoint_id = ? AND state = 'pending'`,
		at.UnixMilli(), endpointID)
	if err != nil {
		return 0, fmt.Errorf("cancel webhook deliveries to %s: %w", endpointID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("cancel webhook deliveries to %s: %w", endpointID, err)
	}
	return int(n), nil
}

// InsertWebhookEvent records an event.
func (tx *Tx) InsertWebhookEvent(ctx context.Context, ev WebhookEvent) error {
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO webhook_events(id, type, created_at, body) VALUES (?, ?, ?, ?)`,
		ev.ID, ev.Type, ev.CreatedAt.UnixMilli(), ev.Body); err != nil {
		return fmt.Errorf("insert webhook event %s: %w", ev.ID, err)
	}
	return nil
}

// CountWebhookEvents is how many events the outbox holds, e.g. to show
// that a refused publish stored nothing.
func (tx *Tx) CountWebhookEvents(ctx context.Context) (int, error) {
	var n int
	if err := tx.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_events`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count webhook events: %w", err)
	}
	return n, nil
}

// InsertWebhookDelivery queues the event eventID for endpointID, created
// and due at at, and returns the delivery's id. An event is queued for an
// endpoint at most once: a second insert fails.
func (tx *Tx) InsertWebhookDelivery(ctx context.Context, eventID, endpointID string, at time.Time) (int64, error) {
	res, err := tx.tx.ExecContext(ctx,
		`INSERT INTO webhook_deliveries(event_id, endpoint_id, state, next_attempt_at, created_at) VALUES (?, ?, 'pending', ?, ?)`,
		eventID, endpointID, at.UnixMilli(), at.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("queue webhook event %s for %s: %w", eventID, endpointID, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("queue webhook event %s for %s: %w", eventID, endpointID, err)
	}
	return id, nil
}

// NextWebhookDue is when the earliest pending delivery is due; false if
// none is pending.
func (tx *Tx) NextWebhookDue(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	if err := tx.tx.QueryRowContext(ctx, `SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE state = 'pending'`).Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("next webhook delivery due: %w", err)
	}
	if !next.Valid {
		return time.Time{}, false, nil
	}
	return webhookTime(next.Int64), true, nil
}

// ClaimDueWebhookDeliveries picks up to limit pending deliveries due at
// now, earliest first, and leases them: their due time moves to now+lease,
// so that no other claim takes them meanwhile and, if the process dies
// mid-attempt, they come due again by themselves (at-least-once).
func (tx *Tx) ClaimDueWebhookDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]ClaimedWebhookDelivery, error) {
	// Read everything before writing: a SQLite transaction has one connection.
	claimed, err := sqlitedb.QueryRows(ctx, tx.tx, "due webhook deliveries", func(rows *sql.Rows) (ClaimedWebhookDelivery, error) {
		var c ClaimedWebhookDelivery
		err := rows.Scan(&c.ID, &c.EventID, &c.Attempts, &c.URL, &c.Secret, &c.Body)
		return c, err
	}, `SELECT d.id, d.event_id, d.attempts, e.url, e.secret, ev.body
		FROM webhook_deliveries d
		JOIN webhook_endpoints e ON e.id = d.endpoint_id
		JOIN webhook_events ev ON ev.id = d.event_id
		WHERE d.state = 'pending' AND d.next_attempt_at <= ?
		ORDER BY d.next_attempt_at, d.id LIMIT ?`, now.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("claim webhook deliveries: %w", err)
	}
	until := now.Add(lease).UnixMilli()
	for _, c := range claimed {
		if _, err := tx.tx.ExecContext(ctx, `UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ?`, until, c.ID); err != nil {
			return nil, fmt.Errorf("claim webhook deliveries: lease %d: %w", c.ID, err)
		}
	}
	return claimed, nil
}

// ReleaseWebhookDelivery makes the pending delivery id due at due again,
// ending its lease early: for an attempt abandoned at shutdown, which does
// not count.
func (tx *Tx) ReleaseWebhookDelivery(ctx context.Context, id int64, due time.Time) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ? AND state = 'pending'`,
		due.UnixMilli(), id); err != nil {
		return fmt.Errorf("release webhook delivery %d: %w", id, err)
	}
	return nil
}

// RecordWebhookAttempt logs attempt a and moves its delivery to state:
// its attempts become a.Number, it is next due at a.RetryAt (or
// a.StartedAt when no retry is scheduled), and finishedAt is when it
// ended, nil while pending. A delivery no longer pending (its endpoint was
// removed while the attempt was in flight) keeps its state: only the
// attempt is logged.
func (tx *Tx) RecordWebhookAttempt(ctx context.Context, a WebhookAttempt, state string, finishedAt *time.Time) error {
	if _, err := tx.tx.ExecContext(ctx,
		`INSERT INTO webhook_attempts(delivery_id, number, started_at, duration_ms, status_code, error, retry_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		a.DeliveryID, a.Number, a.StartedAt.UnixMilli(), a.Duration.Milliseconds(), a.StatusCode, a.Error, webhookNullMS(a.RetryAt)); err != nil {
		return fmt.Errorf("record webhook delivery %d attempt %d: %w", a.DeliveryID, a.Number, err)
	}
	next := a.StartedAt
	if a.RetryAt != nil {
		next = *a.RetryAt
	}
	if _, err := tx.tx.ExecContext(ctx,
		`UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt_at = ?, last_status = ?, last_error = ?, finished_at = ? WHERE id = ? AND state = 'pending'`,
		state, a.Number, next.UnixMilli(), a.StatusCode, a.Error, webhookNullMS(finishedAt), a.DeliveryID); err != nil {
		return fmt.Errorf("record webhook delivery %d attempt %d: %w", a.DeliveryID, a.Number, err)
	}
	return nil
}

// WebhookDeliveries lists the deliveries to endpointID (removed or not),
// newest first, each with its attempts in order.
func (tx *Tx) WebhookDeliveries(ctx context.Context, endpointID string) ([]WebhookDelivery, error) {
	what := "webhook deliveries to " + endpointID
	out, err := sqlitedb.QueryRows(ctx, tx.tx, what, func(rows *sql.Rows) (WebhookDelivery, error) {
		var d WebhookDelivery
		var next, created int64
		var finished sql.NullInt64
		if err := rows.Scan(&d.ID, &d.EventID, &d.EventType, &d.EndpointID, &d.State, &d.Attempts, &next, &d.LastStatus, &d.LastError, &created, &finished); err != nil {
			return WebhookDelivery{}, err
		}
		d.NextAttemptAt, d.CreatedAt, d.FinishedAt = webhookTime(next), webhookTime(created), webhookNullTime(finished)
		return d, nil
	}, `SELECT d.id, d.event_id, ev.type, d.endpoint_id, d.state, d.attempts, d.next_attempt_at, d.last_status, d.last_error, d.created_at, d.finished_at
		FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
		WHERE d.endpoint_id = ? ORDER BY d.id DESC`, endpointID)
	if err != nil {
		return nil, err
	}
	attempts, err := sqlitedb.QueryRows(ctx, tx.tx, "attempts of "+what, func(rows *sql.Rows) (WebhookAttempt, error) {
		var a WebhookAttempt
		var started, durationMS int64
		var retry sql.NullInt64
		if err := rows.Scan(&a.DeliveryID, &a.Number, &started, &durationMS, &a.StatusCode, &a.Error, &retry); err != nil {
			return WebhookAttempt{}, err
		}
		a.StartedAt, a.Duration, a.RetryAt = webhookTime(started), time.Duration(durationMS)*time.Millisecond, webhookNullTime(retry)
		return a, nil
	}, `SELECT a.delivery_id, a.number, a.started_at, a.duration_ms, a.status_code, a.error, a.retry_at
		FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
		WHERE d.endpoint_id = ? ORDER BY a.delivery_id, a.number`, endpointID)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]int, len(out))
	for i := range out {
		byID[out[i].ID] = i
	}
	for _, a := range attempts {
		if i, ok := byID[a.DeliveryID]; ok {
			out[i].Log = append(out[i].Log, a)
		}
	}
	return out, nil
}

func webhookTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func webhookNullTime(ms sql.NullInt64) *time.Time {
	if !ms.Valid {
		return nil
	}
	t := webhookTime(ms.Int64)
	return &t
}

func webhookNullMS(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}
