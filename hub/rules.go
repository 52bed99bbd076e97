package hub

import (
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
	if prior == nil || prior.Bench != bench {
		return reject(wire.RejectNotReceivedHere, "Trade-in %s was not received at bench %s.", t.Reference, bench).about(&t, prior)
	}
	return nil
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
// the rubric is refused. A device may be graded again while inspected.
func checkGrading(t intake.TradeIn, g intake.Grading) *Rejection {
	if g.TradeInID != t.ID {
		return reject(wire.RejectInvalidPayload, "The payload is not a grading of this trade-in.").about(&t, nil)
	}
	grade, err := intake.ComputeGrade(g.Inspection)
	if err != nil {
		return reject(wire.RejectInvalidPayload, "%s", err.Error()).about(&t, nil)
	}
	if grade.Condition != g.Grade.Condition || grade.Cosmetic != g.Grade.Cosmetic || grade.Functional != g.Grade.Functional {
		return reject(wire.RejectGradeMismatch, "The inspection grades %s, the bench sent %s.", grade.Condition, g.Grade.Condition).about(&t, nil)
	}
	if t.Status != intake.StatusInspected {
		if err := intake.Transition(t.Status, intake.StatusInspected); err != nil {
			return reject(wire.RejectInvalidState, "%s", err.Error()).about(&t, nil)
		}
	}
	return nil
}

// checkPhoto decides a photo event: the content's SHA-256 and the side it
// shows.
func checkPhoto(t intake.TradeIn, p intake.Photo) *Rejection {
	if !sha256Hex.MatchString(p.SHA256) || strings.TrimSpace(p.Angle) == "" {
		return reject(wire.RejectInvalidPayload, "The payload is not a photo: it needs the SHA-256 of its content and the side it shows.").about(&t, nil)
	}
	return nil
}

// checkReroute decides a reroute to Returns: only of an inspected device.
func checkReroute(t intake.TradeIn, d intake.Decision) *Rejection {
	if !d.Reroute {
		return reject(wire.RejectInvalidPayload, "The payload is not a reroute decision.").about(&t, nil)
	}
	if t.Status != intake.StatusInspected {
		return reject(wire.RejectInvalidState, "Trade-in %s is %s: only an inspected device can be rerouted.", t.Reference, t.Status).about(&t, nil)
	}
	return nil
}

// checkDecision decides a supervisor's decision on a rerouted device, once,
// and returns the status it moves the trade-in to (its own for a decision
// that leaves the status as it is).
func checkDecision(t intake.TradeIn, kind intake.EventKind, d intake.SupervisorDecision, rerouted bool) (intake.Status, *Rejection) {
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
