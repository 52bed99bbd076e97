package hubdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
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
	ID  string
	URL string
	// The signing secret as stored, exactly one of the two: SealedSecret
	// as the dispatcher sealed it, or Secret in plaintext in a row
	// written before secrets were sealed (or by a dispatcher without a
	// key). This package never sees the key.
	Secret       string
	SealedSecret []byte
	Events       []string // the event types it wants; empty: every type
	CreatedAt    time.Time
	DeletedAt    *time.Time // nil while registered
}

// WebhookSecret is an endpoint's stored signing secret, as
// WebhookEndpoint holds it.
type WebhookSecret struct {
	EndpointID   string
	Secret       string // plaintext, or "" once sealed
	SealedSecret []byte // nil while plaintext
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
	Attempts      int       // made since it was queued or last redriven
	Redrives      int       // times it was put back after dead-lettering
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
	Number     int // from 1, across redrives
	StartedAt  time.Time
	Duration   time.Duration // kept in whole milliseconds
	StatusCode int           // 0: no HTTP response
	Error      string
	RetryAt    *time.Time // when the next attempt is due; nil if none is
}

// WebhookQueue is one registered endpoint's queue of pending deliveries.
type WebhookQueue struct {
	EndpointID string
	NextDue    time.Time // of its earliest pending delivery, leased ones too
}

// ClaimedWebhookDelivery is a delivery leased for an attempt, with what
// the POST needs.
type ClaimedWebhookDelivery struct {
	ID         int64
	EventID    string
	EndpointID string
	Attempts   int // made before this one since queued or redriven
	Logged     int // attempts in its log, across redrives
	URL        string
	// The endpoint's secret as stored: see WebhookEndpoint.
	Secret       string
	SealedSecret []byte
	Body         []byte
}

// InsertWebhookEndpoint registers ep; DeletedAt is ignored. Exactly one of
// Secret and SealedSecret must be set.
func (tx *Tx) InsertWebhookEndpoint(ctx context.Context, ep WebhookEndpoint) error {
	if (ep.Secret == "") == (len(ep.SealedSecret) == 0) {
		return fmt.Errorf("insert webhook endpoint %s: want exactly one of a plaintext and a sealed secret", ep.ID)
	}
	events := ep.Events
	if events == nil {
		events = []string{} // "null" would not read back as "every type"
	}
	evJSON, err := json.Marshal(events)
	if err != nil {
		return fmt.Errorf("insert webhook endpoint %s: events: %w", ep.ID, err)
	}
	var sealed any // NULL, not an empty blob, marks a plaintext secret
	if len(ep.SealedSecret) > 0 {
		sealed = ep.SealedSecret
	}
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO webhook_endpoints(id, url, secret, sealed_secret, events, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		ep.ID, ep.URL, ep.Secret, sealed, string(evJSON), ep.CreatedAt.UnixMilli()); err != nil {
		return fmt.Errorf("insert webhook endpoint %s: %w", ep.ID, err)
	}
	return nil
}

const webhookEndpointColumns = `id, url, secret, sealed_secret, events, created_at, deleted_at`

func scanWebhookEndpoint(row interface{ Scan(...any) error }) (WebhookEndpoint, error) {
	var ep WebhookEndpoint
	var events string
	var created int64
	var deleted sql.NullInt64
	if err := row.Scan(&ep.ID, &ep.URL, &ep.Secret, &ep.SealedSecret, &events, &created, &deleted); err != nil {
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

// WebhookSecrets lists the stored secret of every endpoint ever
// registered, removed ones too (their secrets are still at rest), by id.
func (tx *Tx) WebhookSecrets(ctx context.Context) ([]WebhookSecret, error) {
	return sqlitedb.QueryRows(ctx, tx.tx, "webhook secrets", func(rows *sql.Rows) (WebhookSecret, error) {
		var s WebhookSecret
		err := rows.Scan(&s.EndpointID, &s.Secret, &s.SealedSecret)
		return s, err
	}, `SELECT id, secret, sealed_secret FROM webhook_endpoints ORDER BY id`)
}

// SealWebhookSecret replaces the plaintext secret of endpoint id, removed
// or not, by sealed. It reports ErrNotFound unless that endpoint exists
// and its secret is still plaintext: sealing twice would lose the secret.
func (tx *Tx) SealWebhookSecret(ctx context.Context, id string, sealed []byte) error {
	if len(sealed) == 0 {
		return fmt.Errorf("seal webhook secret of %s: empty sealed secret", id)
	}
	res, err := tx.tx.ExecContext(ctx, `UPDATE webhook_endpoints SET sealed_secret = ?, secret = '' WHERE id = ? AND sealed_secret IS NULL`, sealed, id)
	if err != nil {
		return fmt.Errorf("seal webhook secret of %s: %w", id, err)
	}
	return webhookAffectedOne(res, "seal webhook secret of %s (a plaintext one)", id)
}

// webhookAffectedOne reports ErrNotFound when res changed no row.
func webhookAffectedOne(res sql.Result, format string, args ...any) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf(format+": %w", append(args, err)...)
	}
	if n == 0 {
		return fmt.Errorf(format+": %w", append(args, ErrNotFound)...)
	}
	return nil
}

