package hub

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/sqlitedb"
)

// apply applies one event inside the push transaction. A refusal is a
// rejected result, not an error: it takes the event's sequence number and is
// recorded like an applied one. An error is the hub failing, and rolls the
// push back.
func (h *Hub) apply(ctx context.Context, tx *sql.Tx, a benchAuth, ev wire.Event) (wire.EventResult, *AppliedEvent, error) {
	res := wire.EventResult{Seq: ev.Seq, Key: ev.Key}
	reject := func(code, detail string, t *intake.TradeIn, r *intake.Receipt) (wire.EventResult, *AppliedEvent, error) {
		res.Status, res.Code, res.Detail, res.TradeIn, res.Receipt = wire.StatusRejected, code, oneLine(detail, maxDetail), t, r
		return res, nil, nil
	}
	var action intake.Action
	switch ev.Kind {
	case intake.EventReceived:
		action = intake.ActionReceive
	case intake.EventGraded:
		action = intake.ActionGrade
	case intake.EventRerouted:
		action = intake.ActionReroute
	case intake.EventPayoutDeclined, intake.EventCounterOffer, intake.EventPhotosRequested:
		action = intake.ActionDecide
	case intake.EventOverrideAccepted:
		action = intake.ActionOverride
	case intake.EventPhotoAdded:
		action = intake.ActionGrade
	case intake.EventWalkInAccepted:
		return h.applyWalkIn(ctx, tx, a, ev, reject)
	case intake.EventQuarantined:
		return h.applyQuarantine(ctx, tx, a, ev, reject)
	default:
		return reject(wire.RejectUnknownKind, fmt.Sprintf("The hub does not know events of kind %q.", ev.Kind), nil, nil)
	}
	t, err := tradeIn(ctx, tx, ev.TradeInID)
	if errors.Is(err, ErrNotFound) {
		return reject(wire.RejectUnknownTradeIn, fmt.Sprintf("The hub holds no trade-in %s.", ev.TradeInID), nil, nil)
	}
	if err != nil {
		return res, nil, err
	}
	prior, received, err := receiptOf(ctx, tx, t.ID)
	if err != nil {
		return res, nil, err
	}
	if ev.Kind == intake.EventReceived && received {
		return reject(wire.RejectAlreadyReceived, fmt.Sprintf("Trade-in %s was already received at bench %s by operator %s at %s.",
			t.Reference, prior.Bench, prior.Operator, prior.At.Format(time.RFC3339)), &t, &prior)
	}
	if ev.Kind != intake.EventReceived && (!received || prior.Bench != a.bench) {
		var r *intake.Receipt
		if received {
			r = &prior
		}
		return reject(wire.RejectNotReceivedHere, fmt.Sprintf("Trade-in %s was not received at bench %s.", t.Reference, a.bench), &t, r)
	}
	op, code, detail, err := authorizeOperator(ctx, tx, ev.Operator, action)
	if err != nil {
		return res, nil, err
	}
	if code != "" {
		return reject(code, detail, &t, nil)
	}

	now := h.now().UTC()
	switch ev.Kind {
	case intake.EventReceived:
		var in intake.Receipt
		if err := json.Unmarshal(ev.Payload, &in); err != nil || (in.TradeInID != "" && in.TradeInID != t.ID) {
			return reject(wire.RejectInvalidPayload, "The payload is not a receipt of this trade-in.", &t, nil)
		}
		var link any
		if in.Link != nil {
			// A device linked by hand is not known by the trade-in's
			// identifiers: what the hub checks instead is the scan, the
			// reason, and that the device is nobody else's.
			code, detail, prior, err := h.checkHandLink(ctx, tx, t, in)
			if err != nil {
				return res, nil, err
			}
			if code != "" {
				return reject(code, detail, &t, prior)
			}
			b, err := json.Marshal(in.Link)
			if err != nil {
				return res, nil, err
			}
			link = string(b)
		} else if in.IMEI != "" && in.IMEI != t.IMEI && in.IMEI != t.IMEI2 && in.IMEI != t.MEID && in.IMEI != t.Serial {
			return reject(wire.RejectInvalidPayload, fmt.Sprintf("Device %s is not the device of trade-in %s.", in.IMEI, t.Reference), &t, nil)
		}
		if err := intake.Transition(t.Status, intake.StatusReceived); err != nil {
			return reject(wire.RejectInvalidState, err.Error(), &t, nil)
		}
		r := intake.Receipt{TradeInID: t.ID, IMEI: in.IMEI, Operator: op.ID, Bench: a.bench, At: ev.At.UTC(), EventKey: ev.Key, Link: in.Link}
		if r.IMEI == "" {
			r.IMEI = t.Identifiers()[0].Value
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO receipts (tradein_id, imei, operator, bench, at, event_key, link) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			r.TradeInID, r.IMEI, r.Operator, r.Bench, formatTime(r.At), r.EventKey, link); err != nil {
			return res, nil, fmt.Errorf("insert receipt: %w", err)
		}
		t.Status, t.Receipt = intake.StatusReceived, &r
	case intake.EventGraded:
		var g intake.Grading
		if err := json.Unmarshal(ev.Payload, &g); err != nil || g.TradeInID != t.ID {
			return reject(wire.RejectInvalidPayload, "The payload is not a grading of this trade-in.", &t, nil)
		}
		// The grade is computed, never taken from the caller: a bench that
		// disagrees with the rubric is refused.
		grade, err := intake.ComputeGrade(g.Inspection)
		if err != nil {
			return reject(wire.RejectInvalidPayload, err.Error(), &t, nil)
		}
		if grade.Condition != g.Grade.Condition || grade.Cosmetic != g.Grade.Cosmetic || grade.Functional != g.Grade.Functional {
			return reject(wire.RejectGradeMismatch, fmt.Sprintf("The inspection grades %s, the bench sent %s.", grade.Condition, g.Grade.Condition), &t, nil)
		}
		// A device may be graded again while it is still inspected.
		if t.Status != intake.StatusInspected {
			if err := intake.Transition(t.Status, intake.StatusInspected); err != nil {
				return reject(wire.RejectInvalidState, err.Error(), &t, nil)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO gradings (event_key, tradein_id, bench, doc) VALUES (?, ?, ?, ?)`,
			ev.Key, t.ID, a.bench, string(ev.Payload)); err != nil {
			return res, nil, fmt.Errorf("insert grading: %w", err)
		}
		t.Status = intake.StatusInspected
	case intake.EventPhotoAdded:
		var p intake.Photo
		if err := json.Unmarshal(ev.Payload, &p); err != nil || !sha256Hex.MatchString(p.SHA256) || strings.TrimSpace(p.Angle) == "" {
			return reject(wire.RejectInvalidPayload, "The payload is not a photo: it needs the SHA-256 of its content and the side it shows.", &t, nil)
		}
		var mime string
		err := tx.QueryRowContext(ctx, `SELECT mime FROM blobs WHERE sha256 = ?`, p.SHA256).Scan(&mime)
		if errors.Is(err, sql.ErrNoRows) {
			return reject(wire.RejectBlobMissing, fmt.Sprintf("The hub holds no blob %s: upload the photo (PUT /v1/blobs/%s) before its event.", p.SHA256, p.SHA256), &t, nil)
		}
		if err != nil {
			return res, nil, fmt.Errorf("find photo blob: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO photos (event_key, tradein_id, sha256, angle, mime, bench, operator, taken_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ev.Key, t.ID, p.SHA256, p.Angle, mime, a.bench, op.ID, formatTime(ev.At)); err != nil {
			return res, nil, fmt.Errorf("insert photo: %w", err)
		}
		// A photo changes nothing about the trade-in, and webhooks carry
		// no photo events.
		return wire.EventResult{Seq: ev.Seq, Key: ev.Key, Status: wire.StatusApplied}, nil, nil
	case intake.EventRerouted:
		var d intake.Decision
		if err := json.Unmarshal(ev.Payload, &d); err != nil || !d.Reroute {
			return reject(wire.RejectInvalidPayload, "The payload is not a reroute decision.", &t, nil)
		}
		if t.Status != intake.StatusInspected {
			return reject(wire.RejectInvalidState, fmt.Sprintf("Trade-in %s is %s: only an inspected device can be rerouted.", t.Reference, t.Status), &t, nil)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO reroutes (event_key, tradein_id, bench, decision) VALUES (?, ?, ?, ?)`,
			ev.Key, t.ID, a.bench, string(ev.Payload)); err != nil {
			return res, nil, fmt.Errorf("insert reroute: %w", err)
		}
	default: // a supervisor's decision
		var d intake.SupervisorDecision
		if err := json.Unmarshal(ev.Payload, &d); err != nil || d.TradeInID != t.ID {
			return reject(wire.RejectInvalidPayload, "The payload is not a supervisor decision on this trade-in.", &t, nil)
		}
		if _, kind, err := d.Kind.ResultingState(); err != nil || kind != ev.Kind {
			return reject(wire.RejectInvalidPayload, fmt.Sprintf("A %s decision is not a %s event.", d.Kind, ev.Kind), &t, nil)
		}
		var rerouted bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM reroutes WHERE tradein_id = ?)`, t.ID).Scan(&rerouted); err != nil {
			return res, nil, fmt.Errorf("find reroute: %w", err)
		}
		if !rerouted {
			return reject(wire.RejectNotRerouted, fmt.Sprintf("Trade-in %s was not rerouted: there is nothing for a supervisor to decide.", t.Reference), &t, nil)
		}
		if t.Status != intake.StatusInspected {
			return reject(wire.RejectInvalidState, fmt.Sprintf("Trade-in %s is %s: it was decided already.", t.Reference, t.Status), &t, nil)
		}
		next := map[intake.EventKind]intake.Status{intake.EventPayoutDeclined: intake.StatusDeclined, intake.EventOverrideAccepted: intake.StatusCompleted}
		if to, ok := next[ev.Kind]; ok {
			if err := intake.Transition(t.Status, to); err != nil {
				return reject(wire.RejectInvalidState, err.Error(), &t, nil)
			}
			t.Status = to
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO decisions (event_key, tradein_id, bench, kind, doc) VALUES (?, ?, ?, ?, ?)`,
			ev.Key, t.ID, a.bench, string(d.Kind), string(ev.Payload)); err != nil {
			return res, nil, fmt.Errorf("insert decision: %w", err)
		}
	}
	t.UpdatedAt = now
	if err := h.saveTradeIn(ctx, tx, t); err != nil {
		return res, nil, err
	}
	res.Status = wire.StatusApplied
	return res, &AppliedEvent{Key: ev.Key, Kind: string(ev.Kind), Bench: a.bench, Operator: op.ID, At: ev.At.UTC(), Payload: ev.Payload, TradeIn: t}, nil
}

