package hub

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
)

// The hub's rules over events, as functions of the rows the hub loaded
// and the event's payload: they decide, the apply functions load and
// store. A refusal is a *Rejection.

// actionOf is what an event about a trade-in asks its operator's role to
// be allowed, and false for kinds that are not about an existing trade-in.
func actionOf(kind intake.EventKind) (intake.Action, bool) {
	switch kind {
	case intake.EventReceived:
		return intake.ActionReceive, true
	case intake.EventGraded, intake.EventPhotoAdded:
		return intake.ActionGrade, true
	case intake.EventRerouted:
		return intake.ActionReroute, true
	case intake.EventPayoutDeclined, intake.EventCounterOffer, intake.EventPhotosRequested:
		return intake.ActionDecide, true
	case intake.EventOverrideAccepted:
		return intake.ActionOverride, true
	}
	return "", false
}

// checkBench decides whether a bench may act on a trade-in: a receipt only
// of one not yet received, anything else only of one this bench received.
func checkBench(kind intake.EventKind, t intake.TradeIn, prior *intake.Receipt, bench string) *Rejection {
	if kind == intake.EventReceived {
		if prior != nil {
			return reject(wire.RejectAlreadyReceived, "Trade-in %s was already received at bench %s by operator %s at %s.",
				t.Reference, prior.Bench, prior.Operator, prior.At.Format(time.RFC3339)).about(&t, prior)
		}
		return nil
	}
	// A supervisor decides from the one review queue at any bench; the
	// device's own work (grading, photos, reroute) stays with the bench
	// that holds it.
	if prior != nil && isSupervisorDecision(kind) {
		return nil
	}
	if prior == nil || prior.Bench != bench {
		return reject(wire.RejectNotReceivedHere, "Trade-in %s was not received at bench %s.", t.Reference, bench).about(&t, prior)
	}
	return nil
}

func isSupervisorDecision(k intake.EventKind) bool {
	switch k {
	case intake.EventPayoutDeclined, intake.EventCounterOffer, intake.EventOverrideAccepted, intake.EventPhotosRequested:
		return true
	}
	return false
}

// checkOperator decides whether an operator the hub knows (found false
// when it does not) may do action.
func checkOperator(id string, op intake.Operator, found bool, action intake.Action) *Rejection {
	if !found {
		return reject(wire.RejectUnknownOperator, "The hub knows no operator %s.", id)
	}
	if err := intake.Authorize(op, action); err != nil {
		return reject(wire.RejectOperatorNotAllow, "%s", err.Error())
	}
	return nil
}

// checkReceipt decides a receipt by the device's scan: the device must be
// one of the trade-in's identities, and the trade-in must be receivable.
func checkReceipt(t intake.TradeIn, in intake.Receipt) *Rejection {
	if in.TradeInID != "" && in.TradeInID != t.ID {
		return reject(wire.RejectInvalidPayload, "The payload is not a receipt of this trade-in.").about(&t, nil)
	}
	if in.Link == nil && in.IMEI != "" && in.IMEI != t.IMEI && in.IMEI != t.IMEI2 && in.IMEI != t.MEID && in.IMEI != t.Serial {
		return reject(wire.RejectInvalidPayload, "Device %s is not the device of trade-in %s.", in.IMEI, t.Reference).about(&t, nil)
	}
	if err := intake.Transition(t.Status, intake.StatusReceived); err != nil {
		return reject(wire.RejectInvalidState, "%s", err.Error()).about(&t, nil)
	}
	return nil
}

// handLinkFacts is what the hub knows of a device linked by hand.
type handLinkFacts struct {
	flaggedIMEI, flagKind string          // the first flagged identity, if any
	openOther             *intake.TradeIn // another trade-in in progress holding the device
	openOtherDevice       string
	winner                *intake.Receipt // the device's receipt for another trade-in in progress
}

