package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// effect is what applying an event did beyond its rows: the event for the
// outbox (none for events that change no trade-in), and the hub's own
// damaged-on-arrival decision when it differs from the bench's.
type effect struct {
	event    *AppliedEvent
	decision *intake.Decision
}

// apply applies one event inside the push transaction. A *Rejection is the
// hub refusing the event; any other error is the hub failing, and rolls
// the push back.
func (h *Hub) apply(ctx context.Context, tx *hubdb.Tx, a benchAuth, ev wire.Event) (effect, error) {
	if r := checkEventTime(ev.At, h.now()); r != nil {
		return effect{}, r
	}
	switch ev.Kind {
	case intake.EventWalkInAccepted:
		applied, err := h.applyWalkIn(ctx, tx, a, ev)
		return effect{event: applied}, err
	case intake.EventQuarantined:
		return effect{}, h.applyQuarantine(ctx, tx, a, ev)
	}
	action, ok := actionOf(ev.Kind)
	if !ok {
		return effect{}, reject(wire.RejectUnknownKind, "The hub does not know events of kind %q.", ev.Kind)
	}
	t, op, err := h.load(ctx, tx, a, ev, action)
	if err != nil {
		return effect{}, err
	}
	if action == intake.ActionDecide || action == intake.ActionOverride {
		// A role the bench's copy of the operator list says is not proof:
		// the hub's grant and the session's signature are.
		if r := checkAuthority(h.GrantKey(), ev, a.bench); r != nil {
			return effect{}, r.about(&t, nil)
		}
	}
	var out effect
	switch ev.Kind {
	case intake.EventReceived:
		err = h.applyReceipt(ctx, tx, a, ev, op, &t)
	case intake.EventGraded:
		out.decision, err = h.applyGrading(ctx, tx, a, ev, &t)
	case intake.EventPhotoAdded:
		// A photo changes nothing about the trade-in, and webhooks carry
		// no photo events.
		return effect{}, h.applyPhoto(ctx, tx, a, ev, op, t)
	case intake.EventRerouted:
		err = h.applyReroute(ctx, tx, a, ev, t)
	default:
		err = h.applyDecision(ctx, tx, a, ev, &t)
	}
	if err != nil {
		return effect{}, err
	}
	t.UpdatedAt = h.now().UTC()
	if err := tx.SaveTradeIn(ctx, t); err != nil {
		return effect{}, err
	}
	out.event = &AppliedEvent{Key: ev.Key, Kind: string(ev.Kind), Bench: a.bench, Operator: op.ID, At: ev.At.UTC(), Payload: ev.Payload, TradeIn: t}
	return out, nil
}

// load reads what every event about a trade-in is judged by: the
// trade-in, its receipt and the operator, and refuses an event this bench
// or this operator may not send.
func (h *Hub) load(ctx context.Context, tx *hubdb.Tx, a benchAuth, ev wire.Event, action intake.Action) (intake.TradeIn, intake.Operator, error) {
	t, err := tx.TradeIn(ctx, ev.TradeInID)
	if errors.Is(err, hubdb.ErrNotFound) {
		return t, intake.Operator{}, reject(wire.RejectUnknownTradeIn, "The hub holds no trade-in %s.", ev.TradeInID)
	}
	if err != nil {
		return t, intake.Operator{}, err
	}
	if r, err := checkSite(ctx, tx, a.bench, t); r != nil || err != nil {
		if r != nil {
			return t, intake.Operator{}, r
		}
		return t, intake.Operator{}, err
	}
	prior, received, err := tx.Receipt(ctx, t.ID)
	if err != nil {
		return t, intake.Operator{}, err
	}
	var priorp *intake.Receipt
	if received {
		priorp = &prior
	}
	if r := checkBench(ev.Kind, t, priorp, a.bench); r != nil {
		return t, intake.Operator{}, r
	}
	op, err := h.operator(ctx, tx, ev.Operator, action)
	if r := (*Rejection)(nil); errors.As(err, &r) {
		return t, op, r.about(&t, nil)
	}
	return t, op, err
}