// applyWalkIn records a trade-in bought at a store counter: it arrives
// received, with the payout owed. The hub checks what the bench checked,
// against its own registry and trade-ins.
func (h *Hub) applyWalkIn(ctx context.Context, tx *sql.Tx, a benchAuth, ev wire.Event,
	reject func(code, detail string, t *intake.TradeIn, r *intake.Receipt) (wire.EventResult, *AppliedEvent, error),
) (wire.EventResult, *AppliedEvent, error) {
	var p struct {
		TradeIn intake.TradeIn `json:"trade_in"`
		Payout  intake.Payout  `json:"payout"`
	}
	if err := json.Unmarshal(ev.Payload, &p); err != nil {
		return reject(wire.RejectInvalidPayload, "The payload is not a walk-in.", nil, nil)
	}
	t, r := p.TradeIn, p.TradeIn.Receipt
	switch {
	case t.ID != ev.TradeInID || t.Status != intake.StatusReceived || r == nil || r.TradeInID != t.ID || r.Bench != a.bench || r.EventKey != ev.Key:
		return reject(wire.RejectInvalidPayload, "The walk-in's trade-in is not received at this bench by this event.", nil, nil)
	case !wire.ValidIMEI(t.IMEI) || r.IMEI != t.IMEI:
		return reject(wire.RejectInvalidPayload, "A walk-in is received by its IMEI.", nil, nil)
	case p.Payout.Amount != t.Offer || p.Payout.Amount < 0:
		return reject(wire.RejectInvalidPayload, fmt.Sprintf("The payout of %s is not the quoted %s.", p.Payout.Amount, t.Offer), nil, nil)
	}
	if err := wire.ValidateTradeIn(t); err != nil {
		return reject(wire.RejectInvalidPayload, err.Error(), nil, nil)
	}
	op, code, detail, err := authorizeOperator(ctx, tx, ev.Operator, intake.ActionWalkIn)
	if err != nil {
		return wire.EventResult{}, nil, err
	}
	if code != "" {
		return reject(code, detail, nil, nil)
	}
	var flag sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT kind FROM imei_flags WHERE imei = ?`, t.IMEI).Scan(&flag); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return wire.EventResult{}, nil, fmt.Errorf("check flag of %s: %w", t.IMEI, err)
	}
	if flag.Valid {
		return reject(wire.RejectIMEIFlagged, fmt.Sprintf("IMEI %s is %s: the hub refuses to buy it.", t.IMEI, flag.String), nil, nil)
	}
	rows, err := tx.QueryContext(ctx, `SELECT doc FROM tradeins WHERE imei = ?1 OR imei2 = ?1 OR id = ?2`, t.IMEI, t.ID)
	if err != nil {
		return wire.EventResult{}, nil, fmt.Errorf("find trade-ins of %s: %w", t.IMEI, err)
	}
	defer rows.Close()
	for rows.Next() {
		var doc []byte
		var other intake.TradeIn
		if err := rows.Scan(&doc); err != nil {
			return wire.EventResult{}, nil, err
		}
		if err := json.Unmarshal(doc, &other); err != nil {
			return wire.EventResult{}, nil, fmt.Errorf("decode trade-in: %w", err)
		}
		if other.ID == t.ID || other.Status.Open() {
			return reject(wire.RejectTradeInOpen, fmt.Sprintf("IMEI %s already belongs to trade-in %s (%s).", t.IMEI, other.Reference, other.Status), &other, nil)
		}
	}
	if err := rows.Err(); err != nil {
		return wire.EventResult{}, nil, err
	}
	rows.Close()
	t.UpdatedAt = h.now().UTC()
	doc, err := json.Marshal(t)
	if err != nil {
		return wire.EventResult{}, nil, err
	}
	for _, q := range []struct {
		query string
		args  []any
	}{
		{`INSERT INTO tradeins (id, status, imei, imei2, doc, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			[]any{t.ID, string(t.Status), t.IMEI, nullable(t.IMEI2), doc, formatTime(t.UpdatedAt)}},
		{`INSERT INTO receipts (tradein_id, imei, operator, bench, at, event_key) VALUES (?, ?, ?, ?, ?, ?)`,
			[]any{t.ID, t.IMEI, op.ID, a.bench, formatTime(ev.At), ev.Key}},
		{`INSERT INTO walkins (event_key, tradein_id, bench, payout_method, payout_cents) VALUES (?, ?, ?, ?, ?)`,
			[]any{ev.Key, t.ID, a.bench, string(p.Payout.Method), int64(p.Payout.Amount)}},
	} {
		if _, err := tx.ExecContext(ctx, q.query, q.args...); err != nil {
			return wire.EventResult{}, nil, fmt.Errorf("record walk-in %s: %w", t.ID, err)
		}
	}
	if err := h.recordChange(ctx, tx, wire.EntityTradeIn, t.ID, wire.OpUpsert); err != nil {
		return wire.EventResult{}, nil, err
	}
	res := wire.EventResult{Seq: ev.Seq, Key: ev.Key, Status: wire.StatusApplied}
	return res, &AppliedEvent{Key: ev.Key, Kind: string(ev.Kind), Bench: a.bench, Operator: op.ID, At: ev.At.UTC(), Payload: ev.Payload, TradeIn: t}, nil
}