// checkHandLink decides a receipt linked by hand, because its scan matched
// nothing: a valid link whose scan holds the device received, no flag on
// the device or the trade-in, and a device that is not another trade-in's
// in progress.
func checkHandLink(t intake.TradeIn, in intake.Receipt, f handLinkFacts) *Rejection {
	if err := wire.ValidateHandLink(*in.Link); err != nil {
		return reject(wire.RejectInvalidPayload, "%s", err.Error()).about(&t, nil)
	}
	if err := intake.ValidateHandLink(*in.Link, in.IMEI); err != nil {
		return reject(wire.RejectInvalidPayload, "%s", err.Error()).about(&t, nil)
	}
	switch {
	case f.flaggedIMEI != "":
		return reject(wire.RejectIMEIFlagged, "IMEI %s is %s: the device cannot be received.", f.flaggedIMEI, f.flagKind).about(&t, nil)
	case f.openOther != nil:
		return reject(wire.RejectTradeInOpen, "Device %s belongs to trade-in %s (%s): it cannot be linked by hand to %s.",
			f.openOtherDevice, f.openOther.Reference, f.openOther.Status, t.Reference).about(&t, nil)
	case f.winner != nil:
		return reject(wire.RejectAlreadyReceived, "Device %s was already received for trade-in %s at bench %s by operator %s at %s.",
			in.IMEI, f.winner.TradeInID, f.winner.Bench, f.winner.Operator, f.winner.At.Format(time.RFC3339)).about(&t, f.winner)
	}
	return nil
}

// checkGrading decides a grading: the grade is computed from the
// inspection, never taken from the bench, and a bench that disagrees with
// the rubric is refused. A device may be graded again while inspected. It
// returns the hub's damaged-on-arrival decision, from the hub's trade-in
// (what was disclosed, offered and priced) and the computed grade: the
// bench's decision is advisory.
func checkGrading(t intake.TradeIn, g intake.Grading) (intake.Decision, *Rejection) {
	if g.TradeInID != t.ID {
		return intake.Decision{}, reject(wire.RejectInvalidPayload, "The payload is not a grading of this trade-in.").about(&t, nil)
	}
	grade, err := intake.ComputeGrade(g.Inspection)
	if err != nil {
		return intake.Decision{}, reject(wire.RejectInvalidPayload, "%s", err.Error()).about(&t, nil)
	}
	if grade.Condition != g.Grade.Condition || grade.Cosmetic != g.Grade.Cosmetic || grade.Functional != g.Grade.Functional {
		return intake.Decision{}, reject(wire.RejectGradeMismatch, "The inspection grades %s, the bench sent %s.", grade.Condition, g.Grade.Condition).about(&t, nil)
	}
	if t.Status != intake.StatusInspected {
		if err := intake.Transition(t.Status, intake.StatusInspected); err != nil {
			return intake.Decision{}, reject(wire.RejectInvalidState, "%s", err.Error()).about(&t, nil)
		}
	}
	return intake.DecideOnArrival(t, grade), nil
}

// sameDecision reports whether the bench decided what the hub decides.
func sameDecision(bench, hub intake.Decision) bool {
	return bench.Reroute == hub.Reroute && bench.Disclosed == hub.Disclosed && bench.Graded == hub.Graded &&
		bench.Offer == hub.Offer && bench.GradedPrice == hub.GradedPrice
}

// hubDecision is the hub's damaged-on-arrival decision from a grading doc
// it stored, recomputed from the inspection: never the bench's word.
func hubDecision(t intake.TradeIn, doc []byte) (intake.Decision, error) {
	var g intake.Grading
	if err := json.Unmarshal(doc, &g); err != nil {
		return intake.Decision{}, fmt.Errorf("decode grading of %s: %w", t.ID, err)
	}
	grade, err := intake.ComputeGrade(g.Inspection)
	if err != nil {
		return intake.Decision{}, fmt.Errorf("grade of %s: %w", t.ID, err)
	}
	return intake.DecideOnArrival(t, grade), nil
}

// checkPhoto decides a photo event: the content's SHA-256 and the side it
// shows, one of intake.PhotoAngles. The angle is kept and shown to
// supervisors as it comes, so it is never free text.
func checkPhoto(t intake.TradeIn, p intake.Photo) *Rejection {
	if !wire.ValidBlobName(p.SHA256) {
		return reject(wire.RejectInvalidPayload, "The payload is not a photo: it needs the SHA-256 of its content.").about(&t, nil)
	}
	if !intake.ValidPhotoAngle(p.Angle) {
		return reject(wire.RejectInvalidPayload, "%.40q is not a side of a device; a photo shows one of %s.",
			p.Angle, strings.Join(intake.PhotoAngles(), ", ")).about(&t, nil)
	}
	return nil
}

