package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/dbtime"
	"github.com/intakebench/intakebench/internal/sqlitedb"
)

// UnitState returns where this bench's unit of a trade-in stands: as
// recorded here, or, while it waits for a supervisor, as the hub's queue
// last pulled says (a supervisor at another bench asked for photos).
func (s *Store) UnitState(ctx context.Context, tradeInID string) (intake.UnitState, error) {
	var st string
	err := s.read.QueryRowContext(ctx, `SELECT state FROM units WHERE tradein_id = ?`, tradeInID).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("unit of %s: %w", tradeInID, intake.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("unit of %s: %w", tradeInID, err)
	}
	local := intake.UnitState(st)
	if !local.AwaitsSupervisor() {
		return local, nil
	}
	hub, _, err := s.hubSays(ctx, tradeInID, local)
	return hub, err
}

// Review returns a graded unit with its trade-in, latest grading and photos.
func (s *Store) Review(ctx context.Context, tradeInID string) (intake.Review, error) {
	rs, err := s.reviews(ctx, `WHERE u.tradein_id = ?`, tradeInID)
	if err != nil {
		return intake.Review{}, err
	}
	if len(rs) == 0 {
		return intake.Review{}, fmt.Errorf("graded unit of %s: %w", tradeInID, intake.ErrNotFound)
	}
	return rs[0], nil
}

// ReviewQueue lists what waits for a supervisor, oldest grading first: the
// units of this bench, and the items of the hub's queue (as last pulled)
// other benches rerouted, Remote set.
func (s *Store) ReviewQueue(ctx context.Context) ([]intake.Review, error) {
	local, err := s.reviews(ctx, `WHERE u.state IN ('rerouted', 'photos-requested') ORDER BY g.at`)
	if err != nil {
		return nil, err
	}
	if local, err = s.asTheHubSays(ctx, local); err != nil {
		return nil, err
	}
	remote, err := s.RemoteReviews(ctx)
	if err != nil {
		return nil, err
	}
	all := append(local, remote...)
	slices.SortStableFunc(all, func(a, b intake.Review) int { return a.Grading.At.Compare(b.Grading.At) })
	return all, nil
}

func (s *Store) reviews(ctx context.Context, where string, args ...any) ([]intake.Review, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT t.doc, u.state, g.operator, g.bench, g.at, g.inspection, g.grade, g.decision, g.event_key
		FROM units u JOIN tradeins t ON t.id = u.tradein_id
		JOIN gradings g ON g.id = (SELECT max(id) FROM gradings WHERE tradein_id = u.tradein_id) `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read reviews: %w", err)
	}
	defer rows.Close()
	var out []intake.Review
	for rows.Next() {
		var r intake.Review
		var doc, inspection, grade, decision []byte
		var state, at string
		g := &r.Grading
		if err := rows.Scan(&doc, &state, &g.Operator, &g.Bench, &at, &inspection, &grade, &decision, &g.EventKey); err != nil {
			return nil, err
		}
		r.State = intake.UnitState(state)
		if g.At, err = dbtime.Parse(at); err != nil {
			return nil, err
		}
		if err := errors.Join(json.Unmarshal(doc, &r.TradeIn), json.Unmarshal(inspection, &g.Inspection),
			json.Unmarshal(grade, &g.Grade), json.Unmarshal(decision, &g.Decision)); err != nil {
			return nil, fmt.Errorf("decode review: %w", err)
		}
		g.TradeInID = r.TradeIn.ID
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Photos, err = s.Photos(ctx, out[i].TradeIn.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RecordDecision applies a supervisor's decision if the unit is still in
// the state it was decided on, with its events, in one transaction.
func (s *Store) RecordDecision(ctx context.Context, d intake.SupervisorDecision, from, to intake.UnitState, events []intake.Event) error {
	doc, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE units SET state = ? WHERE tradein_id = ? AND state = ?`, string(to), d.TradeInID, string(from))
		if err != nil {
			return fmt.Errorf("update unit: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("trade-in %s is no longer %s: someone decided first", d.TradeInID, from)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO decisions (tradein_id, kind, operator, bench, at, doc, event_key) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			d.TradeInID, string(d.Kind), d.Operator, d.Bench, dbtime.Format(d.At), doc, d.EventKey); err != nil {
			return fmt.Errorf("insert decision: %w", err)
		}
		return s.appendEvents(ctx, tx, events)
	})
}

// RecordWalkIn writes a walk-in trade-in received on the spot, its unit and
// its events in one transaction.
func (s *Store) RecordWalkIn(ctx context.Context, t intake.TradeIn, r intake.Receipt, events []intake.Event) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		// No pull generation: its unit keeps it through any resync.
		if err := upsertTradeIns(ctx, tx, []intake.TradeIn{t}, 0); err != nil {
			return err
		}
		if err := insertUnit(ctx, tx, r); err != nil {
			return err
		}
		return s.appendEvents(ctx, tx, events)
	})
}

// RecordPhoto stores a photo of a received device by the hash of its
// content, with its events, in one transaction. The same picture twice is
// stored once.
func (s *Store) RecordPhoto(ctx context.Context, tradeInID string, p intake.Photo, data []byte, events []intake.Event) error {
	if len(data) == 0 || len(data) > intake.MaxPhotoBytes {
		return fmt.Errorf("a photo must be between 1 byte and %d MiB, this one is %d bytes", intake.MaxPhotoBytes>>20, len(data))
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != p.SHA256 {
		return fmt.Errorf("photo of %s: its content does not hash to %s", tradeInID, p.SHA256)
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO blobs (sha256, mime, size, data) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			p.SHA256, p.MIME, len(data), data); err != nil {
			return fmt.Errorf("store photo: %w", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO photos (tradein_id, sha256, angle, operator, taken_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, tradeInID, p.SHA256, p.Angle, p.Operator, dbtime.Format(p.TakenAt))
		if err != nil {
			return fmt.Errorf("attach photo to %s: %w", tradeInID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // the same photo of the same device again: nothing new to tell the hub
		}
		return s.appendEvents(ctx, tx, events)
	})
}

// Photos lists the photos of a trade-in's unit.
func (s *Store) Photos(ctx context.Context, tradeInID string) ([]intake.Photo, error) {
	return sqlitedb.QueryRows(ctx, s.read, "photos of "+tradeInID, func(rows *sql.Rows) (intake.Photo, error) {
		var p intake.Photo
		var at string
		if err := rows.Scan(&p.SHA256, &p.Angle, &p.MIME, &p.Operator, &at); err != nil {
			return p, err
		}
		var err error
		p.TakenAt, err = dbtime.Parse(at)
		return p, err
	}, `SELECT p.sha256, p.angle, b.mime, p.operator, p.taken_at FROM photos p
		JOIN blobs b ON b.sha256 = p.sha256 WHERE p.tradein_id = ? ORDER BY p.taken_at`, tradeInID)
}

// PhotoData returns a stored photo's bytes.
func (s *Store) PhotoData(ctx context.Context, sha string) ([]byte, error) {
	var data []byte
	err := s.read.QueryRowContext(ctx, `SELECT data FROM blobs WHERE sha256 = ?`, sha).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("photo %s: %w", sha, intake.ErrNotFound)
	}
	return data, err
}