// SoftDeleteWebhookEndpoint marks the registered endpoint id removed at
// at, or reports ErrNotFound if no registered endpoint has that id. The
// row stays so that its deliveries keep their endpoint.
func (tx *Tx) SoftDeleteWebhookEndpoint(ctx context.Context, id string, at time.Time) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE webhook_endpoints SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL`, at.UnixMilli(), id)
	if err != nil {
		return fmt.Errorf("remove webhook endpoint %s: %w", id, err)
	}
	return webhookAffectedOne(res, "remove webhook endpoint %s", id)
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
	var id int64
	err := tx.tx.QueryRowContext(ctx,
		`INSERT INTO webhook_deliveries(event_id, endpoint_id, state, next_attempt_at, created_at) VALUES (?, ?, 'pending', ?, ?) RETURNING id`,
		eventID, endpointID, at.UnixMilli(), at.UnixMilli()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("queue webhook event %s for %s: %w", eventID, endpointID, err)
	}
	return id, nil
}

// WebhookQueues lists the registered endpoints that have pending
// deliveries, each with when its earliest one is due, earliest first
// (then by endpoint id). A leased delivery counts at its lease's end.
func (tx *Tx) WebhookQueues(ctx context.Context) ([]WebhookQueue, error) {
	// One index seek per endpoint (webhook_deliveries_queue) rather than a
	// scan of every pending row: a dead endpoint's backlog stays cheap.
	return sqlitedb.QueryRows(ctx, tx.tx, "webhook queues", func(rows *sql.Rows) (WebhookQueue, error) {
		var q WebhookQueue
		var due int64
		err := rows.Scan(&q.EndpointID, &due)
		q.NextDue = webhookTime(due)
		return q, err
	}, `SELECT id, due FROM (
			SELECT e.id, (SELECT MIN(d.next_attempt_at) FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.state = 'pending') AS due
			FROM webhook_endpoints e WHERE e.deleted_at IS NULL) AS queues
		WHERE due IS NOT NULL ORDER BY due, id`)
}

// ClaimDueWebhookDeliveries picks up to limit pending deliveries to the
// registered endpoint endpointID that are due at now, earliest first, and
// leases them: their due time moves to now+lease, so that no other claim
// takes them meanwhile and, if the process dies mid-attempt, they come due
// again by themselves (at-least-once).
func (tx *Tx) ClaimDueWebhookDeliveries(ctx context.Context, endpointID string, now time.Time, lease time.Duration, limit int) ([]ClaimedWebhookDelivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	// Read everything before writing: a SQLite transaction has one connection.
	claimed, err := sqlitedb.QueryRows(ctx, tx.tx, "due webhook deliveries to "+endpointID, func(rows *sql.Rows) (ClaimedWebhookDelivery, error) {
		var c ClaimedWebhookDelivery
		err := rows.Scan(&c.ID, &c.EventID, &c.EndpointID, &c.Attempts, &c.Logged, &c.URL, &c.Secret, &c.SealedSecret, &c.Body)
		return c, err
	}, `SELECT d.id, d.event_id, d.endpoint_id, d.attempts,
			(SELECT COALESCE(MAX(a.number), 0) FROM webhook_attempts a WHERE a.delivery_id = d.id),
			e.url, e.secret, e.sealed_secret, ev.body
		FROM webhook_deliveries d
		JOIN webhook_endpoints e ON e.id = d.endpoint_id
		JOIN webhook_events ev ON ev.id = d.event_id
		WHERE d.endpoint_id = ? AND d.state = 'pending' AND d.next_attempt_at <= ? AND e.deleted_at IS NULL
		ORDER BY d.next_attempt_at, d.id LIMIT ?`, endpointID, now.UnixMilli(), limit)
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
// its attempts go up by one, it is next due at a.RetryAt (or a.StartedAt
// when no retry is scheduled), and finishedAt is when it ended, nil while
// pending. A delivery no longer pending (its endpoint was removed while
// the attempt was in flight) keeps its state: only the attempt is logged.
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
		`UPDATE webhook_deliveries SET state = ?, attempts = attempts + 1, next_attempt_at = ?, last_status = ?, last_error = ?, finished_at = ? WHERE id = ? AND state = 'pending'`,
		state, next.UnixMilli(), a.StatusCode, a.Error, webhookNullMS(finishedAt), a.DeliveryID); err != nil {
		return fmt.Errorf("record webhook delivery %d attempt %d: %w", a.DeliveryID, a.Number, err)
	}
	return nil
}

// RedriveWebhookDeliveries puts dead-lettered deliveries to endpointID
// back in its queue, due at now with no attempts made and no last result,
// and returns their ids in order. deliveryID 0 redrives every dead one;
// another redrives that delivery only if it is a dead one of endpointID.
// Their attempt logs stay.
func (tx *Tx) RedriveWebhookDeliveries(ctx context.Context, endpointID string, deliveryID int64, now time.Time) ([]int64, error) {
	what := "redrive dead webhook deliveries to " + endpointID
	ids, err := sqlitedb.QueryRows(ctx, tx.tx, what, func(rows *sql.Rows) (int64, error) {
		var id int64
		err := rows.Scan(&id)
		return id, err
	}, `UPDATE webhook_deliveries
		SET state = 'pending', attempts = 0, next_attempt_at = ?, last_status = 0, last_error = '', finished_at = NULL, redrives = redrives + 1
		WHERE endpoint_id = ? AND state = 'dead' AND (? = 0 OR id = ?)
		RETURNING id`, now.UnixMilli(), endpointID, deliveryID, deliveryID)
	if err != nil {
		return nil, err
	}
	slices.Sort(ids) // RETURNING has no order
	return ids, nil
}

// WebhookDelivery returns delivery id with its attempt log, or
// ErrNotFound.
func (tx *Tx) WebhookDelivery(ctx context.Context, id int64) (WebhookDelivery, error) {
	ds, err := tx.webhookDeliveries(ctx, fmt.Sprintf("webhook delivery %d", id), `d.id = ?`, id)
	if err != nil {
		return WebhookDelivery{}, err
	}
	if len(ds) == 0 {
		return WebhookDelivery{}, fmt.Errorf("webhook delivery %d: %w", id, ErrNotFound)
	}
	return ds[0], nil
}

// WebhookDeliveries lists the deliveries to endpointID (removed or not),
// newest first, each with its attempts in order.
func (tx *Tx) WebhookDeliveries(ctx context.Context, endpointID string) ([]WebhookDelivery, error) {
	return tx.webhookDeliveries(ctx, "webhook deliveries to "+endpointID, `d.endpoint_id = ?`, endpointID)
}

// DeadWebhookDeliveries lists the dead-lettered deliveries to endpointID
// (removed or not), newest first, each with its attempts in order.
func (tx *Tx) DeadWebhookDeliveries(ctx context.Context, endpointID string) ([]WebhookDelivery, error) {
	return tx.webhookDeliveries(ctx, "dead webhook deliveries to "+endpointID, `d.endpoint_id = ? AND d.state = 'dead'`, endpointID)
}

// webhookDeliveries reads the deliveries matching where (a condition on
// d, the deliveries, with args), newest first, and their attempt logs.
func (tx *Tx) webhookDeliveries(ctx context.Context, what, where string, args ...any) ([]WebhookDelivery, error) {
	out, err := sqlitedb.QueryRows(ctx, tx.tx, what, func(rows *sql.Rows) (WebhookDelivery, error) {
		var d WebhookDelivery
		var next, created int64
		var finished sql.NullInt64
		if err := rows.Scan(&d.ID, &d.EventID, &d.EventType, &d.EndpointID, &d.State, &d.Attempts, &d.Redrives, &next, &d.LastStatus, &d.LastError, &created, &finished); err != nil {
			return WebhookDelivery{}, err
		}
		d.NextAttemptAt, d.CreatedAt, d.FinishedAt = webhookTime(next), webhookTime(created), webhookNullTime(finished)
		return d, nil
	}, `SELECT d.id, d.event_id, ev.type, d.endpoint_id, d.state, d.attempts, d.redrives, d.next_attempt_at, d.last_status, d.last_error, d.created_at, d.finished_at
		FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
		WHERE `+where+` ORDER BY d.id DESC`, args...)
	if err != nil || len(out) == 0 {
		return out, err
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
		WHERE `+where+` ORDER BY a.delivery_id, a.number`, args...)
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
