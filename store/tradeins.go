package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/dbtime"
	"github.com/intakebench/intakebench/internal/sqlitedb"
)

// Changes is one page of the hub's state to apply to the cache.
type Changes struct {
	TradeIns []intake.TradeIn
	// TradeInDocs, when set, holds the JSON of each of TradeIns as the hub
	// sent it, doc i that of trade-in i, nil where there is none: kept as
	// it is instead of encoded again, which cost a fifth of applying an
	// initial pull. Each must decode to its trade-in.
	TradeInDocs     [][]byte
	DeletedTradeIns []string
	Flags           []intake.Flag
	DeletedFlags    []string // IMEIs cleared by the registry
	Operators       []OperatorRecord
	DeletedOperator []string
	Variants        []intake.Variant
	DeletedVariants []string // SKUs
	// Reviews are items of the hub's review queue, each a device waiting
	// for a supervisor: its TradeIn holds only the trade-in's id (the
	// trade-in itself comes in TradeIns, in this page or an earlier one).
	Reviews        []intake.Review
	DeletedReviews []string // trade-in ids that wait for a supervisor no more
	// Quarantines are devices set aside at any bench of the hub.
	Quarantines        []intake.QuarantinedDevice
	DeletedQuarantines []string // event keys
	// ReadAt is when the hub was asked for the last of these changes: with
	// Complete, every event of this bench the hub had applied by then is
	// in the review queue as kept here (see hubSays).
	ReadAt time.Time
	// Complete says these changes reach the end of the hub's change log:
	// a resync in progress ends with them (see BeginResync).
	Complete bool
}

func (c Changes) empty() bool {
	return len(c.TradeIns)+len(c.DeletedTradeIns)+len(c.Flags)+len(c.DeletedFlags)+
		len(c.Operators)+len(c.DeletedOperator)+len(c.Variants)+len(c.DeletedVariants)+
		len(c.Reviews)+len(c.DeletedReviews)+len(c.Quarantines)+len(c.DeletedQuarantines) == 0
}

// OperatorRecord is an operator as the hub sends it: the PIN only as a hash.
type OperatorRecord struct {
	intake.Operator
	Badge   string `json:"badge,omitempty"`
	PINHash string `json:"pin_hash,omitempty"`
}

// ApplyChanges applies a page of changes and the cursor that follows it in
// one transaction, so a crash can neither skip nor half-apply a page.
func (s *Store) ApplyChanges(ctx context.Context, c Changes, cursor string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var gen int64
		var resyncing bool
		var current string
		if err := tx.QueryRowContext(ctx, `SELECT pull_gen, resyncing, cursor FROM sync_state WHERE id = 1`).Scan(&gen, &resyncing, &current); err != nil {
			return fmt.Errorf("read the pull generation: %w", err)
		}
		if c.empty() && cursor == current && !(c.Complete && resyncing) {
			// An idle pull writes nothing, but for when it read the log,
			// after this bench's events settled since the last such note.
			if since, err := settledSinceLogRead(ctx, tx); err != nil || !since {
				return err
			}
			return noteLogRead(ctx, tx, c)
		}
		if err := upsertTradeInDocs(ctx, tx, c.TradeIns, c.TradeInDocs, gen); err != nil {
			return err
		}
		if err := applyQueue(ctx, tx, c, gen); err != nil {
			return err
		}
		for _, id := range c.DeletedTradeIns {
			// A trade-in this bench received stays: its unit refers to it.
			if _, err := tx.ExecContext(ctx, `DELETE FROM tradeins WHERE id = ? AND NOT EXISTS (SELECT 1 FROM units WHERE tradein_id = ?)`, id, id); err != nil {
				return fmt.Errorf("delete trade-in %s: %w", id, err)
			}
			// Its review goes whatever this bench holds: a trade-in the hub
			// no longer has waits for no supervisor of its.
			if _, err := tx.ExecContext(ctx, `DELETE FROM remote_reviews WHERE tradein_id = ?`, id); err != nil {
				return fmt.Errorf("drop review of deleted trade-in %s: %w", id, err)
			}
		}
		for _, f := range c.Flags {
			if _, err := tx.ExecContext(ctx, `INSERT INTO imei_flags (imei, kind, reason, since, pull_gen) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (imei) DO UPDATE SET kind = excluded.kind, reason = excluded.reason, since = excluded.since,
					pull_gen = excluded.pull_gen`,
				f.IMEI, string(f.Kind), f.Reason, dbtime.Format(f.Since), gen); err != nil {
				return fmt.Errorf("flag %s: %w", f.IMEI, err)
			}
		}
		for _, imei := range c.DeletedFlags {
			if _, err := tx.ExecContext(ctx, `DELETE FROM imei_flags WHERE imei = ?`, imei); err != nil {
				return fmt.Errorf("clear flag %s: %w", imei, err)
			}
		}
		for _, o := range c.Operators {
			if !o.Role.Valid() {
				return fmt.Errorf("operator %s has an unknown role %q", o.ID, o.Role)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO operators (id, name, role, badge, pin_hash, updated_at, pull_gen) VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, badge = excluded.badge,
					pin_hash = excluded.pin_hash, updated_at = excluded.updated_at, pull_gen = excluded.pull_gen`,
				o.ID, o.Name, string(o.Role), dbtime.Nullable(o.Badge), dbtime.Nullable(o.PINHash), dbtime.Format(s.now()), gen); err != nil {
				return fmt.Errorf("operator %s: %w", o.ID, err)
			}
		}
		for _, id := range c.DeletedOperator {
			if _, err := tx.ExecContext(ctx, `DELETE FROM operators WHERE id = ?`, id); err != nil {
				return fmt.Errorf("delete operator %s: %w", id, err)
			}
		}
		if err := upsertVariants(ctx, tx, c.Variants, c.DeletedVariants, gen); err != nil {
			return err
		}
		if c.Complete && resyncing {
			if err := sweep(ctx, tx, gen); err != nil {
				return err
			}
		}
		if c.Complete {
			if _, err := tx.ExecContext(ctx, `DELETE FROM meta WHERE key = ?`, metaInitialPull); err != nil {
				return fmt.Errorf("end the initial pull: %w", err)
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE sync_state SET cursor = ?, last_pull_at = ? WHERE id = 1`, cursor, dbtime.Format(s.now()))
		return err
	})
}

