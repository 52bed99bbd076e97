package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
	Remaining  int64 // changes after this page, on the first page of a read from the start; 0 unsaid
	last       int64 // the position the next cursor names
}

// appendJSON writes the page as a wire.ChangesPage. It is written by hand
// because encoding/json re-validates every json.RawMessage, which cost more
// than the rest of serving a 100,000-change pull together; the docs are the
// hub's own compact json.Marshal output. The field names must stay those of
// wire.Change: a test decodes pages with package wire to hold them together.
//
// The cursor and has_more come first: a bench reads them off the start of
// a page (wire.PeekPage) to ask for the next one while it decodes this one.
func (p pageOut) appendJSON(b []byte) []byte {
	b = append(b, `{"next_cursor":`...)
	b = appendJSONString(b, p.NextCursor)
	b = append(b, `,"has_more":`...)
	b = strconv.AppendBool(b, p.HasMore)
	if p.Remaining > 0 {
		b = append(b, `,"remaining":`...)
		b = strconv.AppendInt(b, p.Remaining, 10)
	}
	b = append(b, `,"changes":[`...)
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
	return append(b, ']', '}', '\n')
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
	case wire.EntityReview:
		return "review", true
	case wire.EntityQuarantine:
		return "quarantine", true
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
// replaced hub, is expired, never misread), the compaction horizon when
// the bench began reading from the start of the log, and the view it was
// read under (see view).
//
// That horizon lets a full read page through a log compacted before it
// began: a reader whose position is behind the horizon may have missed
// tombstones, unless it started from scratch under the same horizon (then
// it never held what they deleted). Once compaction moves on, a reader
// behind the new horizon has to start again.
//
// A site's view (sitePrefix) adds the high-water mark where its read from
// the start began: the "left a site" entries up to it are not sent (see
// hubdb.SiteChangesOfAfter). Other views' cursors have no fifth part.
func (h *Hub) cursor(seq, startHorizon int64, view string, startTop int64) string {
	c := h.instance + "." + strconv.FormatInt(seq, 10) + "." + strconv.FormatInt(startHorizon, 10) + "." + view
	if strings.Contains(view, sitePrefix) {
		c += "." + strconv.FormatInt(startTop, 10)
	}
	return c
}

// sitePrefix joins a view's name and its bench's site in the view name a
// cursor carries (a site id is a slug: it has no '_').
const sitePrefix = "_"

// readPosition is where a cursor says a reader is.
type readPosition struct {
	after        int64
	startHorizon int64  // -1 for cursors issued before it was recorded
	view         string // "" for cursors issued before views: everything was sent
	startTop     int64  // a site's view: the high-water mark when its read from the start began
}

func (h *Hub) parseCursor(c string) (readPosition, error) {
	invalid := refuse(KindInvalid, wire.CodeInvalidCursor, "The cursor is not one this hub issued.")
	parts := strings.Split(c, ".")
	if len(parts) < 2 || len(parts) > 5 || parts[0] == "" {
		return readPosition{}, invalid
	}
	pos := readPosition{startHorizon: -1}
	var err error
	if pos.after, err = strconv.ParseInt(parts[1], 10, 64); err != nil || pos.after < 0 {
		return readPosition{}, invalid
	}
	if len(parts) >= 3 {
		if pos.startHorizon, err = strconv.ParseInt(parts[2], 10, 64); err != nil || pos.startHorizon < 0 {
			return readPosition{}, invalid
		}
	}
	if len(parts) >= 4 {
		if pos.view = parts[3]; pos.view == "" {
			return readPosition{}, invalid
		}
	}
	// A site's view has its fifth part, and no other view has one.
	if (len(parts) == 5) != strings.Contains(pos.view, sitePrefix) {
		return readPosition{}, invalid
	}
	if len(parts) == 5 {
		if pos.startTop, err = strconv.ParseInt(parts[4], 10, 64); err != nil || pos.startTop < 0 {
			return readPosition{}, invalid
		}
	}
	if parts[0] != h.instance {
		return readPosition{}, refuse(KindGone, wire.CodeCursorExpired, "The cursor comes from another hub database: resync from scratch.")
	}
	return pos, nil
}

// feed returns the page of changes after cursor, at most limit long, as
// the bench a sees it: only the entities and members its scopes need
// (viewOf), with the supervisors' entities when it asks for reviews.
func (h *Hub) feed(ctx context.Context, a benchAuth, cursor string, limit int, reviews bool) (pageOut, error) {
	if !a.has(wire.ScopeCatalogRead) {
		return pageOut{}, refuse(KindForbidden, wire.CodeInsufficientScope, "This call needs the scope %s.", wire.ScopeCatalogRead)
	}
	v := viewOf(a, reviews)
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
		// A bench of a site reads the log as that site sees it (sites.go),
		// under a view named for it.
		site, err := tx.BenchSite(ctx, a.bench)
		if err != nil {
			return err
		}
		if site != "" {
			v.name += sitePrefix + site
		}
		// A bench enrolled again with other scopes, or moved to another
		// site, keeps its cursor: what it holds was read under another
		// view, with more than it may now see or less than it needs.
		// Reading everything again under the new view sweeps the one and
		// fills in the other.
		if cursor != "" && pos.view != v.name {
			return refuse(KindGone, wire.CodeCursorExpired,
				"The cursor was issued for other scopes or another site than this bench's: resync from scratch.")
		}
		horizon, err := tx.Horizon(ctx)
		if err != nil {
			return err
		}
		if cursor == "" {
			pos.startHorizon = horizon
			if site != "" {
				if pos.startTop, err = tx.HighWater(ctx); err != nil {
					return err
				}
			}
		}
		if pos.after < horizon && pos.startHorizon != horizon {
			return refuse(KindGone, wire.CodeCursorExpired,
				"The change log was compacted past this cursor (horizon %d): resync from scratch.", horizon)
		}
		var changes []hubdb.Change
		if site == "" {
			changes, err = tx.ChangesOfAfter(ctx, v.entities, pos.after, limit+1)
		} else {
			changes, err = tx.SiteChangesOfAfter(ctx, v.entities, site, pos.after, pos.startTop, limit+1)
		}
		if err != nil {
			return err
		}
		p, err = pageOf(changes, pos.after, limit)
		if err == nil && p.HasMore && cursor == "" {
			// A read from the start is where a bench has the most to pull
			// (its first, or a resync): it is told how much, for its
			// progress, counted in this snapshot.
			if site == "" {
				p.Remaining, err = tx.CountChangesOfAfter(ctx, v.entities, p.last)
			} else {
				p.Remaining, err = tx.CountSiteChangesOfAfter(ctx, v.entities, site, p.last, pos.startTop)
			}
		}
		if err != nil || p.HasMore {
			return err
		}
		// The reader has seen the whole log of this snapshot: its cursor
		// moves to the high-water mark, past compacted tombstones, entries
		// moved on by a later change and entries its view skips, so it
		// never falls behind the horizon.
		top, err := tx.HighWater(ctx)
		p.last = max(p.last, top)
		return err
	})
	if err != nil {
		return pageOut{}, err
	}
	if err := v.project(p.Changes); err != nil {
		return pageOut{}, err
	}
	p.NextCursor = h.cursor(p.last, pos.startHorizon, v.name, pos.startTop)
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