// checkHandLink judges a receipt linked by hand: a valid link whose scan
// holds the device received, no flag on the device or the trade-in, and a
// device that is not another trade-in's, waiting or in progress. The bench
// checked the same against its cache; the hub checks against the truth.
// A refusal comes back as a reject code and detail, with the receipt that
// won when the device was received for another trade-in.
func (h *Hub) checkHandLink(ctx context.Context, tx *sql.Tx, t intake.TradeIn, in intake.Receipt) (string, string, *intake.Receipt, error) {
	if err := wire.ValidateHandLink(*in.Link); err != nil {
		return wire.RejectInvalidPayload, err.Error(), nil, nil
	}
	if err := intake.ValidateHandLink(*in.Link, in.IMEI); err != nil {
		return wire.RejectInvalidPayload, err.Error(), nil, nil
	}
	devices := intake.DeviceIdentities(in.Link.Scan)
	imeis := []string{t.IMEI, t.IMEI2}
	for _, id := range devices {
		if id.Kind == intake.KindIMEI {
			imeis = append(imeis, id.Value)
		}
	}
	for _, imei := range imeis {
		if imei == "" {
			continue
		}
		var kind string
		err := tx.QueryRowContext(ctx, `SELECT kind FROM imei_flags WHERE imei = ?`, imei).Scan(&kind)
		if err == nil {
			return wire.RejectIMEIFlagged, fmt.Sprintf("IMEI %s is %s: the device cannot be received.", imei, kind), nil, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return "", "", nil, fmt.Errorf("check flag of %s: %w", imei, err)
		}
	}
	for _, id := range devices {
		others, err := sqlitedb.QueryDocs[intake.TradeIn](ctx, tx, "trade-ins of "+id.Value,
			`SELECT doc FROM tradeins WHERE (imei = ?1 OR imei2 = ?1) AND id <> ?2`, id.Value, t.ID)
		if err != nil {
			return "", "", nil, err
		}
		for _, other := range others {
			if other.Status.Open() {
				return wire.RejectTradeInOpen, fmt.Sprintf("Device %s belongs to trade-in %s (%s): it cannot be linked by hand to %s.",
					id.Value, other.Reference, other.Status, t.Reference), nil, nil
			}
		}
	}
	// A device linked by hand to one trade-in and then to another, at two
	// benches: the first receipt wins while its trade-in is in progress.
	var otherID string
	err := tx.QueryRowContext(ctx, `SELECT r.tradein_id FROM receipts r JOIN tradeins t ON t.id = r.tradein_id
		WHERE r.imei = ? AND r.tradein_id <> ? AND t.status IN ('received', 'inspected') ORDER BY r.at DESC LIMIT 1`, in.IMEI, t.ID).Scan(&otherID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", "", nil, nil
	case err != nil:
		return "", "", nil, fmt.Errorf("find receipts of %s: %w", in.IMEI, err)
	}
	prior, _, err := receiptOf(ctx, tx, otherID)
	if err != nil {
		return "", "", nil, err
	}
	return wire.RejectAlreadyReceived, fmt.Sprintf("Device %s was already received for trade-in %s at bench %s by operator %s at %s.",
		in.IMEI, otherID, prior.Bench, prior.Operator, prior.At.Format(time.RFC3339)), &prior, nil
}