// BeginResync starts a full resync (the hub said the cursor expired): the
// cursor goes back to the start and a new pull generation begins. The cache
// stays as it is, for the bench to keep matching on, until the resync
// reaches the end of the change log (Changes.Complete), which removes what
// the hub no longer sent.
func (s *Store) BeginResync(ctx context.Context) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sync_state SET cursor = '', pull_gen = pull_gen + 1, resyncing = 1 WHERE id = 1`)
		if err != nil {
			return fmt.Errorf("begin a resync: %w", err)
		}
		return nil
	})
}

// sweep ends a resync: it removes the pulled rows that the resync (pull
// generation gen) did not write. What this bench did itself is kept: units,
// gradings, the outbox and the trade-ins its units refer to.
func sweep(ctx context.Context, tx *sql.Tx, gen int64) error {
	for _, q := range []string{
		`DELETE FROM tradeins WHERE pull_gen < ?1 AND id NOT IN (SELECT tradein_id FROM units)`,
		`DELETE FROM imei_flags WHERE pull_gen < ?1`,
		`DELETE FROM operators WHERE pull_gen < ?1`,
		`DELETE FROM catalog WHERE pull_gen < ?1`,
		`DELETE FROM remote_reviews WHERE pull_gen < ?1`,
		`DELETE FROM remote_quarantines WHERE pull_gen < ?1`,
		`UPDATE sync_state SET resyncing = 0 WHERE id = 1`,
	} {
		if _, err := tx.ExecContext(ctx, q, gen); err != nil {
			return fmt.Errorf("end the resync: %w", err)
		}
	}
	return nil
}

func upsertTradeIns(ctx context.Context, tx *sql.Tx, ts []intake.TradeIn, gen int64) error {
	return upsertTradeInDocs(ctx, tx, ts, nil, gen)
}

// upsertTradeInDocs writes trade-ins, with doc i as the JSON of trade-in
// i where there is one (Changes.TradeInDocs).
//
// They go upsertRows to a statement: one statement a row spent as much in
// database/sql and the driver (a call, its arguments bound one by one, a
// context watched) as in SQLite itself.
func upsertTradeInDocs(ctx context.Context, tx *sql.Tx, ts []intake.TradeIn, docs [][]byte, gen int64) error {
	if len(ts) == 0 {
		return nil
	}
	var full *sql.Stmt // of upsertRows rows, made for the first full chunk
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, upsertRows*tradeInColumns)
	for start := 0; start < len(ts); start += upsertRows {
		chunk := ts[start:min(start+upsertRows, len(ts))]
		args = args[:0]
		for i, t := range chunk {
			if err := validateTradeIn(t); err != nil {
				return err
			}
			var doc []byte
			if start+i < len(docs) {
				doc = docs[start+i]
			}
			if doc == nil {
				var err error
				if doc, err = json.Marshal(t); err != nil {
					return fmt.Errorf("encode trade-in %s: %w", t.ID, err)
				}
			}
			args = append(args, t.ID, t.Reference, string(t.Status), dbtime.Nullable(t.IMEI), dbtime.Nullable(t.IMEI2),
				dbtime.Nullable(t.MEID), dbtime.Nullable(t.Serial), dbtime.Nullable(t.Tracking), t.Customer.Name, doc,
				dbtime.Format(t.UpdatedAt), gen, unitLabel(t))
		}
		var err error
		if len(chunk) < upsertRows {
			_, err = tx.ExecContext(ctx, upsertTradeInsSQL(len(chunk)), args...)
		} else {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, upsertTradeInsSQL(upsertRows)); err != nil {
					return fmt.Errorf("prepare trade-in upsert: %w", err)
				}
			}
			_, err = full.ExecContext(ctx, args...)
		}
		if err != nil {
			return fmt.Errorf("upsert trade-ins %s to %s: %w", chunk[0].ID, chunk[len(chunk)-1].ID, err)
		}
	}
	return nil
}

// upsertRows is how many trade-ins one upsert statement writes (64 a
// statement wrote 100,000 in a third less time than one; more gained
// nothing), tradeInColumns the values of each.
const (
	upsertRows     = 64
	tradeInColumns = 13
)

// unitLabel is the id on the unit label of a received trade-in's device,
// whichever bench printed it; nil before receipt.
func unitLabel(t intake.TradeIn) any {
	if t.Receipt == nil || t.Receipt.EventKey == "" {
		return nil
	}
	return intake.UnitIDFor(t.Receipt.EventKey)
}

// upsertTradeInsSQL is the upsert of n trade-ins. A trade-in twice in one
// statement is written twice in order, as by one statement each.
func upsertTradeInsSQL(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO tradeins
		(id, reference, status, imei, imei2, meid, serial, tracking, customer, doc, updated_at, pull_gen, unit_label) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	}
	b.WriteString(` ON CONFLICT (id) DO UPDATE SET reference = excluded.reference, status = excluded.status,
			imei = excluded.imei, imei2 = excluded.imei2, meid = excluded.meid, serial = excluded.serial,
			tracking = excluded.tracking, customer = excluded.customer, doc = excluded.doc,
			updated_at = excluded.updated_at, pull_gen = excluded.pull_gen, unit_label = excluded.unit_label`)
	return b.String()
}

func validateTradeIn(t intake.TradeIn) error {
	switch {
	case t.ID == "":
		return errors.New("trade-in without an id")
	case !t.Status.Valid():
		return fmt.Errorf("trade-in %s has an unknown status %q", t.ID, t.Status)
	}
	return nil
}

// TradeInsByIdentifier returns the cached trade-ins known by id's value.
func (s *Store) TradeInsByIdentifier(ctx context.Context, id intake.Identifier) ([]intake.TradeIn, error) {
	var column string
	switch id.Kind {
	case intake.KindIMEI:
		return s.tradeIns(ctx, `SELECT doc FROM tradeins WHERE imei = ?1 UNION ALL SELECT doc FROM tradeins WHERE imei2 = ?1 AND imei IS NOT ?1`, id.Value)
	case intake.KindMEID:
		column = "meid"
	case intake.KindSerial:
		column = "serial"
	default:
		return nil, nil
	}
	return s.tradeIns(ctx, `SELECT doc FROM tradeins WHERE `+column+` = ?1`, id.Value)
}

// TradeIn returns one cached trade-in, or intake.ErrNotFound.
func (s *Store) TradeIn(ctx context.Context, id string) (intake.TradeIn, error) {
	return s.oneTradeIn(ctx, "trade-in "+id, `SELECT doc FROM tradeins WHERE id = ?1`, id)
}

// TradeInByUnitLabel returns the cached trade-in whose device carries the
// unit label unitID, printed at any bench: the hub's feed carries each
// receipt with the key the label's id is made of. An error that is
// intake.ErrNotFound when no trade-in has it.
func (s *Store) TradeInByUnitLabel(ctx context.Context, unitID string) (intake.TradeIn, error) {
	return s.oneTradeIn(ctx, "unit "+unitID, `SELECT doc FROM tradeins WHERE unit_label = ?1`, unitID)
}

// oneTradeIn is the first trade-in query finds, or an error naming what
// that is intake.ErrNotFound.
func (s *Store) oneTradeIn(ctx context.Context, what, query string, arg string) (intake.TradeIn, error) {
	ts, err := s.tradeIns(ctx, query, arg)
	if err != nil {
		return intake.TradeIn{}, err
	}
	if len(ts) == 0 {
		return intake.TradeIn{}, fmt.Errorf("%s: %w", what, intake.ErrNotFound)
	}
	return ts[0], nil
}

// metaBackfillUnitLabels asks Open to fill the unit_label column of the
// trade-ins cached before it existed (migration 0010).
const metaBackfillUnitLabels = "backfill unit labels"

// backfillUnitLabels fills unit_label for the received trade-ins cached
// before the column existed, once: the migration that made the column
// asked for it in meta, and the request goes in the same transaction as
// the work.
func (s *Store) backfillUnitLabels(ctx context.Context) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var asked bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM meta WHERE key = ?)`, metaBackfillUnitLabels).Scan(&asked); err != nil {
			return fmt.Errorf("read the unit label backfill: %w", err)
		}
		if !asked {
			return nil
		}
		type received struct{ id, key string }
		rs, err := sqlitedb.QueryRows(ctx, tx, "the received trade-ins", func(rows *sql.Rows) (received, error) {
			var r received
			return r, rows.Scan(&r.id, &r.key)
		}, `SELECT id, doc ->> '$.receipt.event_key' FROM tradeins
			WHERE unit_label IS NULL AND doc ->> '$.receipt.event_key' <> ''`)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if _, err := tx.ExecContext(ctx, `UPDATE tradeins SET unit_label = ? WHERE id = ?`, intake.UnitIDFor(r.key), r.id); err != nil {
				return fmt.Errorf("label trade-in %s: %w", r.id, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM meta WHERE key = ?`, metaBackfillUnitLabels); err != nil {
			return fmt.Errorf("end the unit label backfill: %w", err)
		}
		return nil
	})
}

func (s *Store) tradeIns(ctx context.Context, query string, args ...any) ([]intake.TradeIn, error) {
	return sqlitedb.QueryDocs[intake.TradeIn](ctx, s.read, "cached trade-ins", query, args...)
}

// FlagFor returns the registry flag on an IMEI, if any.
func (s *Store) FlagFor(ctx context.Context, imei string) (intake.Flag, bool, error) {
	var f intake.Flag
	var kind, since string
	err := s.read.QueryRowContext(ctx, `SELECT imei, kind, reason, since FROM imei_flags WHERE imei = ?`, imei).
		Scan(&f.IMEI, &kind, &f.Reason, &since)
	if errors.Is(err, sql.ErrNoRows) {
		return intake.Flag{}, false, nil
	}
	if err != nil {
		return intake.Flag{}, false, fmt.Errorf("flag of %s: %w", imei, err)
	}
	f.Kind = intake.FlagKind(kind)
	f.Since, err = dbtime.Parse(since)
	return f, err == nil, err
}

// Cursor is where the next pull starts.
func (s *Store) Cursor(ctx context.Context) (string, error) {
	var c string
	err := s.read.QueryRowContext(ctx, `SELECT cursor FROM sync_state WHERE id = 1`).Scan(&c)
	return c, err
}

// CountTradeIns counts the cached trade-ins.
func (s *Store) CountTradeIns(ctx context.Context) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM tradeins`).Scan(&n)
	return n, err
}

