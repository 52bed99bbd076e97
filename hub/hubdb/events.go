package hubdb

import (
	"context"
	"fmt"
	"time"

	"github.com/intakebench/intakebench/internal/dbtime"
)

// Event is an event a bench pushed, applied or rejected, with the answer
// the hub gave.
type Event struct {
	TokenID    int64
	Bench      string // the bench of the token it came under
	Seq        int64
	Key        string
	BodyHash   string
	Kind       string
	TradeInID  string
	Operator   string
	At         time.Time
	Payload    []byte
	Status     string // applied or rejected
	Result     []byte // the wire.EventResult given, JSON
	ReceivedAt time.Time
}

// InsertEvent records an event with its answer.
func (tx *Tx) InsertEvent(ctx context.Context, e Event) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO events (token_id, seq, key, body_hash, bench, kind, tradein_id, operator, at, payload, status, result, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.TokenID, e.Seq, e.Key, e.BodyHash, e.Bench, e.Kind, e.TradeInID,
		e.Operator, dbtime.Format(e.At), string(e.Payload), e.Status, e.Result, dbtime.Format(e.ReceivedAt))
	if err != nil {
		return fmt.Errorf("record event %d of %s: %w", e.Seq, e.Bench, err)
	}
	// An applied request for photos puts its trade-in's review in another
	// state (PhotosAsked).
	if e.Status == "applied" {
		tx.touchReview(e.TradeInID, e.ReceivedAt)
	}
	return nil
}

// EventByKey finds an event by its idempotency key, or ErrNotFound. Its
// Bench is the bench of the token it came under.
func (tx *Tx) EventByKey(ctx context.Context, key string) (Event, error) {
	e := Event{Key: key}
	err := tx.tx.QueryRowContext(ctx, `SELECT e.token_id, e.seq, e.body_hash, e.result, t.bench FROM events e
		JOIN bench_tokens t ON t.id = e.token_id WHERE e.key = ?`, key).Scan(&e.TokenID, &e.Seq, &e.BodyHash, &e.Result, &e.Bench)
	if err := notFound(err, "event %s", key); err != nil {
		return Event{}, err
	}
	return e, nil
}

// BenchEvents lists the events recorded from the bench called name, across
// its enrollments, in the order they arrived: Seq, Key, Kind, Status and
// Result are set.
func (tx *Tx) BenchEvents(ctx context.Context, name string) ([]Event, error) {
	rows, err := tx.tx.QueryContext(ctx, `SELECT e.token_id, e.seq, e.key, e.kind, e.status, e.result FROM events e
		JOIN bench_tokens t ON t.id = e.token_id WHERE t.bench = ? ORDER BY e.token_id, e.seq`, name)
	if err != nil {
		return nil, fmt.Errorf("read events of %s: %w", name, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e := Event{Bench: name}
		if err := rows.Scan(&e.TokenID, &e.Seq, &e.Key, &e.Kind, &e.Status, &e.Result); err != nil {
			return nil, fmt.Errorf("read events of %s: %w", name, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// InsertBlob stores content under its SHA-256 and reports whether it is
// new: the same content again changes nothing but the time it was last
// put, at, which is what its collection goes by. A bench uploads a photo
// again before each push of its event, so a blob that waits for its event
// is never old.
func (tx *Tx) InsertBlob(ctx context.Context, sum, mime string, data []byte, bench string, at time.Time) (bool, error) {
	stamp := dbtime.Format(at)
	// The stamp is fixed-width, so SQLite rewrites the row in place and
	// only the page that holds the stamp, not the content.
	res, err := tx.tx.ExecContext(ctx, `UPDATE blobs SET created_at = ? WHERE sha256 = ? AND created_at < ?`, stamp, sum, stamp)
	if err != nil {
		return false, fmt.Errorf("touch blob %s: %w", sum, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return false, err
	}
	res, err = tx.tx.ExecContext(ctx, `INSERT INTO blobs (sha256, size, mime, data, bench, created_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (sha256) DO NOTHING`, sum, len(data), mime, data, bench, stamp)
	if err != nil {
		return false, fmt.Errorf("store blob %s: %w", sum, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DeleteUnreferencedBlobs deletes at most limit blobs last put before
// before that no photo references (a bench's or a customer's), oldest first, and returns how many it
// deleted.
func (tx *Tx) DeleteUnreferencedBlobs(ctx context.Context, before time.Time, limit int) (int, error) {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM blobs WHERE id IN (
		SELECT b.id FROM blobs b WHERE b.created_at < ? AND NOT EXISTS (SELECT 1 FROM photos p WHERE p.sha256 = b.sha256)
		AND NOT EXISTS (SELECT 1 FROM customer_photos c WHERE c.sha256 = b.sha256)
		ORDER BY b.created_at LIMIT ?)`, dbtime.Format(before), limit)
	if err != nil {
		return 0, fmt.Errorf("delete unreferenced blobs: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// Blob returns a blob's content and media type, or ErrNotFound.
func (tx *Tx) Blob(ctx context.Context, sum string) ([]byte, string, error) {
	var data []byte
	var mime string
	err := tx.tx.QueryRowContext(ctx, `SELECT data, mime FROM blobs WHERE sha256 = ?`, sum).Scan(&data, &mime)
	if err := notFound(err, "blob %s", sum); err != nil {
		return nil, "", err
	}
	return data, mime, nil
}

// BlobMIME returns the media type of a blob, or ErrNotFound.
func (tx *Tx) BlobMIME(ctx context.Context, sum string) (string, error) {
	var mime string
	err := tx.tx.QueryRowContext(ctx, `SELECT mime FROM blobs WHERE sha256 = ?`, sum).Scan(&mime)
	if err := notFound(err, "blob %s", sum); err != nil {
		return "", err
	}
	return mime, nil
}