// checkSite refuses an event of a bench of one site about a trade-in of
// another: the bench never pulled it, so it holds no device of it. A
// bench or a trade-in of no site is everyone's.
func checkSite(ctx context.Context, tx *hubdb.Tx, bench string, t intake.TradeIn) (*Rejection, error) {
	benchSite, err := tx.BenchSite(ctx, bench)
	if err != nil || benchSite == "" {
		return nil, err
	}
	site, err := tx.SiteOf(ctx, wire.EntityTradeIn, t.ID)
	if err != nil || site == "" || site == benchSite {
		return nil, err
	}
	return reject(wire.RejectOtherSite, "Trade-in %s belongs to site %s; bench %s works at %s.", t.Reference, site, bench, benchSite), nil
}

// operator finds an event's operator and checks their role may do action.
func (h *Hub) operator(ctx context.Context, tx *hubdb.Tx, id string, action intake.Action) (intake.Operator, error) {
	o, err := tx.Operator(ctx, id)
	if err != nil && !errors.Is(err, hubdb.ErrNotFound) {
		return intake.Operator{}, err
	}
	op := intake.Operator{ID: o.ID, Name: o.Name, Role: o.Role}
	if r := checkOperator(id, op, err == nil, action); r != nil {
		return op, r
	}
	return op, nil
}

func (h *Hub) applyReceipt(ctx context.Context, tx *hubdb.Tx, a benchAuth, ev wire.Event, op intake.Operator, t *intake.TradeIn) error {
	var in intake.Receipt
	if err := json.Unmarshal(ev.Payload, &in); err != nil {
		return reject(wire.RejectInvalidPayload, "The payload is not a receipt of this trade-in.").about(t, nil)
	}
	if in.Link != nil {
		// A device linked by hand is not known by the trade-in's
		// identifiers: what the hub checks instead is the scan, the
		// reason, and that the device is nobody else's.
		facts, err := h.handLinkFacts(ctx, tx, *t, in)
		if err != nil {
			return err
		}
		if r := checkHandLink(*t, in, facts); r != nil {
			return r
		}
	}
	if r := checkReceipt(*t, in); r != nil {
		return r
	}
	r := intake.Receipt{TradeInID: t.ID, IMEI: in.IMEI, Operator: op.ID, Bench: a.bench, At: ev.At.UTC(), EventKey: ev.Key, Link: in.Link}
	if r.IMEI == "" {
		r.IMEI = t.Identifiers()[0].Value
	}
	if err := tx.InsertReceipt(ctx, r); err != nil {
		return err
	}
	if err := h.move(ctx, tx, t, intake.StatusReceived, benchActor(op, a), ""); err != nil {
		return err
	}
	t.Receipt = &r
	return tx.SetUnitStatus(ctx, t.ID, "received", h.now())
}

// benchActor names an operator at a bench in a trade-in's history.
func benchActor(op intake.Operator, a benchAuth) Actor {
	return Actor{Kind: "operator", ID: op.ID + "@" + a.bench}
}

// handLinkFacts reads what the hub knows of a device linked by hand: flags
// on its IMEIs and the trade-in's, other trade-ins holding it, and its
// receipt for another trade-in in progress.
func (h *Hub) handLinkFacts(ctx context.Context, tx *hubdb.Tx, t intake.TradeIn, in intake.Receipt) (handLinkFacts, error) {
	var f handLinkFacts
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
		flag, err := tx.Flag(ctx, imei)
		if err == nil {
			f.flaggedIMEI, f.flagKind = imei, string(flag.Kind)
			return f, nil
		}
		if !errors.Is(err, hubdb.ErrNotFound) {
			return f, err
		}
	}
	for _, id := range devices {
		others, err := tx.TradeInsOfIMEI(ctx, id.Value, t.ID)
		if err != nil {
			return f, err
		}
		for _, other := range others {
			if other.Status.Open() {
				f.openOther, f.openOtherDevice = &other, id.Value
				return f, nil
			}
		}
	}
	// A device linked by hand to one trade-in and then to another, at two
	// benches: the first receipt wins while its trade-in is in progress.
	winner, found, err := tx.ReceiptInProgress(ctx, in.IMEI, t.ID)
	if found {
		f.winner = &winner
	}
	return f, err
}