// A view is what the change feed shows one bench: the least its scopes'
// screens need. Catalog and registry entries carry no one's personal data
// and go to every reader; a trade-in goes without its customer's contact
// details, and operators, whose PIN hashes and badges are credentials, only
// to a bench that logs them in. README "What each scope sees" is the
// table of it, for people.
type view struct {
	// name goes into the cursor, so a bench is never served a log it
	// began reading under another view.
	name     string
	entities []wire.Entity
	// members says which members of each entity's stored JSON the view
	// shows; an entity not listed is sent as stored.
	members map[wire.Entity]members
}

// The views, by name.
const (
	viewCatalog = "c" // catalog:read alone: catalog, flags and trade-ins without their customer, to look devices up
	viewIntake  = "i" // catalog:read and intake:write: a bench that receives, grades and logs operators in
	// viewSupervise is viewIntake with the review queue and the quarantine
	// shelf, for a bench that asks for them (wire.IncludeReviews). A bench
	// from before them keeps viewIntake, whose pages it can read; one
	// upgraded keeps its cursor of viewIntake, is told it expired, and
	// reads the log again with them.
	viewSupervise = "s"
)

// viewOf is the view of a bench holding a's scopes (catalog:read is taken
// as given: the feed refuses a token without it), with the supervisors'
// entities if reviews and its scopes allow them: a supervisor logs in at a
// bench of intake:write.
//
// Offline logins are intake:write's: it is the scope whose events name an
// operator, so a bench that may not write intake has no one to log in, and
// every bench enrolled before views existed keeps its logins without being
// enrolled again.
func viewOf(a benchAuth, reviews bool) view {
	// A trade-in's members, but for the customer and the tracking number
	// (a parcel's tracking page shows where it came from). A member added
	// to intake.TradeIn is withheld until it is listed here
	// (TestViewsClassifyEveryMember). Where a trade-in came from, its
	// customer account, and the customer's own description and photos
	// are the hub's and its operators': no bench screen shows them.
	tradeIn := members{"id": nil, "reference": nil, "status": nil, "device": nil, "imei": nil, "imei2": nil,
		"meid": nil, "serial": nil, "disclosed": nil, "answers": nil, "offer": nil, "prices": nil, "receipt": nil,
		"updated_at": nil}
	if !a.has(wire.ScopeIntakeWrite) {
		return view{name: viewCatalog, entities: []wire.Entity{wire.EntityTradeIn, wire.EntityFlag, wire.EntityVariant},
			members: map[wire.Entity]members{wire.EntityTradeIn: tradeIn}}
	}
	// The receive, review and manual-search screens show the customer's
	// name and search by it and by tracking number; nothing on a bench
	// shows an e-mail address or a phone number.
	tradeIn["customer"] = members{"name": nil}
	tradeIn["tracking"] = nil
	v := view{name: viewIntake,
		entities: []wire.Entity{wire.EntityTradeIn, wire.EntityFlag, wire.EntityOperator, wire.EntityVariant},
		members: map[wire.Entity]members{wire.EntityTradeIn: tradeIn,
			wire.EntityOperator: {"id": nil, "name": nil, "role": nil, "badge": nil, "pin_hash": nil}}}
	if reviews {
		// Reviews and quarantines go as the hub keeps them: made for
		// benches, they hold what the review screen shows and no more.
		v.name, v.entities = viewSupervise, append(v.entities, wire.EntityReview, wire.EntityQuarantine)
	}
	return v
}

