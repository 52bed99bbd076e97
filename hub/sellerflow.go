package hub

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// Steps is a write transaction in which a package beside the hub (the
// seller API, the scheduler) takes trade-ins through the one status
// machine and its ledgers, and writes its own rows and events in the same
// commit. The rules are the hub's: a step the machine forbids is refused
// with the trade-in's current status, as from any other path.
type Steps struct {
	h  *Hub
	tx *hubdb.Tx
}

// InSteps runs fn in one write transaction of the hub's database.
func (h *Hub) InSteps(ctx context.Context, fn func(s *Steps) error) error {
	return h.db.InTx(ctx, func(tx *hubdb.Tx) error { return fn(&Steps{h: h, tx: tx}) })
}

// Tx is the transaction, for the caller's own rows.
func (s *Steps) Tx() *hubdb.Tx { return s.tx }

// Now is the hub's clock.
func (s *Steps) Now() time.Time { return s.h.now().UTC() }

// TradeIn reads a trade-in.
func (s *Steps) TradeIn(ctx context.Context, id string) (intake.TradeIn, error) {
	return customerTradeIn(ctx, s.tx, "", id)
}

// Submit adds t as a new trade-in waiting for the buyers' review
// (submitted), with a reference of the hub's when it has none. Its id,
// device, customer and source are the caller's.
func (s *Steps) Submit(ctx context.Context, t *intake.TradeIn, by Actor) error {
	now := s.Now()
	if t.ID == "" {
		t.ID = randomID("sub_")
	}
	if t.Reference == "" {
		ref, err := s.h.newReference(ctx, s.tx)
		if err != nil {
			return err
		}
		t.Reference = ref
	}
	t.Status, t.CreatedAt, t.UpdatedAt = intake.StatusSubmitted, now, now
	if err := s.tx.InsertTradeIn(ctx, *t); err != nil {
		return err
	}
	return s.tx.AppendHistory(ctx, t.ID, hubdb.HistoryEntry{From: intake.StatusDraft, To: intake.StatusSubmitted, Actor: by.String(), At: now})
}

// Offer sends t an offer of amount standing until expires, with id as the
// offer's id (a new one when empty). No IMEI check is asked for: a
// partner's item is known by its description until the device arrives,
// and the bench checks its IMEI at receipt.
func (s *Steps) Offer(ctx context.Context, t *intake.TradeIn, id string, amount intake.Cents, expires time.Time, by Actor, notes string) (hubdb.Offer, error) {
	now := s.Now()
	switch {
	case !t.CanCounterQuote():
		return hubdb.Offer{}, transitionError(*t, intake.StatusOffered)
	case amount <= 0 || amount > intake.MaxAmount:
		return hubdb.Offer{}, refuse(KindUnprocessable, CodeAmountOutOfRange, "An offer of %s is not between 0.01 and %s.", amount, intake.MaxAmount)
	case !expires.After(now):
		return hubdb.Offer{}, refuse(KindUnprocessable, CodeInvalid, "The offer's expiry %s is not in the future.", expires.UTC().Format(time.RFC3339))
	case expires.After(now.Add(MaxOfferLife)):
		return hubdb.Offer{}, refuse(KindUnprocessable, CodeInvalid, "The offer's expiry is more than %d days ahead.", int(MaxOfferLife.Hours()/24))
	case utf8.RuneCountInString(notes) > MaxDescription:
		return hubdb.Offer{}, refuse(KindInvalid, CodeInvalid, "notes are longer than %d characters.", MaxDescription)
	}
	if id == "" {
		id = randomID("off_")
	}
	o := hubdb.Offer{ID: id, TradeInID: t.ID, Amount: int64(amount), Notes: strings.TrimSpace(notes), ExpiresAt: expires.UTC(),
		Status: "open", CreatedBy: by.String(), CreatedAt: now}
	if err := s.tx.InsertOffer(ctx, o); err != nil {
		return o, err
	}
	if err := s.h.move(ctx, s.tx, t, intake.StatusOffered, by, o.Notes); err != nil {
		return o, err
	}
	t.Offer = amount
	return o, s.h.save(ctx, s.tx, t)
}