// applyGrading records a grading and returns the hub's decision when the
// bench's differs. A device the hub's decision reroutes is rerouted here,
// whatever the bench said: its payout is held for a supervisor.
func (h *Hub) applyGrading(ctx context.Context, tx *hubdb.Tx, a benchAuth, ev wire.Event, t *intake.TradeIn) (*intake.Decision, error) {
	var g intake.Grading
	if err := json.Unmarshal(ev.Payload, &g); err != nil {
		return nil, reject(wire.RejectInvalidPayload, "The payload is not a grading of this trade-in.").about(t, nil)
	}
	decision, r := checkGrading(*t, g)
	if r != nil {
		return nil, r
	}
	if err := tx.InsertGrading(ctx, hubdb.Step{EventKey: ev.Key, TradeInID: t.ID, Bench: a.bench, Doc: ev.Payload}); err != nil {
		return nil, err
	}
	by := benchActor(intake.Operator{ID: ev.Operator}, a)
	if err := h.move(ctx, tx, t, intake.StatusInspected, by, ""); err != nil {
		return nil, err
	}
	// As disclosed, the trade-in is complete and its payout released;
	// damaged on arrival, rerouted with its payout held for a supervisor.
	if decision.Reroute {
		if err := h.reroute(ctx, tx, a, ev.Key, *t, decision); err != nil {
			return nil, err
		}
		if err := h.hold(ctx, tx, *t, by, decision.Reason); err != nil {
			return nil, err
		}
	} else if err := h.complete(ctx, tx, t, by, t.Offer, "inspected as disclosed"); err != nil {
		return nil, err
	}
	if sameDecision(g.Decision, decision) {
		return nil, nil
	}
	return &decision, nil
}

// reroute holds a trade-in's payout for a supervisor, once, with the hub's
// decision on record.
func (h *Hub) reroute(ctx context.Context, tx *hubdb.Tx, a benchAuth, key string, t intake.TradeIn, d intake.Decision) error {
	rerouted, err := tx.Rerouted(ctx, t.ID)
	if err != nil || rerouted {
		return err
	}
	doc, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return tx.InsertReroute(ctx, hubdb.Step{EventKey: key, TradeInID: t.ID, Bench: a.bench, Doc: doc})
}

func (h *Hub) applyPhoto(ctx context.Context, tx *hubdb.Tx, a benchAuth, ev wire.Event, op intake.Operator, t intake.TradeIn) error {
	var p intake.Photo
	if err := json.Unmarshal(ev.Payload, &p); err != nil {
		p = intake.Photo{}
	}
	if r := checkPhoto(t, p); r != nil {
		return r
	}
	mime, err := tx.BlobMIME(ctx, p.SHA256)
	if errors.Is(err, hubdb.ErrNotFound) {
		return reject(wire.RejectBlobMissing, "The hub holds no blob %s: upload the photo (PUT /v1/blobs/%s) before its event.", p.SHA256, p.SHA256).about(&t, nil)
	}
	if err != nil {
		return err
	}
	return tx.InsertPhoto(ctx, hubdb.PhotoRecord{EventKey: ev.Key, TradeInID: t.ID, Bench: a.bench,
		Photo: intake.Photo{SHA256: p.SHA256, Angle: p.Angle, MIME: mime, Operator: op.ID, TakenAt: ev.At}})
}

// applyReroute confirms the bench's reroute of a device; the hub rerouted
// it already when its own decision on the grading said so, and refuses a
// reroute its decision does not make.
func (h *Hub) applyReroute(ctx context.Context, tx *hubdb.Tx, a benchAuth, ev wire.Event, t intake.TradeIn) error {
	var d intake.Decision
	if err := json.Unmarshal(ev.Payload, &d); err != nil {
		d = intake.Decision{}
	}
	var hub intake.Decision
	doc, err := tx.LatestGrading(ctx, t.ID)
	switch {
	case err == nil:
		if hub, err = hubDecision(t, doc); err != nil {
			return err
		}
	case !errors.Is(err, hubdb.ErrNotFound):
		return err
	}
	if r := checkReroute(t, d, hub); r != nil {
		return r
	}
	return h.reroute(ctx, tx, a, ev.Key, t, hub)
}