// project cuts each upsert's document down to the view's members. The
// results share one buffer: a page is built once and written once.
func (v view) project(changes []changeOut) error {
	size := 0
	for _, c := range changes {
		size += len(c.Doc)
	}
	buf := make([]byte, 0, size)
	for i, c := range changes {
		m, ok := v.members[wire.Entity(c.Entity)]
		if !ok || c.Doc == nil {
			continue
		}
		start := len(buf)
		var err error
		if buf, err = m.appendProjection(buf, c.Doc); err != nil {
			return fmt.Errorf("change %d: %s %s: %w", c.Seq, c.Entity, c.ID, err)
		}
		changes[i].Doc = buf[start:len(buf):len(buf)]
	}
	return nil
}

// members lists the members of a JSON object a view shows: nil shows a
// member's value whole, a members shows that object's listed members in
// turn, and a member not listed is left out.
type members map[string]members

// appendProjection appends doc, one JSON object, with only m's members.
//
// It works on the bytes instead of decoding and encoding the entity, which
// cost 25 µs a trade-in, as much as the rest of serving a 100,000-trade-in
// pull. The docs are the hub's own json.Marshal output; it still finds
// where each member ends by itself and refuses a document it cannot
// delimit, but copies literals, escapes and nested values as they are. A
// key is compared as stored, so a key spelt with escapes is not one the
// view lists.
func (m members) appendProjection(dst, doc []byte) ([]byte, error) {
	i := skipSpace(doc, 0)
	if i == len(doc) || doc[i] != '{' {
		if rest := doc[i:]; len(rest) >= 4 && string(rest[:4]) == "null" && skipSpace(doc, i+4) == len(doc) {
			return append(dst, "null"...), nil
		}
		return dst, errors.New("not a JSON object")
	}
	dst = append(dst, '{')
	shown := false
	i = skipSpace(doc, i+1)
	if i < len(doc) && doc[i] == '}' {
		i++
	} else {
		for {
			keyStart := i
			keyEnd, err := skipString(doc, i)
			if err != nil {
				return dst, err
			}
			i = skipSpace(doc, keyEnd)
			if i == len(doc) || doc[i] != ':' {
				return dst, fmt.Errorf("no colon after key at %d", keyStart)
			}
			valueStart := skipSpace(doc, i+1)
			valueEnd, err := skipValue(doc, valueStart)
			if err != nil {
				return dst, err
			}
			if sub, ok := m[string(doc[keyStart+1:keyEnd-1])]; ok {
				if shown {
					dst = append(dst, ',')
				}
				dst = append(dst, doc[keyStart:keyEnd]...)
				dst = append(dst, ':')
				if sub == nil {
					dst = append(dst, doc[valueStart:valueEnd]...)
				} else if dst, err = sub.appendProjection(dst, doc[valueStart:valueEnd]); err != nil {
					return dst, fmt.Errorf("%s: %w", doc[keyStart:keyEnd], err)
				}
				shown = true
			}
			i = skipSpace(doc, valueEnd)
			if i < len(doc) && doc[i] == ',' {
				i = skipSpace(doc, i+1)
				continue
			}
			if i < len(doc) && doc[i] == '}' {
				i++
				break
			}
			return dst, fmt.Errorf("no comma or closing brace at %d", i)
		}
	}
	if skipSpace(doc, i) != len(doc) {
		return dst, fmt.Errorf("data after the object at %d", i)
	}
	return append(dst, '}'), nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the end of the JSON string that starts at i.
func skipString(b []byte, i int) (int, error) {
	if i >= len(b) || b[i] != '"' {
		return 0, fmt.Errorf("no string at %d", i)
	}
	for j := i + 1; ; j++ {
		q := bytes.IndexByte(b[j:], '"')
		if q < 0 {
			return 0, fmt.Errorf("unterminated string at %d", i)
		}
		j += q
		// A quote after an odd run of backslashes is escaped: it does not
		// end the string.
		escapes := 0
		for k := j - 1; k > i && b[k] == '\\'; k-- {
			escapes++
		}
		if escapes%2 == 0 {
			return j + 1, nil
		}
	}
}

// skipValue returns the end of the JSON value that starts at i.
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errors.New("no value at the end")
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := skipString(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, fmt.Errorf("unterminated value at %d", i)
	case ',', '}', ']', ':':
		return 0, fmt.Errorf("no value at %d", i)
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	return j, nil
}
