package hub

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// Staff's decline of a trade-in (seed 001's "decline with a reason"): the
// dashboard's way to end a trade-in the hub will not buy, with a reason
// from a fixed list so that reports can count them, and free notes. The
// move is the lifecycle's own decline: the status machine, the payout
// voided, stock and the unit put back, an unused shipping label voided and
// the customer e-mailed.

// CodeUnknownDeclineReason refuses a decline whose reason is not one of
// DeclineReasons.
const CodeUnknownDeclineReason = "unknown_decline_reason"

// DeclineReason is one of the reasons staff may decline a trade-in for.
type DeclineReason struct {
	Code  string // stable, as a form sends it
	Label string // as the customer and the history read it
}

// declineReasons is the fixed list, in the order a form offers it.
var declineReasons = [...]DeclineReason{
	{"imei_flagged", "The device is flagged by the IMEI check"},
	{"not_bought", "We do not buy this device"},
	{"condition", "The device's condition is below what we buy"},
	{"account_locked", "The device is still locked to an account"},
	{"duplicate", "This is a duplicate of another trade-in"},
	{"no_response", "The customer did not respond"},
	{"other", "Other"},
}

// DeclineReasons returns the reasons staff may decline a trade-in for, in
// the order a form offers them (a copy: the list is fixed).
func DeclineReasons() []DeclineReason { return slices.Clone(declineReasons[:]) }

// declineReason returns the reason of code, if it is one.
func declineReason(code string) (DeclineReason, bool) {
	for _, r := range declineReasons {
		if r.Code == code {
			return r, true
		}
	}
	return DeclineReason{}, false
}

// StaffMayDecline reports whether staff may decline t from the dashboard:
// whenever the status machine lets it become declined, except when it
// was inspected and is held for a supervisor's decision.
func StaffMayDecline(t intake.TradeIn) bool {
	return t.Status != intake.StatusInspected && intake.Transition(t.Status, intake.StatusDeclined) == nil
}

// DeclineSubmission declines a trade-in for reason (a DeclineReasons code)
// with notes, which the history and the customer's status page show after
// the reason's label. An open offer is withdrawn with it, so that the
// e-mailed accept link no longer works. A trade-in inspected and held for
// a supervisor is not declined here: that decision is a supervisor's at a
// bench, under its grant, and answers as an illegal move.
func (h *Hub) DeclineSubmission(ctx context.Context, by Actor, tradeInID, reason, notes string) error {
	r, ok := declineReason(strings.TrimSpace(reason))
	if !ok {
		codes := make([]string, len(declineReasons))
		for i, r := range declineReasons {
			codes[i] = r.Code
		}
		return refuse(KindUnprocessable, CodeUnknownDeclineReason, "%.40q is not a reason to decline: give one of %s.", reason, strings.Join(codes, ", "))
	}
	notes = strings.TrimSpace(notes)
	switch {
	case utf8.RuneCountInString(notes) > MaxDescription:
		return refuse(KindInvalid, CodeInvalid, "notes are longer than %d characters.", MaxDescription)
	case !printable(strings.NewReplacer("\n", " ", "\r", " ", "\t", " ").Replace(notes)):
		return refuse(KindInvalid, CodeInvalid, "notes hold characters that are not text.")
	case r.Code == "other" && notes == "":
		return refuse(KindUnprocessable, CodeInvalid, "Say in the notes why the trade-in is declined.")
	}
	text := r.Label
	if notes != "" {
		text += ": " + notes
	}
	err := h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		t, err := customerTradeIn(ctx, tx, "", tradeInID)
		if err != nil {
			return err
		}
		if t.Status == intake.StatusInspected {
			// The one case StaffMayDecline adds to the status machine.
			e := refuse(KindConflict, CodeInvalidTransition,
				"Trade-in %s is inspected and waits for a supervisor's decision at a bench: decline it there.", t.Reference)
			e.CurrentStatus = t.Status
			return e
		}
		// The move first: an illegal one changes nothing, offers included.
		if err := h.decline(ctx, tx, &t, by, text); err != nil {
			return err
		}
		offers, err := tx.Offers(ctx, t.ID)
		if err != nil {
			return err
		}
		for _, o := range offers {
			if o.Status == "open" {
				// Withdrawn: superseded by the decline, not declined by
				// the customer.
				if err := tx.AnswerOffer(ctx, o.ID, "superseded", text, h.now().UTC()); err != nil {
					return err
				}
			}
		}
		return h.save(ctx, tx, &t)
	})
	if err == nil {
		h.wakeMail() // the customer's e-mail, the label's void
	}
	return err
}
