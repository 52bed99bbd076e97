package hubdb

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/dbtime"
	"github.com/intakebench/intakebench/internal/sqlitedb"
)

// The review queue travels on the change log (migration 0014): each
// device waiting for a supervisor has a review doc (a wire.Review) in
// review_docs, logged as EntityReview whenever it changes, and deleted,
// with a tombstone, when the device waits no more.
//
// What a review holds comes from several tables (the trade-in's status,
// its reroute, its latest grading, the events that ask for photos, the
// photos), written by many operations in any order. So the operations
// only note which trade-ins they touched (touchReview), and the doc is
// made again from the tables when the transaction ends (settleReviews,
// run by InTx before the commit), once per trade-in, from what the
// transaction left.

// awaitsSupervisor is the condition that trade-in t waits for a
// supervisor: rerouted to Returns, and inspected, not decided yet.
const awaitsSupervisor = `t.status = 'inspected' AND EXISTS (SELECT 1 FROM reroutes r WHERE r.tradein_id = t.id)`

// reviewTouches are the trade-ins a write transaction touched; moved are
// those that changed site, whose review is logged again even when
// unchanged (MoveToSite). at is the latest time a touch came with, which
// the reviews' log entries take.
type reviewTouches struct {
	ids   map[string]bool
	moved map[string]bool
	at    time.Time
}

// touchReview notes that a write touched what trade-in id's review is made
// of, at time at if it says (zero: it does not). Read transactions note
// nothing.
func (tx *Tx) touchReview(id string, at time.Time) {
	if tx.touched == nil || id == "" {
		return
	}
	if tx.touched.ids == nil {
		tx.touched.ids = make(map[string]bool)
	}
	tx.touched.ids[id] = true
	if at.After(tx.touched.at) {
		tx.touched.at = at
	}
}

// settleReviews makes the review docs of the trade-ins the transaction
// touched again, logging those that changed.
func (tx *Tx) settleReviews(ctx context.Context) error {
	if tx.touched == nil || len(tx.touched.ids) == 0 {
		return nil
	}
	ids := make([]string, 0, len(tx.touched.ids))
	for id := range tx.touched.ids {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	// Most touched trade-ins (an import of thousands) neither wait for a
	// supervisor nor did: one statement a chunk finds those that matter.
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		marks := strings.Repeat("?, ", len(part)-1) + "?"
		args := make([]any, 0, 2*len(part))
		for _, id := range part {
			args = append(args, id)
		}
		args = append(args, args...) // once for each IN
		relevant, err := sqlitedb.QueryStrings(ctx, tx.tx, "trade-ins under review", `SELECT t.id FROM tradeins t
			WHERE t.id IN (`+marks+`) AND `+awaitsSupervisor+`
			UNION SELECT d.tradein_id FROM review_docs d WHERE d.tradein_id IN (`+marks+`)`, args...)
		if err != nil {
			return err
		}
		for _, id := range relevant {
			if err := tx.settleReview(ctx, id, tx.touched.at, tx.touched.moved[id]); err != nil {
				return err
			}
		}
	}
	*tx.touched = reviewTouches{}
	return nil
}