// applyQuarantine records a device a bench set aside for a supervisor. It
// changes no trade-in: no trade-in holds the device, which is why it was
// set aside. The hub reads the identifiers from the scan itself.
func (h *Hub) applyQuarantine(ctx context.Context, tx *sql.Tx, a benchAuth, ev wire.Event,
	reject func(code, detail string, t *intake.TradeIn, r *intake.Receipt) (wire.EventResult, *AppliedEvent, error),
) (wire.EventResult, *AppliedEvent, error) {
	if ev.TradeInID != "" {
		return reject(wire.RejectInvalidPayload, "A quarantine is of a device no trade-in holds: it names no trade-in.", nil, nil)
	}
	var q intake.QuarantinedDevice
	if err := json.Unmarshal(ev.Payload, &q); err != nil {
		return reject(wire.RejectInvalidPayload, "The payload is not a quarantined device.", nil, nil)
	}
	switch {
	case q.Bench != a.bench || q.EventKey != ev.Key || q.Operator != ev.Operator:
		return reject(wire.RejectInvalidPayload, "The quarantine is not this event's, by this bench and operator.", nil, nil)
	case len(q.Scan) > intake.MaxScanLen:
		return reject(wire.RejectInvalidPayload, fmt.Sprintf("The scan is longer than %d bytes.", intake.MaxScanLen), nil, nil)
	}
	if err := q.Validate(); err != nil {
		return reject(wire.RejectInvalidPayload, err.Error(), nil, nil)
	}
	op, code, detail, err := authorizeOperator(ctx, tx, ev.Operator, intake.ActionQuarantine)
	if err != nil {
		return wire.EventResult{}, nil, err
	}
	if code != "" {
		return reject(code, detail, nil, nil)
	}
	devices := intake.DeviceIdentities(q.Scan)
	ids, err := json.Marshal(devices)
	if err != nil {
		return wire.EventResult{}, nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO quarantines (event_key, bench, operator, at, device, identifiers, scan, reason, doc, recorded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, ev.Key, a.bench, op.ID, formatTime(ev.At), devices[0].Value, string(ids), q.Scan,
		strings.TrimSpace(q.Reason), string(ev.Payload), formatTime(h.now())); err != nil {
		return wire.EventResult{}, nil, fmt.Errorf("record quarantine: %w", err)
	}
	// No AppliedEvent: the event sink publishes trade-in events, and this
	// one has no trade-in.
	return wire.EventResult{Seq: ev.Seq, Key: ev.Key, Status: wire.StatusApplied}, nil, nil
}

// Photos lists the photos benches took of a trade-in's device, oldest
// first.
func (h *Hub) Photos(ctx context.Context, tradeInID string) ([]intake.Photo, error) {
	return sqlitedb.QueryRows(ctx, h.read, "photos of "+tradeInID, scanPhoto,
		`SELECT sha256, angle, mime, operator, taken_at FROM photos WHERE tradein_id = ? ORDER BY taken_at, event_key`, tradeInID)
}

// scanPhoto reads a row of sha256, angle, mime, operator and taken_at.
func scanPhoto(rows *sql.Rows) (intake.Photo, error) {
	var p intake.Photo
	var at string
	if err := rows.Scan(&p.SHA256, &p.Angle, &p.MIME, &p.Operator, &at); err != nil {
		return p, err
	}
	var err error
	p.TakenAt, err = parseTime(at)
	return p, err
}

// Quarantines lists the devices benches set aside for a supervisor, oldest
// first, as the benches recorded them.
func (h *Hub) Quarantines(ctx context.Context) ([]intake.QuarantinedDevice, error) {
	return sqlitedb.QueryDocs[intake.QuarantinedDevice](ctx, h.read, "quarantines", `SELECT doc FROM quarantines ORDER BY at, event_key`)
}

// maxDetail is the longest reject detail the contract allows.
const maxDetail = 2048

// oneLine makes a reject detail fit the contract: one line (joined errors
// come with newlines) of at most max bytes. A bench refuses an answer with
// a detail that does not fit, and would push the event again forever.
func oneLine(s string, max int) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }), "; ")
	s = strings.Map(func(r rune) rune {
		if (r < ' ' && r != '\t') || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) <= max {
		return s
	}
	cut := max - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// authorizeOperator finds the operator of an event and checks their role.
// A refusal comes back as a reject code and detail; err is the hub failing.
func authorizeOperator(ctx context.Context, q queryRower, id string, action intake.Action) (intake.Operator, string, string, error) {
	op, err := operatorOf(ctx, q, id)
	if errors.Is(err, ErrNotFound) {
		return op, wire.RejectUnknownOperator, fmt.Sprintf("The hub knows no operator %s.", id), nil
	}
	if err != nil {
		return op, "", "", err
	}
	if err := intake.Authorize(op, action); err != nil {
		return op, wire.RejectOperatorNotAllow, err.Error(), nil
	}
	return op, "", "", nil
}

func (h *Hub) saveTradeIn(ctx context.Context, tx *sql.Tx, t intake.TradeIn) error {
	doc, err := json.Marshal(t)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tradeins SET status = ?, doc = ?, updated_at = ? WHERE id = ?`,
		string(t.Status), doc, formatTime(t.UpdatedAt), t.ID); err != nil {
		return fmt.Errorf("update trade-in %s: %w", t.ID, err)
	}
	return h.recordChange(ctx, tx, wire.EntityTradeIn, t.ID, wire.OpUpsert)
}

func receiptOf(ctx context.Context, q queryRower, tradeInID string) (intake.Receipt, bool, error) {
	r := intake.Receipt{TradeInID: tradeInID}
	var at string
	var link sql.NullString
	err := q.QueryRowContext(ctx, `SELECT imei, operator, bench, at, event_key, link FROM receipts WHERE tradein_id = ?`, tradeInID).
		Scan(&r.IMEI, &r.Operator, &r.Bench, &at, &r.EventKey, &link)
	if errors.Is(err, sql.ErrNoRows) {
		return intake.Receipt{}, false, nil
	}
	if err != nil {
		return intake.Receipt{}, false, fmt.Errorf("receipt of %s: %w", tradeInID, err)
	}
	if link.Valid {
		r.Link = &intake.HandLink{}
		if err := json.Unmarshal([]byte(link.String), r.Link); err != nil {
			return intake.Receipt{}, false, fmt.Errorf("receipt of %s: decode hand link: %w", tradeInID, err)
		}
	}
	r.At, err = parseTime(at)
	return r, err == nil, err
}

func operatorOf(ctx context.Context, q queryRower, id string) (intake.Operator, error) {
	var doc []byte
	err := q.QueryRowContext(ctx, `SELECT doc FROM operators WHERE id = ?`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return intake.Operator{}, fmt.Errorf("operator %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return intake.Operator{}, err
	}
	var o wire.Operator
	if err := json.Unmarshal(doc, &o); err != nil {
		return intake.Operator{}, fmt.Errorf("decode operator %s: %w", id, err)
	}
	return intake.Operator{ID: o.ID, Name: o.Name, Role: o.Role}, nil
}

// Receipt returns the hub's receipt of a trade-in, if any bench received it.
func (h *Hub) Receipt(ctx context.Context, tradeInID string) (intake.Receipt, bool, error) {
	return receiptOf(ctx, h.read, tradeInID)
}