// checkReroute decides a reroute to Returns: only of an inspected device
// that the hub's own decision on its latest grading reroutes.
func checkReroute(t intake.TradeIn, d intake.Decision, hub intake.Decision) *Rejection {
	if !d.Reroute {
		return reject(wire.RejectInvalidPayload, "The payload is not a reroute decision.").about(&t, nil)
	}
	// The hub's own decision first: a device it completed as disclosed is
	// refused as a mismatch, which tells the bench why.
	if t.Receipt != nil && !hub.Reroute && (t.Status == intake.StatusInspected || t.Status == intake.StatusCompleted) {
		r := reject(wire.RejectDecisionMismatch, "The hub's grading of trade-in %s does not reroute it: graded %s, disclosed %s.",
			t.Reference, hub.Graded, hub.Disclosed).about(&t, nil)
		r.Decision = &hub
		return r
	}
	if t.Status != intake.StatusInspected {
		return reject(wire.RejectInvalidState, "Trade-in %s is %s: only an inspected device can be rerouted.", t.Reference, t.Status).about(&t, nil)
	}
	return nil
}

// checkDecision decides a supervisor's decision on a rerouted device, once,
// and returns the status it moves the trade-in to (its own for a decision
// that leaves the status as it is). open says a counter-offer is already
// waiting for the customer.
func checkDecision(t intake.TradeIn, kind intake.EventKind, d intake.SupervisorDecision, rerouted, open bool) (intake.Status, *Rejection) {
	if d.TradeInID != t.ID {
		return "", reject(wire.RejectInvalidPayload, "The payload is not a supervisor decision on this trade-in.").about(&t, nil)
	}
	if _, k, err := d.Kind.ResultingState(); err != nil || k != kind {
		return "", reject(wire.RejectInvalidPayload, "A %s decision is not a %s event.", d.Kind, kind).about(&t, nil)
	}
	if !rerouted {
		return "", reject(wire.RejectNotRerouted, "Trade-in %s was not rerouted: there is nothing for a supervisor to decide.", t.Reference).about(&t, nil)
	}
	if t.Status != intake.StatusInspected {
		return "", reject(wire.RejectInvalidState, "Trade-in %s is %s: it was decided already.", t.Reference, t.Status).about(&t, nil)
	}
	if d.Kind == intake.DecideCounterOffer {
		if r := checkCounterOffer(t, d, open); r != nil {
			return "", r
		}
	}
	to := t.Status
	switch kind {
	case intake.EventPayoutDeclined:
		to = intake.StatusDeclined
	case intake.EventOverrideAccepted:
		to = intake.StatusCompleted
	}
	if err := intake.Transition(t.Status, to); to != t.Status && err != nil {
		return "", reject(wire.RejectInvalidState, "%s", err.Error()).about(&t, nil)
	}
	return to, nil
}

// MaxCounterOfferLife is the longest a counter-offer may wait for the
// customer's answer.
const MaxCounterOfferLife = 30 * 24 * time.Hour

// checkCounterOffer decides a counter-offer's money: one open per
// trade-in, more than nothing and at most the original offer, answered by
// a date after the decision and within MaxCounterOfferLife of it.
func checkCounterOffer(t intake.TradeIn, d intake.SupervisorDecision, open bool) *Rejection {
	switch {
	case open:
		return reject(wire.RejectCounterOfferOpen, "Trade-in %s already has a counter-offer waiting for the customer.", t.Reference).about(&t, nil)
	case d.CounterOffer <= 0 || d.CounterOffer > t.Offer:
		return reject(wire.RejectAmountOutOfRange, "A counter-offer is more than 0.00 and at most the original offer of %s, not %s.",
			t.Offer, d.CounterOffer).about(&t, nil)
	case !d.Expires.After(d.At) || d.Expires.Sub(d.At) > MaxCounterOfferLife:
		return reject(wire.RejectInvalidPayload, "A counter-offer expires after it is made and within %d days.",
			int(MaxCounterOfferLife/(24*time.Hour))).about(&t, nil)
	}
	return nil
}

// walkInPayload is what a bench sends of a walk-in.
type walkInPayload struct {
	TradeIn intake.TradeIn `json:"trade_in"`
	Payout  intake.Payout  `json:"payout"`
}