// settleReview makes trade-in id's review doc from the tables and logs it
// when it differs from the one kept (or always, with relog); a trade-in
// that waits no more loses its doc, and the log gets its tombstone. at is
// when; zero takes the trade-in's last change.
func (tx *Tx) settleReview(ctx context.Context, id string, at time.Time, relog bool) error {
	if at.IsZero() {
		var updated string
		if err := tx.tx.QueryRowContext(ctx, `SELECT updated_at FROM tradeins WHERE id = ?`, id).Scan(&updated); err != nil {
			return fmt.Errorf("read when %s changed: %w", id, err)
		}
		var err error
		if at, err = dbtime.Parse(updated); err != nil {
			return fmt.Errorf("read when %s changed: %w", id, err)
		}
	}
	var kept []byte
	err := tx.tx.QueryRowContext(ctx, `SELECT doc FROM review_docs WHERE tradein_id = ?`, id).Scan(&kept)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read the review of %s: %w", id, err)
	}
	doc, waits, err := tx.makeReview(ctx, id)
	if err != nil {
		return err
	}
	switch {
	case !waits && kept == nil:
		return nil
	case !waits:
		if _, err := tx.tx.ExecContext(ctx, `DELETE FROM review_docs WHERE tradein_id = ?`, id); err != nil {
			return fmt.Errorf("end the review of %s: %w", id, err)
		}
		return tx.AppendChange(ctx, wire.EntityReview, id, wire.OpDelete, at)
	case bytes.Equal(doc, kept) && !relog:
		return nil
	}
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO review_docs (tradein_id, doc, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (tradein_id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at`,
		id, doc, dbtime.Format(at)); err != nil {
		return fmt.Errorf("keep the review of %s: %w", id, err)
	}
	return tx.AppendChange(ctx, wire.EntityReview, id, wire.OpUpsert, at)
}

// makeReview is trade-in id's review as its tables say, and whether it
// waits for a supervisor at all: rerouted, inspected and not decided.
func (tx *Tx) makeReview(ctx context.Context, id string) (doc []byte, waits bool, err error) {
	err = tx.tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM tradeins t WHERE t.id = ? AND `+awaitsSupervisor+`)`, id).Scan(&waits)
	if err != nil || !waits {
		return nil, false, err
	}
	r := wire.Review{TradeInID: id, State: intake.UnitRerouted}
	grading, err := tx.LatestGrading(ctx, id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, false, err
	}
	if grading != nil {
		if err := json.Unmarshal(grading, &r.Grading); err != nil {
			return nil, false, fmt.Errorf("decode the grading of %s: %w", id, err)
		}
	}
	asked, err := tx.PhotosAsked(ctx, id)
	if err != nil {
		return nil, false, err
	}
	if asked {
		r.State = intake.UnitPhotosRequested
	}
	if r.Photos, err = tx.Photos(ctx, id); err != nil {
		return nil, false, err
	}
	doc, err = json.Marshal(r)
	if err != nil {
		return nil, false, fmt.Errorf("encode the review of %s: %w", id, err)
	}
	return doc, true, nil
}

// ReviewDocsAt lists the review queue as a bench of site sees it (site ""
// is every site's), longest waiting first, each review with its trade-in.
func (tx *Tx) ReviewDocsAt(ctx context.Context, site string) ([]ReviewDoc, error) {
	where, args := "", []any{}
	if site != "" {
		where, args = `WHERE t.site_id IS NULL OR t.site_id = ?`, []any{site}
	}
	return sqlitedb.QueryRows(ctx, tx.tx, "the review queue", func(rows *sql.Rows) (ReviewDoc, error) {
		var d ReviewDoc
		var review, tradeIn []byte
		if err := rows.Scan(&review, &tradeIn); err != nil {
			return d, err
		}
		if err := errors.Join(json.Unmarshal(review, &d.Review), json.Unmarshal(tradeIn, &d.TradeIn)); err != nil {
			return d, fmt.Errorf("decode a review: %w", err)
		}
		return d, nil
	}, `SELECT d.doc, t.doc FROM review_docs d JOIN tradeins t ON t.id = d.tradein_id `+where+` ORDER BY t.updated_at, t.id`, args...)
}

// ReviewDoc is a review with its trade-in.
type ReviewDoc struct {
	wire.Review
	TradeIn intake.TradeIn
}

// metaBackfillReviews is the meta row migration 0014 leaves for
// BackfillReviews.
const metaBackfillReviews = "backfill reviews"

// BackfillReviews makes the review docs of the trade-ins waiting for a
// supervisor before migration 0014, and logs every quarantine, once: the
// row the migration left in meta asks for it, and goes in the same
// transaction.
func (tx *Tx) BackfillReviews(ctx context.Context, at time.Time) error {
	var asked bool
	if err := tx.tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM meta WHERE key = ?)`, metaBackfillReviews).Scan(&asked); err != nil {
		return fmt.Errorf("read the review backfill: %w", err)
	}
	if !asked {
		return nil
	}
	ids, err := sqlitedb.QueryStrings(ctx, tx.tx, "trade-ins awaiting a supervisor", `SELECT t.id FROM tradeins t WHERE `+awaitsSupervisor)
	if err != nil {
		return err
	}
	for _, id := range ids {
		tx.touchReview(id, at)
	}
	keys, err := sqlitedb.QueryStrings(ctx, tx.tx, "quarantines", `SELECT event_key FROM quarantines ORDER BY at, event_key`)
	if err != nil {
		return err
	}
	for _, key := range keys {
		if err := tx.AppendChange(ctx, wire.EntityQuarantine, key, wire.OpUpsert, at); err != nil {
			return err
		}
	}
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM meta WHERE key = ?`, metaBackfillReviews); err != nil {
		return fmt.Errorf("end the review backfill: %w", err)
	}
	return nil
}