func (h *Hub) applyDecision(ctx context.Context, tx *hubdb.Tx, a benchAuth, ev wire.Event, t *intake.TradeIn) error {
	var d intake.SupervisorDecision
	if err := json.Unmarshal(ev.Payload, &d); err != nil {
		return reject(wire.RejectInvalidPayload, "The payload is not a supervisor decision on this trade-in.").about(t, nil)
	}
	rerouted, err := tx.Rerouted(ctx, t.ID)
	if err != nil {
		return err
	}
	kinds, err := tx.DecisionKinds(ctx, t.ID)
	if err != nil {
		return err
	}
	to, r := checkDecision(*t, ev.Kind, d, rerouted, slices.Contains(kinds, string(intake.DecideCounterOffer)))
	if r != nil && r.Code == wire.RejectInvalidState {
		// Two supervisors decided the same device: the one who lost is
		// told who won and what they decided.
		doc, err := tx.LatestDecision(ctx, t.ID)
		var won intake.SupervisorDecision
		if err == nil && json.Unmarshal(doc, &won) == nil {
			r.Detail = fmt.Sprintf("Trade-in %s was decided already: %s by %s at bench %s at %s.", t.Reference, won.Kind, won.Operator,
				won.Bench, won.At.UTC().Format(time.RFC3339))
		}
	}
	if r != nil {
		return r
	}
	if err := tx.InsertDecision(ctx, hubdb.Step{EventKey: ev.Key, TradeInID: t.ID, Bench: a.bench, Doc: ev.Payload}, string(d.Kind)); err != nil {
		return err
	}
	by := benchActor(intake.Operator{ID: ev.Operator}, a)
	switch to {
	case intake.StatusDeclined:
		// Back to the customer: the payout is voided, the unit leaves stock.
		return h.decline(ctx, tx, t, by, cmpOr(strings.TrimSpace(d.Reason), "payout declined after inspection"))
	case intake.StatusCompleted:
		return h.complete(ctx, tx, t, by, t.Offer, cmpOr(strings.TrimSpace(d.Reason), "accepted by a supervisor"))
	}
	return nil
}

// applyWalkIn records a trade-in bought at a store counter: it arrives
// received, with the payout owed. The hub checks what the bench checked,
// against its own registry and trade-ins.
func (h *Hub) applyWalkIn(ctx context.Context, tx *hubdb.Tx, a benchAuth, ev wire.Event) (*AppliedEvent, error) {
	var p walkInPayload
	if err := json.Unmarshal(ev.Payload, &p); err != nil {
		return nil, reject(wire.RejectInvalidPayload, "The payload is not a walk-in.")
	}
	if r := checkWalkIn(p, ev, a.bench); r != nil {
		return nil, r
	}
	t := p.TradeIn
	v, err := tx.Variant(ctx, t.Device.SKU)
	if err != nil && !errors.Is(err, hubdb.ErrNotFound) {
		return nil, err
	}
	if r := checkWalkInPrice(t, v, err == nil); r != nil {
		return nil, r
	}
	// The trade-in keeps the hub's price table, not the one the bench sent.
	t.Prices = v.Prices
	op, err := h.operator(ctx, tx, ev.Operator, intake.ActionWalkIn)
	if err != nil {
		return nil, err
	}
	var flag string
	switch f, err := tx.Flag(ctx, t.IMEI); {
	case err == nil:
		flag = string(f.Kind)
	case !errors.Is(err, hubdb.ErrNotFound):
		return nil, err
	}
	holders, err := tx.TradeInsOfIMEI(ctx, t.IMEI, "")
	if err != nil {
		return nil, err
	}
	if same, err := tx.TradeIn(ctx, t.ID); err == nil {
		holders = append(holders, same)
	} else if !errors.Is(err, hubdb.ErrNotFound) {
		return nil, err
	}
	if r := checkWalkInDevice(t, flag, holders); r != nil {
		return nil, r
	}
	now := h.now().UTC()
	t.UpdatedAt, t.CreatedAt, t.Source = now, now, intake.SourceWalkIn
	receipt := intake.Receipt{TradeInID: t.ID, IMEI: t.IMEI, Operator: op.ID, Bench: a.bench, At: ev.At.UTC(), EventKey: ev.Key}
	if err := tx.InsertWalkIn(ctx, hubdb.WalkIn{EventKey: ev.Key, TradeIn: t, Receipt: receipt, Payout: p.Payout}); err != nil {
		return nil, err
	}
	if err := h.boughtAtCounter(ctx, tx, t, p.Payout, benchActor(op, a), ev.Key); err != nil {
		return nil, err
	}
	// A duplicate delivery of the event is answered before it gets here,
	// so the receipt goes out once.
	if err := h.queueWalkInReceipt(ctx, tx, t, receipt, p.Payout, op.Name); err != nil {
		return nil, err
	}
	return &AppliedEvent{Key: ev.Key, Kind: string(ev.Kind), Bench: a.bench, Operator: op.ID, At: ev.At.UTC(), Payload: ev.Payload, TradeIn: t}, nil
}

