package hub

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/payments"
	"github.com/intakebench/intakebench/intake"
)

// Payments pays a released card payout; *payments.Stripe is one. Pay is
// idempotent per payout, so a settlement retried after a lost answer
// never pays twice.
type Payments interface {
	Pay(ctx context.Context, r payments.Request) (payments.Receipt, error)
}

// SettlePayouts pays the released card payouts through Payments and
// records each settlement in its ledger. It returns how many it settled;
// a payout the processor declines fails (intake.PayoutFail, with the
// processor's reason) and is not tried again until staff release it again
// (RetryPayout); a payout the processor could not be asked about stays due.
func (h *Hub) SettlePayouts(ctx context.Context) (int, error) {
	if h.payments == nil {
		return 0, nil
	}
	var due []string
	err := h.db.View(ctx, func(tx *hubdb.Tx) (err error) {
		due, err = tx.DuePayouts(ctx, intake.PayoutCard, 100)
		return err
	})
	if err != nil {
		return 0, err
	}
	settled := 0
	for _, id := range due {
		var t intake.TradeIn
		var standing intake.PayoutStanding
		var destination string
		err := h.db.View(ctx, func(tx *hubdb.Tx) error {
			if t, err = tx.TradeIn(ctx, id); err != nil {
				return err
			}
			var entries []intake.PayoutEntry
			if entries, standing, err = tx.PayoutLedger(ctx, id); err != nil {
				return err
			}
			for _, e := range entries {
				if e.Kind == intake.PayoutObligation {
					destination = e.Destination
				}
			}
			return nil
		})
		if err != nil {
			return settled, err
		}
		receipt, err := h.payments.Pay(ctx, payments.Request{PayoutID: id, Amount: standing.Amount, Destination: destination,
			Description: fmt.Sprintf("Trade-in %s", t.Reference)})
		var declined *payments.DeclinedError
		switch {
		case errors.As(err, &declined):
			// Asked again, the processor answers the same: the payout
			// waits for staff (RetryPayout once the customer's account is
			// right, or settled by hand another way).
			h.log.WarnContext(ctx, "payout declined by the processor", "trade_in", id, "err", err)
			err := h.db.InTx(ctx, func(tx *hubdb.Tx) error {
				return h.payoutStep(ctx, tx, t, intake.PayoutEntry{Kind: intake.PayoutFail, Amount: standing.Amount, Actor: hubActor.String(),
					Note: declinedNote(declined)})
			})
			if err != nil {
				return settled, err
			}
			continue
		case err != nil:
			return settled, fmt.Errorf("pay trade-in %s: %w", id, err)
		}
		err = h.db.InTx(ctx, func(tx *hubdb.Tx) error {
			return h.payoutStep(ctx, tx, t, intake.PayoutEntry{Kind: intake.PayoutSettle, Amount: standing.Amount, Method: intake.PayoutCard,
				Reference: receipt.Reference, Actor: hubActor.String()})
		})
		if err != nil {
			return settled, err
		}
		settled++
	}
	return settled, nil
}

// SettleByHand records a payout paid outside the hub: a check written,
// store credit issued. reference is the check number or voucher.
func (h *Hub) SettleByHand(ctx context.Context, by Actor, tradeInID, reference string) error {
	reference = strings.TrimSpace(reference)
	if reference == "" || len(reference) > 100 || !printable(reference) {
		return refuse(KindInvalid, CodeInvalid, "reference is required: the check number or store-credit voucher.")
	}
	return h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		t, err := customerTradeIn(ctx, tx, "", tradeInID)
		if err != nil {
			return err
		}
		_, standing, err := tx.PayoutLedger(ctx, t.ID)
		if err != nil {
			return err
		}
		if standing.State != intake.PayoutDue {
			return refuse(KindConflict, CodePayoutNotDue, "The payout of %s is %s, not due.", t.Reference, standing.State)
		}
		if standing.Method == intake.PayoutCard {
			return refuse(KindConflict, CodePayoutNotDue, "The payout of %s is paid by card through the processor, not by hand.", t.Reference)
		}
		return h.payoutStep(ctx, tx, t, intake.PayoutEntry{Kind: intake.PayoutSettle, Amount: standing.Amount, Method: standing.Method,
			Reference: reference, Actor: by.String()})
	})
}

// PayoutLedger returns a trade-in's payout ledger and where it stands.
func (h *Hub) PayoutLedger(ctx context.Context, tradeInID string) (entries []intake.PayoutEntry, standing intake.PayoutStanding, err error) {
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		entries, standing, err = tx.PayoutLedger(ctx, tradeInID)
		return err
	})
	return entries, standing, err
}

// Stock is a product's stock: the sum of its ledger.
func (h *Hub) Stock(ctx context.Context, sku string) (n int64, err error) {
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		n, err = tx.Stock(ctx, sku)
		return err
	})
	return n, err
}

// declinedNote is a declined payout's ledger note, for staff: the
// processor's code and words, never its request's secrets (DeclinedError
// holds none).
func declinedNote(d *payments.DeclinedError) string {
	note := "The processor declined the payout"
	if d.Code != "" {
		note += " (" + d.Code + ")"
	}
	if d.Message != "" {
		note += ": " + d.Message
	}
	return note
}

// CodePayoutNotFailed refuses a retry of a payout that did not fail.
const CodePayoutNotFailed = "payout_not_failed"

// RetryPayout releases a failed payout again, once the customer's account
// is right: the next settlement run pays it.
func (h *Hub) RetryPayout(ctx context.Context, by Actor, tradeInID string) error {
	err := h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		t, err := customerTradeIn(ctx, tx, "", tradeInID)
		if err != nil {
			return err
		}
		_, standing, err := tx.PayoutLedger(ctx, t.ID)
		if err != nil {
			return err
		}
		if standing.State != intake.PayoutFailed {
			return refuse(KindConflict, CodePayoutNotFailed, "The payout of trade-in %s is %s: only a failed payout is tried again.", t.Reference, standing.State)
		}
		return h.payoutStep(ctx, tx, t, intake.PayoutEntry{Kind: intake.PayoutRelease, Amount: standing.Amount, Actor: by.String(), Note: "tried again"})
	})
	if err == nil {
		h.wakePayments()
	}
	return err
}