// checkWalkIn decides the shape of a walk-in: received at this bench by
// this event, by its IMEI, paid what was quoted.
func checkWalkIn(p walkInPayload, ev wire.Event, bench string) *Rejection {
	t, r := p.TradeIn, p.TradeIn.Receipt
	switch {
	case t.ID != ev.TradeInID || t.Status != intake.StatusReceived || r == nil || r.TradeInID != t.ID || r.Bench != bench || r.EventKey != ev.Key:
		return reject(wire.RejectInvalidPayload, "The walk-in's trade-in is not received at this bench by this event.")
	case !wire.ValidIMEI(t.IMEI) || r.IMEI != t.IMEI:
		return reject(wire.RejectInvalidPayload, "A walk-in is received by its IMEI.")
	case p.Payout.Amount != t.Offer || p.Payout.Amount < 0:
		return reject(wire.RejectInvalidPayload, "The payout of %s is not the quoted %s.", p.Payout.Amount, t.Offer)
	}
	if err := wire.ValidateTradeIn(t); err != nil {
		return reject(wire.RejectInvalidPayload, "%s", err.Error())
	}
	return nil
}

// checkWalkInPrice decides a walk-in's money by the hub's own catalog: the
// device is the SKU's, and the offer (which checkWalkIn made sure is the
// payout) is what the hub's price table gives the disclosed condition.
func checkWalkInPrice(t intake.TradeIn, v wire.Variant, known bool) *Rejection {
	if !known {
		return reject(wire.RejectUnknownVariant, "The hub's catalog lists no SKU %q.", t.Device.SKU)
	}
	d := t.Device
	if !strings.EqualFold(d.Make, v.Make) || !strings.EqualFold(d.Model, v.Model) || !strings.EqualFold(d.Storage, v.Storage) ||
		!strings.EqualFold(d.Carrier, v.Carrier) {
		return reject(wire.RejectInvalidPayload, "SKU %s is a %s %s %s %s, not a %s %s %s %s.", v.SKU, v.Make, v.Model, v.Storage, v.Carrier,
			d.Make, d.Model, d.Storage, d.Carrier)
	}
	if err := intake.CheckAmount(t.Offer); err != nil {
		return reject(wire.RejectAmountOutOfRange, "The offer: %s.", err.Error())
	}
	price, err := v.Prices.Quote(t.Disclosed)
	if err != nil {
		return reject(wire.RejectPriceMismatch, "The hub has no price for SKU %s in %s condition.", v.SKU, t.Disclosed)
	}
	if t.Offer != price {
		return reject(wire.RejectPriceMismatch, "The hub prices SKU %s in %s condition at %s, not %s.", v.SKU, t.Disclosed, price, t.Offer)
	}
	return nil
}

// maxClockAhead is how far ahead of the hub's clock an event may be dated:
// a bench's clock drifts, not by days.
const maxClockAhead = 24 * time.Hour

// checkEventTime decides whether an event's time is believable: not before
// 2000, not more than maxClockAhead ahead of the hub's clock.
func checkEventTime(at, now time.Time) *Rejection {
	if at.Before(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)) || at.After(now.Add(maxClockAhead)) {
		return reject(wire.RejectEventTime, "An event's time is after 2000-01-01 and at most a day ahead of the hub's clock (%s), not %s.",
			now.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339))
	}
	return nil
}

// checkWalkInDevice decides whether the hub may buy a walk-in's device:
// not flagged, and held by no trade-in in progress (nor by this one's id).
func checkWalkInDevice(t intake.TradeIn, flag string, holders []intake.TradeIn) *Rejection {
	if flag != "" {
		return reject(wire.RejectIMEIFlagged, "IMEI %s is %s: the hub refuses to buy it.", t.IMEI, flag)
	}
	for _, other := range holders {
		if other.ID == t.ID || other.Status.Open() {
			return reject(wire.RejectTradeInOpen, "IMEI %s already belongs to trade-in %s (%s).", t.IMEI, other.Reference, other.Status).about(&other, nil)
		}
	}
	return nil
}

// checkQuarantine decides a quarantine: a device no trade-in holds, set
// aside by this event's bench and operator.
func checkQuarantine(q intake.QuarantinedDevice, ev wire.Event, bench string) *Rejection {
	switch {
	case ev.TradeInID != "":
		return reject(wire.RejectInvalidPayload, "A quarantine is of a device no trade-in holds: it names no trade-in.")
	case q.Bench != bench || q.EventKey != ev.Key || q.Operator != ev.Operator:
		return reject(wire.RejectInvalidPayload, "The quarantine is not this event's, by this bench and operator.")
	case len(q.Scan) > intake.MaxScanLen:
		return reject(wire.RejectInvalidPayload, "The scan is longer than %d bytes.", intake.MaxScanLen)
	}
	if err := q.Validate(); err != nil {
		return reject(wire.RejectInvalidPayload, "%s", err.Error())
	}
	return nil
}
