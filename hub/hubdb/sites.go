package hubdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/dbtime"
	"github.com/intakebench/intakebench/internal/sqlitedb"
)

// Sites (migration 0010): a bench, an operator and a trade-in may belong
// to one; no site means every site. A bench of site S is shown the trade-ins
// and operators of S and of no site; a bench of no site is shown all.

// Site is a warehouse or a store.
type Site struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"` // warehouse or store
	CreatedAt time.Time `json:"created_at"`
}

// InsertSite records a new site; an id taken already is ErrExists.
func (tx *Tx) InsertSite(ctx context.Context, s Site) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO sites (id, name, kind, created_at) VALUES (?, ?, ?, ?)`,
		s.ID, s.Name, s.Kind, dbtime.Format(s.CreatedAt))
	if uniqueViolation(err) {
		return fmt.Errorf("site %s: %w", s.ID, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("create site %s: %w", s.ID, err)
	}
	return nil
}

// Sites lists the sites by id.
func (tx *Tx) Sites(ctx context.Context) ([]Site, error) {
	return sqlitedb.QueryRows(ctx, tx.tx, "sites", func(rows *sql.Rows) (Site, error) {
		var s Site
		var created string
		if err := rows.Scan(&s.ID, &s.Name, &s.Kind, &created); err != nil {
			return Site{}, err
		}
		var err error
		s.CreatedAt, err = dbtime.Parse(created)
		return s, err
	}, `SELECT id, name, kind, created_at FROM sites ORDER BY id`)
}

// SiteExists reports whether a site of that id exists.
func (tx *Tx) SiteExists(ctx context.Context, id string) (bool, error) {
	return tx.exists(ctx, "site "+id, `SELECT 1 FROM sites WHERE id = ?`, id)
}

// BenchSite is the site a bench belongs to, "" for none.
func (tx *Tx) BenchSite(ctx context.Context, bench string) (string, error) {
	var site string
	err := tx.tx.QueryRowContext(ctx, `SELECT site_id FROM bench_sites WHERE bench = ?`, bench).Scan(&site)
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("find the site of bench %s: %w", bench, err)
	}
	return site, nil
}

// BenchSites maps every bench given a site to it.
func (tx *Tx) BenchSites(ctx context.Context) (map[string]string, error) {
	type pair struct{ bench, site string }
	rows, err := sqlitedb.QueryRows(ctx, tx.tx, "bench sites", func(rows *sql.Rows) (pair, error) {
		var p pair
		return p, rows.Scan(&p.bench, &p.site)
	}, `SELECT bench, site_id FROM bench_sites ORDER BY bench`)
	out := make(map[string]string, len(rows))
	for _, p := range rows {
		out[p.bench] = p.site
	}
	return out, err
}

// SetBenchSite puts a bench at a site, or at none (site ""). The bench's
// feed changes with it: its next pull is refused as expired and it reads
// its new site's log from the start. The devices it set aside go with it
// to the shelf of its new site, and leave the old one's, as a trade-in
// moved to another site does (MoveToSite).
func (tx *Tx) SetBenchSite(ctx context.Context, bench, site string, at time.Time) error {
	was, err := tx.BenchSite(ctx, bench)
	if err != nil {
		return err
	}
	if site == "" {
		_, err = tx.tx.ExecContext(ctx, `DELETE FROM bench_sites WHERE bench = ?`, bench)
	} else {
		_, err = tx.tx.ExecContext(ctx, `INSERT INTO bench_sites (bench, site_id, assigned_at) VALUES (?, ?, ?)
			ON CONFLICT (bench) DO UPDATE SET site_id = excluded.site_id, assigned_at = excluded.assigned_at`,
			bench, site, dbtime.Format(at))
	}
	if err != nil {
		return fmt.Errorf("set the site of bench %s: %w", bench, err)
	}
	if was == site {
		return nil
	}
	keys, err := sqlitedb.QueryStrings(ctx, tx.tx, "quarantines of "+bench,
		`SELECT event_key FROM quarantines WHERE bench = ? ORDER BY at, event_key`, bench)
	if err != nil {
		return err
	}
	for _, key := range keys {
		if err := tx.logMove(ctx, wire.EntityQuarantine, quarantineLeft, key, was, site, at); err != nil {
			return err
		}
	}
	return nil
}

// quarantineLeft is the entity of a quarantine's "left a site" entries:
// its bench moved.
const quarantineLeft = "quarantine_left"

// sited names the table of an entity that belongs to a site, and the
// entity of its "left a site" entries in the change log.
func sited(e wire.Entity) (table, left string, ok bool) {
	switch e {
	case wire.EntityTradeIn:
		return "tradeins", "tradein_left", true
	case wire.EntityOperator:
		return "operators", "operator_left", true
	}
	return "", "", false
}

// SiteOf returns the site of a trade-in or operator ("" for none), or
// ErrNotFound.
func (tx *Tx) SiteOf(ctx context.Context, entity wire.Entity, id string) (string, error) {
	table, _, ok := sited(entity)
	if !ok {
		return "", fmt.Errorf("site of %s: not an entity that belongs to a site", entity)
	}
	var site sql.NullString
	err := tx.tx.QueryRowContext(ctx, `SELECT site_id FROM `+table+` WHERE id = ?`, id).Scan(&site)
	if err := notFound(err, "%s %s", entity, id); err != nil {
		return "", err
	}
	return site.String, nil
}

// MoveToSite puts a trade-in or operator at a site, or at none (site ""),
// and reports whether that moved it. A move logs, before the entity's own
// upsert, a "left" entry for the site it leaves, which the feed serves to
// that site's benches (to every site's, when it had none) as a delete: a
// bench that pulled it before drops it, also when it was offline through
// several moves, since each site left keeps its entry and the entity's
// upsert always comes after them. A bench that never held it is sent a
// delete of nothing, which is harmless. An unknown id is ErrNotFound.
func (tx *Tx) MoveToSite(ctx context.Context, entity wire.Entity, id, site string, at time.Time) (bool, error) {
	table, left, ok := sited(entity)
	if !ok {
		return false, fmt.Errorf("move %s: not an entity that belongs to a site", entity)
	}
	was, err := tx.SiteOf(ctx, entity, id)
	if err != nil {
		return false, err
	}
	if was == site {
		return false, nil
	}
	if _, err := tx.tx.ExecContext(ctx, `UPDATE `+table+` SET site_id = ? WHERE id = ?`, dbtime.Nullable(site), id); err != nil {
		return false, fmt.Errorf("move %s %s to site %q: %w", entity, id, site, err)
	}
	if entity == wire.EntityTradeIn && tx.touched != nil {
		// Its review, if it waits for a supervisor, is logged again after
		// it: the benches of its new site may have read past its entry.
		if tx.touched.moved == nil {
			tx.touched.moved = make(map[string]bool)
		}
		tx.touched.moved[id] = true
	}
	return true, tx.logMove(ctx, entity, left, id, was, site, at)
}

// logMove logs that entity id moved from site was to site: the site left
// is sent a delete (a left entry), and then the entity's upsert, after it.
// Moving to no site shows it to every bench: no one has to drop it.
func (tx *Tx) logMove(ctx context.Context, entity wire.Entity, left, id, was, site string, at time.Time) error {
	if site != "" {
		if err := tx.appendLeft(ctx, left, id, was, at); err != nil {
			return err
		}
	}
	return tx.AppendChange(ctx, entity, id, wire.OpUpsert, at)
}

// appendLeft logs that id left site (""; every site), replacing that
// entry's earlier position, as AppendChange does.
func (tx *Tx) appendLeft(ctx context.Context, entity, id, site string, at time.Time) error {
	key := site + " " + id // a site id is a slug: it has no space
	if tx.tx.pg != nil {
		_, err := tx.tx.ExecContext(ctx, `WITH next AS (UPDATE change_counter SET seq = seq + 1 RETURNING seq)
			INSERT INTO changes (seq, entity, entity_id, op, at, subject, site) SELECT next.seq, ?, ?, 'delete', ?, ?, ? FROM next
			ON CONFLICT (entity, entity_id) DO UPDATE SET seq = excluded.seq, op = excluded.op, at = excluded.at`,
			entity, key, dbtime.Format(at), id, site)
		if err != nil {
			return fmt.Errorf("log %s %s: %w", entity, key, err)
		}
		return nil
	}
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM changes WHERE entity = ? AND entity_id = ?`, entity, key); err != nil {
		return fmt.Errorf("log %s %s: %w", entity, key, err)
	}
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO changes (entity, entity_id, op, at, subject, site) VALUES (?, ?, 'delete', ?, ?, ?)`,
		entity, key, dbtime.Format(at), id, site); err != nil {
		return fmt.Errorf("log %s %s: %w", entity, key, err)
	}
	return nil
}

// siteOfRow is the SQL of the site of entity e's row whose key is the
// %s verb (NULL for none), and the entity of its "left a site" entries.
// A review is where its trade-in is, and leaves a site with it (its bench
// drops a trade-in's review with the trade-in): it has no entries of its
// own. A quarantine is the site's of the bench that set it aside, and
// leaves a site with that bench (SetBenchSite).
func siteOfRow(e wire.Entity) (siteOf, left string, ok bool) {
	if table, left, ok := sited(e); ok {
		return `(SELECT site_id FROM ` + table + ` WHERE id = %s)`, left, true
	}
	switch e {
	case wire.EntityReview:
		return `(SELECT site_id FROM tradeins WHERE id = %s)`, "", true
	case wire.EntityQuarantine:
		return `(SELECT b.site_id FROM quarantines q JOIN bench_sites b ON b.bench = q.bench WHERE q.event_key = %s)`, quarantineLeft, true
	}
	return "", "", false
}

// siteFilter is the condition that keeps the log's entries of entities a
// bench of site sees, with its arguments. A trade-in's or operator's entry
// is kept when it has no site or that site (a tombstone has no row, so no
// site: every bench is sent it); a "left" entry is kept for the benches of
// the site left (every site's when it had none) while the entity is not
// where they see it now, and when it is after startTop. The entity names
// are the package's own, written into the statement as entityFilter's are.
//
// startTop is where a read from the start of the log began (its high-water
// mark then; 0 for none): such a reader holds nothing it did not read in
// it (a bench that resyncs sweeps the rest at the end), and it cannot have
// read an entity before one of the entity's "left" entries logged before
// it began. Every change of an entity logs it after all its "left"
// entries (MoveToSite logs the site left first), and entries only ever
// move on, so the entity was after that "left" entry from the start of
// the read. Leaving those out spares a new bench of one site a delete of
// every trade-in ever moved between the others.
func siteFilter(entities []wire.Entity, site string, startTop int64) (string, []any, error) {
	var in []string
	var cases strings.Builder
	var args []any
	for _, e := range entities {
		if e == wire.EntityFlag || e == wire.EntityVariant {
			in = append(in, "'"+string(e)+"'")
			continue
		}
		siteOf, left, ok := siteOfRow(e)
		if !ok {
			return "", nil, fmt.Errorf("unknown entity %q", e)
		}
		in = append(in, "'"+string(e)+"'")
		fmt.Fprintf(&cases, `
			WHEN '%s' THEN COALESCE(%s, ?) = ?`, e, fmt.Sprintf(siteOf, "c.entity_id"))
		args = append(args, site, site)
		if left == "" {
			continue
		}
		in = append(in, "'"+left+"'")
		fmt.Fprintf(&cases, `
			WHEN '%s' THEN c.seq > ? AND (c.site = '' OR c.site = ?) AND COALESCE(%s, ?) <> ?`, left, fmt.Sprintf(siteOf, "c.subject"))
		args = append(args, startTop, site, site, site)
	}
	filter := ` AND +c.entity IN (` + strings.Join(in, ", ") + `)`
	if cases.Len() > 0 {
		filter += ` AND CASE c.entity` + cases.String() + `
			ELSE 1 = 1 END`
	}
	return filter, args, nil
}

// SiteChangesOfAfter is ChangesOfAfter as a bench of site sees the log
// (siteFilter, with startTop): a "left" entry comes as a delete of the
// entity that left.
// Its entries are a subset of the log's in the same order, so a cursor
// over them is a cursor over the log.
func (tx *Tx) SiteChangesOfAfter(ctx context.Context, entities []wire.Entity, site string, after, startTop int64, limit int) ([]Change, error) {
	if len(entities) == 0 {
		return nil, nil
	}
	filter, args, err := siteFilter(entities, site, startTop)
	if err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	rows, err := tx.tx.QueryContext(ctx, `SELECT c.seq,
		CASE c.entity WHEN 'tradein_left' THEN 'tradein' WHEN 'operator_left' THEN 'operator'
			WHEN 'quarantine_left' THEN 'quarantine' ELSE c.entity END,
		COALESCE(c.subject, c.entity_id), c.op,
		CASE c.entity
			WHEN 'tradein'   THEN (SELECT doc FROM tradeins   WHERE id   = c.entity_id)
			WHEN 'imei_flag' THEN (SELECT doc FROM imei_flags WHERE imei = c.entity_id)
			WHEN 'operator'  THEN (SELECT doc FROM operators  WHERE id   = c.entity_id)
			WHEN 'variant'   THEN (SELECT doc FROM variants   WHERE sku  = c.entity_id)`+supervisorsDocs+`
		END
		FROM changes c WHERE c.seq > ?`+filter+` ORDER BY c.seq LIMIT ?`, append(append([]any{after}, args...), limit)...)
	if err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	defer rows.Close()
	out := make([]Change, 0, min(limit, 1024))
	for rows.Next() {
		var c Change
		if err := rows.Scan(&c.Seq, &c.Entity, &c.ID, &c.Op, &c.Doc); err != nil {
			return nil, fmt.Errorf("read changes: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	return out, nil
}

// CountSiteChangesOfAfter is CountChangesOfAfter as a bench of site sees
// the log (siteFilter, with startTop).
func (tx *Tx) CountSiteChangesOfAfter(ctx context.Context, entities []wire.Entity, site string, after, startTop int64) (int64, error) {
	if len(entities) == 0 {
		return 0, nil
	}
	filter, args, err := siteFilter(entities, site, startTop)
	if err != nil {
		return 0, fmt.Errorf("count changes: %w", err)
	}
	var n int64
	if err := tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM changes c WHERE c.seq > ?`+filter,
		append([]any{after}, args...)...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count changes: %w", err)
	}
	return n, nil
}

// QuarantinesAt is Quarantines as a bench of site sees them: those set
// aside at the site's benches and at benches of no site. Site "" is all.
func (tx *Tx) QuarantinesAt(ctx context.Context, site string) ([]intake.QuarantinedDevice, error) {
	if site == "" {
		return tx.Quarantines(ctx)
	}
	return sqlitedb.QueryDocs[intake.QuarantinedDevice](ctx, tx.tx, "quarantines", `SELECT q.doc FROM quarantines q
		LEFT JOIN bench_sites b ON b.bench = q.bench
		WHERE b.site_id IS NULL OR b.site_id = ? ORDER BY q.at, q.event_key`, site)
}

// BenchEnrolled reports whether a bench was ever given an enrollment code
// under that name.
func (tx *Tx) BenchEnrolled(ctx context.Context, bench string) (bool, error) {
	return tx.exists(ctx, "bench "+bench, `SELECT 1 FROM enrollments WHERE bench = ?`, bench)
}
