package hub

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
)

// changeOut is wire.Change with the entity kept as the JSON the hub stored,
// so a page is served without decoding and re-encoding every trade-in.
type changeOut struct {
	Seq    int64
	Entity string
	Op     string
	ID     string
	Doc    []byte // the entity's JSON as stored, for an upsert
}

type pageOut struct {
	Changes    []changeOut
	NextCursor string
	HasMore    bool
}

// appendJSON writes the page as a wire.ChangesPage. It is written by hand
// because encoding/json re-validates every json.RawMessage, which cost more
// than the rest of serving a 100,000-change pull together; the docs are the
// hub's own compact json.Marshal output. The field names must stay those of
// wire.Change: a test decodes pages with package wire to hold them together.
func (p pageOut) appendJSON(b []byte) []byte {
	b = append(b, `{"changes":[`...)
	for i, c := range p.Changes {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"seq":`...)
		b = strconv.AppendInt(b, c.Seq, 10)
		b = append(b, `,"entity":`...)
		b = appendJSONString(b, c.Entity)
		b = append(b, `,"op":`...)
		b = appendJSONString(b, c.Op)
		b = append(b, `,"id":`...)
		b = appendJSONString(b, c.ID)
		if field, ok := entityField(wire.Entity(c.Entity)); ok && c.Doc != nil {
			b = append(b, ',', '"')
			b = append(b, field...)
			b = append(b, '"', ':')
			b = append(b, c.Doc...)
		}
		b = append(b, '}')
	}
	b = append(b, `],"next_cursor":`...)
	b = appendJSONString(b, p.NextCursor)
	b = append(b, `,"has_more":`...)
	b = strconv.AppendBool(b, p.HasMore)
	return append(b, '}', '\n')
}

// entityField names the wire.Change field that carries an entity.
func entityField(e wire.Entity) (string, bool) {
	switch e {
	case wire.EntityTradeIn:
		return "trade_in", true
	case wire.EntityFlag:
		return "flag", true
	case wire.EntityOperator:
		return "operator", true
	case wire.EntityVariant:
		return "variant", true
	}
	return "", false
}

// appendJSONString appends s as a JSON string: as it is when nothing in it
// needs escaping (ids and cursors), through encoding/json otherwise.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x7f {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// cursor encodes the last change sequence a bench has applied, the hub
// database it came from (a cursor of another database, a restored or
// replaced hub, is expired, never misread), and the compaction horizon when
// the bench began reading from the start of the log.
//
// That horizon lets a full read page through a log compacted before it
// began: a reader whose position is behind the horizon may have missed
// tombstones, unless it started from scratch under the same horizon (then
// it never held what they deleted). Once compaction moves on, a reader
// behind the new horizon has to start again.
func (h *Hub) cursor(seq, startHorizon int64) string {
	return h.instance + "." + strconv.FormatInt(seq, 10) + "." + strconv.FormatInt(startHorizon, 10)
}

// readPosition is where a cursor says a reader is.
type readPosition struct {
	after        int64
	startHorizon int64 // -1 for cursors issued before it was recorded
}

func (h *Hub) parseCursor(c string) (readPosition, error) {
	invalid := problem(http.StatusBadRequest, wire.CodeInvalidCursor, "The cursor is not one this hub issued.")
	parts := strings.Split(c, ".")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" {
		return readPosition{}, invalid
	}
	pos := readPosition{startHorizon: -1}
	var err error
	if pos.after, err = strconv.ParseInt(parts[1], 10, 64); err != nil || pos.after < 0 {
		return readPosition{}, invalid
	}
	if len(parts) == 3 {
		if pos.startHorizon, err = strconv.ParseInt(parts[2], 10, 64); err != nil || pos.startHorizon < 0 {
			return readPosition{}, invalid
		}
	}
	if parts[0] != h.instance {
		return readPosition{}, problem(http.StatusGone, wire.CodeCursorExpired, "The cursor comes from another hub database: resync from scratch.")
	}
	return pos, nil
}

// changes returns the page of changes after cursor, at most limit long.
func (h *Hub) changes(ctx context.Context, cursor string, limit int) (pageOut, error) {
	pos := readPosition{startHorizon: -1}
	if cursor != "" {
		var err error
		if pos, err = h.parseCursor(cursor); err != nil {
			return pageOut{}, err
		}
	}
	// One read transaction: the horizon and the page come from the same
	// snapshot, so a compaction in between cannot hide a tombstone.
	tx, err := h.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return pageOut{}, err
	}
	defer tx.Rollback()
	horizon, err := metaInt(ctx, tx, "horizon")
	if err != nil {
		return pageOut{}, err
	}
	if cursor == "" {
		pos.startHorizon = horizon
	}
	if pos.after < horizon && pos.startHorizon != horizon {
		return pageOut{}, problem(http.StatusGone, wire.CodeCursorExpired,
			fmt.Sprintf("The change log was compacted past this cursor (horizon %d): resync from scratch.", horizon))
	}
	after := pos.after
	rows, err := tx.QueryContext(ctx, `SELECT c.seq, c.entity, c.entity_id, c.op,
		CASE c.entity
			WHEN 'tradein'   THEN (SELECT doc FROM tradeins   WHERE id   = c.entity_id)
			WHEN 'imei_flag' THEN (SELECT doc FROM imei_flags WHERE imei = c.entity_id)
			WHEN 'operator'  THEN (SELECT doc FROM operators  WHERE id   = c.entity_id)
			WHEN 'variant'   THEN (SELECT doc FROM variants   WHERE sku  = c.entity_id)
		END
		FROM changes c WHERE c.seq > ? ORDER BY c.seq LIMIT ?`, after, limit+1)
	if err != nil {
		return pageOut{}, fmt.Errorf("read changes: %w", err)
	}
	defer rows.Close()
	p := pageOut{Changes: make([]changeOut, 0, min(limit, 1024))}
	last := after
	for rows.Next() {
		if len(p.Changes) == limit {
			p.HasMore = true
			break
		}
		var c changeOut
		var doc []byte
		if err := rows.Scan(&c.Seq, &c.Entity, &c.ID, &c.Op, &doc); err != nil {
			return pageOut{}, err
		}
		if c.Op == string(wire.OpUpsert) {
			if doc == nil {
				return pageOut{}, fmt.Errorf("change %d: %s %s has no state", c.Seq, c.Entity, c.ID)
			}
			if _, ok := entityField(wire.Entity(c.Entity)); !ok {
				return pageOut{}, fmt.Errorf("change %d: unknown entity %q", c.Seq, c.Entity)
			}
			c.Doc = doc
		}
		p.Changes = append(p.Changes, c)
		last = c.Seq
	}
	if err := rows.Err(); err != nil {
		return pageOut{}, err
	}
	if !p.HasMore {
		// The reader has seen the whole log of this snapshot: its cursor
		// moves to the high-water mark, past compacted tombstones and
		// entries moved on by REPLACE, so it never falls behind the horizon.
		var top sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT seq FROM sqlite_sequence WHERE name = 'changes'`).Scan(&top); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return pageOut{}, err
		}
		last = max(last, top.Int64)
	}
	p.NextCursor = h.cursor(last, pos.startHorizon)
	return p, nil
}

// CompactChanges removes the tombstones of entities deleted before cutoff
// and returns how many it removed. Upserts need no compaction: the log
// keeps only the latest change of each entity. A bench whose cursor is older
// than the newest tombstone removed gets 410 cursor_expired and resyncs.
func (h *Hub) CompactChanges(ctx context.Context, cutoff time.Time) (int64, error) {
	var removed int64
	err := h.inTx(ctx, func(tx *sql.Tx) error {
		var top sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT max(seq) FROM changes WHERE op = 'delete' AND at < ?`,
			formatTime(cutoff)).Scan(&top); err != nil {
			return err
		}
		if !top.Valid {
			return nil
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM changes WHERE op = 'delete' AND seq <= ?`, top.Int64)
		if err != nil {
			return fmt.Errorf("compact changes: %w", err)
		}
		removed, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('horizon', ?)
			ON CONFLICT (key) DO UPDATE SET value = max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))`, top.Int64)
		return err
	})
	return removed, err
}

func metaInt(ctx context.Context, q queryRower, key string) (int64, error) {
	var v int64
	err := q.QueryRowContext(ctx, `SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, err
}
