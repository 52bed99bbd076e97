package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/dbtime"
	"github.com/intakebench/intakebench/internal/sqlitedb"
)

// The hub's review queue and quarantine shelf, kept at every bench so that
// a supervisor sees the devices other benches rerouted or set aside
// (migrations 0008, 0011). They come on the changes feed with the
// trade-ins, an item at a time, and ApplyChanges keeps them: the hub's
// word is the truth, and a resync sweeps what it no longer sends. The only
// thing this bench adds is its own decisions not yet settled by the hub,
// which hide an item it decided (or mark it photos-requested) until the
// hub's queue says so.

// applyQueue applies a page's review queue and quarantine shelf changes in
// tx, upserts with pull generation gen. An item whose decision made here
// still waits in the outbox keeps the state it was decided to.
func applyQueue(ctx context.Context, tx *sql.Tx, c Changes, gen int64) error {
	for i, r := range c.Reviews {
		if r.TradeIn.ID == "" || !r.State.AwaitsSupervisor() {
			return fmt.Errorf("review queue item %d (%q, %s): not a trade-in waiting for a supervisor", i, r.TradeIn.ID, r.State)
		}
		id := r.TradeIn.ID
		// The trade-in is the cache's (tradeins), joined when read.
		r.TradeIn, r.Remote = intake.TradeIn{}, false
		doc, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("encode review of %s: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO remote_reviews (tradein_id, state, bench, since, doc, pull_gen) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (tradein_id) DO UPDATE SET state = excluded.state, bench = excluded.bench, since = excluded.since,
				doc = excluded.doc, pull_gen = excluded.pull_gen`,
			id, string(r.State), r.Grading.Bench, dbtime.Format(r.Grading.At), doc, gen); err != nil {
			return fmt.Errorf("keep review of %s: %w", id, err)
		}
	}
	for _, id := range c.DeletedReviews {
		if _, err := tx.ExecContext(ctx, `DELETE FROM remote_reviews WHERE tradein_id = ?`, id); err != nil {
			return fmt.Errorf("drop review of %s: %w", id, err)
		}
	}
	if len(c.Reviews) > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE remote_reviews SET state = (
				SELECT d.to_state FROM remote_decisions d JOIN outbox o ON o.key = d.event_key
				WHERE d.tradein_id = remote_reviews.tradein_id AND o.state = 'pending' ORDER BY d.id DESC LIMIT 1)
			WHERE tradein_id IN (SELECT d.tradein_id FROM remote_decisions d JOIN outbox o ON o.key = d.event_key
				WHERE o.state = 'pending')`); err != nil {
			return fmt.Errorf("keep the decisions not yet sent: %w", err)
		}
	}
	for i, q := range c.Quarantines {
		if q.EventKey == "" {
			return fmt.Errorf("quarantined device %d (scan %.80q): without an event key", i, q.Scan)
		}
		doc, err := json.Marshal(q)
		if err != nil {
			return fmt.Errorf("encode quarantine %s: %w", q.EventKey, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO remote_quarantines (event_key, bench, at, doc, pull_gen) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (event_key) DO UPDATE SET bench = excluded.bench, at = excluded.at, doc = excluded.doc,
				pull_gen = excluded.pull_gen`,
			q.EventKey, q.Bench, dbtime.Format(q.At), doc, gen); err != nil {
			return fmt.Errorf("keep quarantine %s: %w", q.EventKey, err)
		}
	}
	for _, key := range c.DeletedQuarantines {
		if _, err := tx.ExecContext(ctx, `DELETE FROM remote_quarantines WHERE event_key = ?`, key); err != nil {
			return fmt.Errorf("drop quarantine %s: %w", key, err)
		}
	}
	return noteLogRead(ctx, tx, c)
}

// noteLogRead keeps when the hub's log was read to its end (c.ReadAt of a
// complete page), for hubSays.
func noteLogRead(ctx context.Context, tx *sql.Tx, c Changes) error {
	if !c.Complete || c.ReadAt.IsZero() {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
		metaLogReadAt, dbtime.Format(c.ReadAt)); err != nil {
		return fmt.Errorf("note when the hub's log was read: %w", err)
	}
	return nil
}

// settledSinceLogRead reports whether an event of this bench settled after
// the hub's log was last read to its end: a pull that brings nothing new
// still tells then that the hub holds no more of them than the queue says
// (a rejected event changes nothing a pull brings).
func settledSinceLogRead(ctx context.Context, tx *sql.Tx) (bool, error) {
	var since bool
	err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM outbox
		WHERE settled_at > COALESCE((SELECT value FROM meta WHERE key = ?), ''))`, metaLogReadAt).Scan(&since)
	if err != nil {
		return false, fmt.Errorf("compare settlements with the last read of the hub's log: %w", err)
	}
	return since, nil
}

// metaLogReadAt is when the hub was asked for the last page of a pull that
// reached the end of its change log (Changes.ReadAt): every event of this
// bench the hub had applied by then is in the review queue kept here.
const metaLogReadAt = "log read to the end at"

// asTheHubSays gives this bench's rerouted units the hub's word, as the
// queue last pulled says it, without touching them (hubSays); those the
// hub no longer lists leave the queue.
func (s *Store) asTheHubSays(ctx context.Context, local []intake.Review) ([]intake.Review, error) {
	out := local[:0:0]
	for _, r := range local {
		state, listed, err := s.hubSays(ctx, r.TradeIn.ID, r.State)
		if err != nil {
			return nil, err
		}
		if listed {
			r.State = state
			out = append(out, r)
		}
	}
	return out, nil
}

// hubSays is where a unit this bench holds in state local stands by the
// hub's queue as last pulled. A unit with events still to send, or settled
// after the hub's log was last read to its end (metaLogReadAt), is as this
// bench recorded it: the hub may have answered that read before it applied
// them. Otherwise the
// hub's word holds: the state it lists the unit in (a supervisor at another
// bench asked for photos), or, when it does not list it, that it no longer
// waits for a supervisor (one elsewhere decided): listed is false.
func (s *Store) hubSays(ctx context.Context, tradeInID string, local intake.UnitState) (state intake.UnitState, listed bool, err error) {
	var read string
	err = s.read.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, metaLogReadAt).Scan(&read)
	if errors.Is(err, sql.ErrNoRows) {
		return local, true, nil // never read to the end: nothing to go by
	}
	if err != nil {
		return "", false, fmt.Errorf("read when the hub's log was read to its end: %w", err)
	}
	var pending int
	var settled, hubState sql.NullString
	if err := s.read.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM outbox WHERE tradein_id = ?1 AND state = 'pending'),
			(SELECT max(settled_at) FROM outbox WHERE tradein_id = ?1),
			(SELECT state FROM remote_reviews WHERE tradein_id = ?1)`, tradeInID).Scan(&pending, &settled, &hubState); err != nil {
		return "", false, fmt.Errorf("compare %s with the hub's queue: %w", tradeInID, err)
	}
	switch {
	case pending > 0, settled.Valid && settled.String >= read:
		return local, true, nil
	case hubState.Valid:
		return intake.UnitState(hubState.String), true, nil
	case settled.Valid:
		return local, false, nil
	}
	return local, true, nil
}

// remoteWhere picks the remote items no unit of this bench stands for.
const remoteWhere = `NOT EXISTS (SELECT 1 FROM units u WHERE u.tradein_id = r.tradein_id)`

// RemoteReviews lists the hub's queue items, as last pulled, that wait
// for a supervisor and whose device this bench does not hold, oldest
// grading first. Each has Remote set.
func (s *Store) RemoteReviews(ctx context.Context) ([]intake.Review, error) {
	return s.remoteReviews(ctx, `WHERE r.state IN ('rerouted', 'photos-requested') AND `+remoteWhere+` ORDER BY r.since, r.tradein_id`)
}

// RemoteReview returns the hub's queue item of a trade-in whose device
// this bench does not hold, in whatever state it is here (intake.Bench.Decide
// checks it still waits); intake.ErrNotFound when the queue does not list it.
func (s *Store) RemoteReview(ctx context.Context, tradeInID string) (intake.Review, error) {
	rs, err := s.remoteReviews(ctx, `WHERE r.tradein_id = ? AND `+remoteWhere, tradeInID)
	if err != nil {
		return intake.Review{}, err
	}
	if len(rs) == 0 {
		return intake.Review{}, fmt.Errorf("the hub's review queue of %s: %w", tradeInID, intake.ErrNotFound)
	}
	return rs[0], nil
}

// remoteReviews reads the hub's queue items with their trade-ins from the
// cache. An item whose trade-in the cache does not hold (yet: the feed
// sends it first) is left out: there is nothing to show of it.
func (s *Store) remoteReviews(ctx context.Context, where string, args ...any) ([]intake.Review, error) {
	return sqlitedb.QueryRows(ctx, s.read, "the hub's review queue", func(rows *sql.Rows) (intake.Review, error) {
		var r intake.Review
		var doc, tradeIn []byte
		var state string
		if err := rows.Scan(&doc, &state, &tradeIn); err != nil {
			return r, err
		}
		if err := errors.Join(json.Unmarshal(doc, &r), json.Unmarshal(tradeIn, &r.TradeIn)); err != nil {
			return r, fmt.Errorf("decode a review of the hub's queue: %w", err)
		}
		r.State, r.Remote = intake.UnitState(state), true
		return r, nil
	}, `SELECT r.doc, r.state, t.doc FROM remote_reviews r INNER JOIN tradeins t ON t.id = r.tradein_id `+where, args...)
}

// RemoteQuarantines lists the hub's quarantine shelf, the devices set
// aside at any bench, as last pulled, oldest first.
func (s *Store) RemoteQuarantines(ctx context.Context) ([]intake.QuarantinedDevice, error) {
	return sqlitedb.QueryDocs[intake.QuarantinedDevice](ctx, s.read, "the hub's quarantine shelf",
		`SELECT doc FROM remote_quarantines ORDER BY at, event_key`)
}

// RecordRemoteDecision records a supervisor's decision on an item of the
// hub's queue if it is still in the state it was decided on here, with its
// events, in one transaction: the events reach the hub through the outbox
// like those of a decision on a unit of this bench.
func (s *Store) RecordRemoteDecision(ctx context.Context, d intake.SupervisorDecision, from, to intake.UnitState, events []intake.Event) error {
	doc, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE remote_reviews SET state = ? WHERE tradein_id = ? AND state = ?`,
			string(to), d.TradeInID, string(from))
		if err != nil {
			return fmt.Errorf("update the hub's queue item: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return fmt.Errorf("trade-in %s is no longer %s: someone decided first", d.TradeInID, from)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO remote_decisions (tradein_id, kind, operator, bench, at, to_state, doc, event_key)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, d.TradeInID, string(d.Kind), d.Operator, d.Bench, dbtime.Format(d.At), string(to), doc, d.EventKey); err != nil {
			return fmt.Errorf("insert decision: %w", err)
		}
		return s.appendEvents(ctx, tx, events)
	})
}

// CachePhoto keeps a photo fetched from the hub by the hash of its
// content, for good: content-addressed, it never changes. Content that
// does not hash to sha is refused.
func (s *Store) CachePhoto(ctx context.Context, sha, mime string, data []byte) error {
	if len(data) == 0 || len(data) > intake.MaxPhotoBytes {
		return fmt.Errorf("a photo must be between 1 byte and %d MiB, %s is %d bytes", intake.MaxPhotoBytes>>20, sha, len(data))
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != sha {
		return fmt.Errorf("photo %s: its content does not hash to its name", sha)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO blobs (sha256, mime, size, data) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			sha, mime, len(data), data); err != nil {
			return fmt.Errorf("keep photo %s: %w", sha, err)
		}
		return nil
	})
}
