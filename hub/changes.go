package hub

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub/hubdb"
)

// changeOut is a change as stored, the entity kept as the hub's own JSON,
// so a page is served without decoding and re-encoding every trade-in.
type changeOut = hubdb.Change

type pageOut struct {
	Changes    []changeOut
	NextCursor string
	HasMore    bool
	last       int64 // the position the next cursor names
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
	invalid := refuse(KindInvalid, wire.CodeInvalidCursor, "The cursor is not one this hub issued.")
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
		return readPosition{}, refuse(KindGone, wire.CodeCursorExpired, "The cursor comes from another hub database: resync from scratch.")
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
	var p pageOut
	// One read transaction: the horizon and the page come from the same
	// snapshot, so a compaction in between cannot hide a tombstone.
	err := h.db.View(ctx, func(tx *hubdb.Tx) error {
		horizon, err := tx.Horizon(ctx)
		if err != nil {
			return err
		}
		if cursor == "" {
			pos.startHorizon = horizon
		}
		if pos.after < horizon && pos.startHorizon != horizon {
			return refuse(KindGone, wire.CodeCursorExpired,
				"The change log was compacted past this cursor (horizon %d): resync from scratch.", horizon)
		}
		changes, err := tx.ChangesAfter(ctx, pos.after, limit+1)
		if err != nil {
			return err
		}
		p, err = pageOf(changes, pos.after, limit)
		if err != nil || p.HasMore {
			return err
		}
		// The reader has seen the whole log of this snapshot: its cursor
		// moves to the high-water mark, past compacted tombstones and
		// entries moved on by a later change, so it never falls behind
		// the horizon.
		top, err := tx.HighWater(ctx)
		p.last = max(p.last, top)
		return err
	})
	if err != nil {
		return pageOut{}, err
	}
	p.NextCursor = h.cursor(p.last, pos.startHorizon)
	return p, nil
}

// pageOf makes a page of at most limit of changes (read one past it, to
// tell whether there is more) after position after.
func pageOf(changes []hubdb.Change, after int64, limit int) (pageOut, error) {
	p := pageOut{Changes: changes, last: after}
	if len(changes) > limit {
		p.Changes, p.HasMore = changes[:limit], true
	}
	for i, c := range p.Changes {
		if c.Op == string(wire.OpUpsert) {
			if c.Doc == nil {
				return pageOut{}, fmt.Errorf("change %d: %s %s has no state", c.Seq, c.Entity, c.ID)
			}
			if _, ok := entityField(wire.Entity(c.Entity)); !ok {
				return pageOut{}, fmt.Errorf("change %d: unknown entity %q", c.Seq, c.Entity)
			}
		} else {
			p.Changes[i].Doc = nil
		}
		p.last = c.Seq
	}
	return p, nil
}

// CompactChanges removes the tombstones of entities deleted before cutoff
// and returns how many it removed. A bench whose cursor is older than the
// newest tombstone removed gets 410 cursor_expired and resyncs.
func (h *Hub) CompactChanges(ctx context.Context, cutoff time.Time) (removed int64, err error) {
	err = h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		removed, err = tx.CompactTombstones(ctx, cutoff)
		return err
	})
	return removed, err
}