// ResetCache empties the pulled cache and the cursor, for a bench moving to
// another hub: nothing of the old hub's may match a scan. What this bench
// did itself is kept: units, gradings, the outbox and the trade-ins its
// units refer to.
func (s *Store) ResetCache(ctx context.Context) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM tradeins WHERE id NOT IN (SELECT tradein_id FROM units)`,
			`DELETE FROM imei_flags`,
			`DELETE FROM operators`,
			`DELETE FROM catalog`,
			`DELETE FROM catalog_tacs`,
			// The old hub's review queue and shelf: their items are no
			// supervisor's here any more, and the new hub's come with the
			// next pull. Nor does the time the old hub's log was read say
			// anything of the new hub's queue (hubSays).
			`DELETE FROM remote_reviews`,
			`DELETE FROM remote_quarantines`,
			`DELETE FROM meta WHERE key = '` + metaLogReadAt + `'`,
			`UPDATE sync_state SET cursor = '', resyncing = 0 WHERE id = 1`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("reset cache: %w", err)
			}
		}
		return nil
	})
}

// Examples returns a few receivable trade-ins and flags, for the demo's
// "try one of these" hint.
func (s *Store) Examples(ctx context.Context, n int) ([]intake.TradeIn, []intake.Flag, error) {
	ts, err := s.tradeIns(ctx, `SELECT doc FROM tradeins WHERE status IN ('accepted', 'shipped') AND imei NOT IN (SELECT imei FROM imei_flags) LIMIT ?1`, n)
	if err != nil {
		return nil, nil, err
	}
	rows, err := s.read.QueryContext(ctx, `SELECT imei, kind, reason FROM imei_flags LIMIT ?`, n)
	if err != nil {
		return nil, nil, fmt.Errorf("read flags: %w", err)
	}
	defer rows.Close()
	var flags []intake.Flag
	for rows.Next() {
		var f intake.Flag
		var kind string
		if err := rows.Scan(&f.IMEI, &kind, &f.Reason); err != nil {
			return nil, nil, err
		}
		f.Kind = intake.FlagKind(kind)
		flags = append(flags, f)
	}
	return ts, flags, rows.Err()
}