// openOffer reads the offer of t a customer answers: open, t's, and (to
// accept) not expired.
func (s *Steps) openOffer(ctx context.Context, t intake.TradeIn, offerID string, accept bool) (hubdb.Offer, error) {
	o, err := s.tx.Offer(ctx, offerID)
	if errors.Is(err, hubdb.ErrNotFound) || (err == nil && o.TradeInID != t.ID) {
		return o, refuse(KindNotFound, CodeOfferNotFound, "There is no offer %.40q.", offerID)
	}
	if err != nil {
		return o, err
	}
	switch {
	case o.Status != "open":
		e := refuse(KindConflict, CodeOfferClosed, "Offer %s was %s already.", o.ID, o.Status)
		e.CurrentStatus = t.Status
		return o, e
	case accept && !s.Now().Before(o.ExpiresAt):
		e := refuse(KindConflict, CodeOfferExpired, "Offer %s expired at %s.", o.ID, o.ExpiresAt.Format(time.RFC3339))
		e.CurrentStatus = t.Status
		return o, e
	}
	return o, nil
}

// AcceptOffer is the customer's yes to an open offer: t is accepted, its
// unit expected at a bench, stock and the payout obligation written, as
// for any accepted trade-in.
func (s *Steps) AcceptOffer(ctx context.Context, t *intake.TradeIn, offerID string, by Actor) error {
	o, err := s.openOffer(ctx, *t, offerID, true)
	if err != nil {
		return err
	}
	if err := s.tx.AnswerOffer(ctx, o.ID, "accepted", "", s.Now()); err != nil {
		return err
	}
	if err := s.h.move(ctx, s.tx, t, intake.StatusAccepted, by, ""); err != nil {
		return err
	}
	t.Offer = intake.Cents(o.Amount)
	if err := s.h.accepted(ctx, s.tx, *t, by); err != nil {
		return err
	}
	return s.h.save(ctx, s.tx, t)
}

// Decline ends t without a purchase, with reason; offerID, when not
// empty, is the open offer declined with it.
func (s *Steps) Decline(ctx context.Context, t *intake.TradeIn, offerID string, by Actor, reason string) error {
	if offerID != "" {
		o, err := s.openOffer(ctx, *t, offerID, false)
		if err != nil {
			return err
		}
		if err := s.tx.AnswerOffer(ctx, o.ID, "declined", reason, s.Now()); err != nil {
			return err
		}
	}
	if err := s.h.decline(ctx, s.tx, t, by, reason); err != nil {
		return err
	}
	return s.h.save(ctx, s.tx, t)
}

// SetOffer records that t's open offer now stands at amount (a buyer's
// uplift): the trade-in's offer follows it.
func (s *Steps) SetOffer(ctx context.Context, t *intake.TradeIn, amount intake.Cents) error {
	if amount <= 0 || amount > intake.MaxAmount {
		return refuse(KindUnprocessable, CodeAmountOutOfRange, "An offer of %s is not between 0.01 and %s.", amount, intake.MaxAmount)
	}
	t.Offer = amount
	return s.h.save(ctx, s.tx, t)
}

// ExpireOffer closes an open offer whose expiry has passed (any source's:
// seed 003's offers and counter-offers, seed 004's): it is declined as
// expired and, when it is its trade-in's standing offer, the trade-in is
// declined with it. The admin may counter-quote a declined trade-in whose
// device never came. It reports whether anything changed.
func (s *Steps) ExpireOffer(ctx context.Context, offerID string) (intake.TradeIn, bool, error) {
	o, err := s.tx.Offer(ctx, offerID)
	if err != nil {
		return intake.TradeIn{}, false, err
	}
	t, err := s.TradeIn(ctx, o.TradeInID)
	if err != nil {
		return t, false, err
	}
	now := s.Now()
	if o.Status != "open" || now.Before(o.ExpiresAt) {
		return t, false, nil
	}
	if err := s.tx.AnswerOffer(ctx, o.ID, "declined", "expired", now); err != nil {
		return t, false, err
	}
	if t.Status != intake.StatusOffered {
		return t, true, nil
	}
	if err := s.h.decline(ctx, s.tx, &t, hubActor, "the offer expired"); err != nil {
		return t, false, err
	}
	return t, true, s.h.save(ctx, s.tx, &t)
}