// boughtAtCounter writes a walk-in's ledgers: the device is in stock at
// once, and its payout owed, due and paid at the counter in one go.
func (h *Hub) boughtAtCounter(ctx context.Context, tx *hubdb.Tx, t intake.TradeIn, p intake.Payout, by Actor, key string) error {
	now := h.now().UTC()
	unit := hubdb.Unit{ID: randomID("unit_"), TradeInID: t.ID, IMEI: t.IMEI, SKU: t.Device.SKU, Status: "received", CreatedAt: now, UpdatedAt: now}
	if err := tx.InsertUnit(ctx, unit); err != nil {
		return err
	}
	if err := tx.AppendHistory(ctx, t.ID, hubdb.HistoryEntry{To: intake.StatusReceived, Actor: by.String(), Reason: "bought at the counter", At: now}); err != nil {
		return err
	}
	if err := tx.AppendStock(ctx, intake.StockEntry{SKU: t.Device.SKU, Delta: 1, Reason: intake.StockWalkIn, TradeInID: t.ID, UnitID: unit.ID, At: now}); err != nil {
		return err
	}
	if p.Amount <= 0 {
		return nil
	}
	for _, e := range []intake.PayoutEntry{
		{Kind: intake.PayoutObligation, Amount: p.Amount, Method: p.Method, Actor: by.String()},
		{Kind: intake.PayoutRelease, Amount: p.Amount, Actor: by.String(), Note: "paid at the counter"},
		{Kind: intake.PayoutSettle, Amount: p.Amount, Method: p.Method, Reference: "counter:" + key, Actor: by.String()},
	} {
		if err := h.payoutStep(ctx, tx, t, e); err != nil {
			return err
		}
	}
	return nil
}

// applyQuarantine records a device a bench set aside for a supervisor. It
// changes no trade-in: no trade-in holds the device, which is why it was
// set aside. The hub reads the identifiers from the scan itself.
func (h *Hub) applyQuarantine(ctx context.Context, tx *hubdb.Tx, a benchAuth, ev wire.Event) error {
	var q intake.QuarantinedDevice
	if err := json.Unmarshal(ev.Payload, &q); err != nil && ev.TradeInID == "" {
		return reject(wire.RejectInvalidPayload, "The payload is not a quarantined device.")
	}
	if r := checkQuarantine(q, ev, a.bench); r != nil {
		return r
	}
	op, err := h.operator(ctx, tx, ev.Operator, intake.ActionQuarantine)
	if err != nil {
		return err
	}
	devices := intake.DeviceIdentities(q.Scan)
	ids, err := json.Marshal(devices)
	if err != nil {
		return err
	}
	return tx.InsertQuarantine(ctx, hubdb.Quarantine{EventKey: ev.Key, Bench: a.bench, Operator: op.ID, At: ev.At, Device: devices[0].Value,
		Identifiers: ids, Scan: q.Scan, Reason: strings.TrimSpace(q.Reason), Doc: ev.Payload, RecordedAt: h.now()})
}

// Photos lists the photos benches took of a trade-in's device, oldest
// first.
func (h *Hub) Photos(ctx context.Context, tradeInID string) (photos []intake.Photo, err error) {
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		photos, err = tx.Photos(ctx, tradeInID)
		return err
	})
	return photos, err
}

// Quarantines lists the devices benches set aside for a supervisor, oldest
// first, as the benches recorded them.
func (h *Hub) Quarantines(ctx context.Context) (qs []intake.QuarantinedDevice, err error) {
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		qs, err = tx.Quarantines(ctx)
		return err
	})
	return qs, err
}

// Receipt returns the hub's receipt of a trade-in, if any bench received it.
func (h *Hub) Receipt(ctx context.Context, tradeInID string) (r intake.Receipt, found bool, err error) {
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		r, found, err = tx.Receipt(ctx, tradeInID)
		return err
	})
	return r, found, err
}
