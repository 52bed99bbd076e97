package hub

import (
	"context"
	"errors"
	"fmt"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/mail"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/receipt"
)

// Refusals of e-mailing a walk-in's receipt again.
const (
	CodeNotWalkIn = "not_a_walk_in"
	CodeNoEmail   = "no_email_address"
)

// queueWalkInReceipt puts a walk-in's receipt e-mail, the PDF attached, in
// the outbox in tx. The hub renders the PDF itself from what it stored:
// it trusts no bench's rendering of what it bought.
func (h *Hub) queueWalkInReceipt(ctx context.Context, tx *hubdb.Tx, t intake.TradeIn, r intake.Receipt, p intake.Payout, clerk string) error {
	if t.Customer.Email == "" {
		return nil
	}
	pdf, err := receipt.FromWalkIn(receipt.Business{Name: h.business, Address: h.businessAddr}, t, r, p, clerk).PDF()
	if err != nil {
		return fmt.Errorf("render the receipt of %s: %w", t.ID, err)
	}
	m := mail.Message{
		To:      t.Customer.Email,
		Subject: "Your receipt for trade-in " + t.Reference,
		Text: fmt.Sprintf("Hello %s,\n\nThank you for trading in your %s %s with %s.\nYour receipt for %s is attached.\n",
			orCustomer(t.Customer.Name), t.Device.Make, t.Device.Model, h.business, t.Reference),
		Attachments: []mail.Attachment{{Name: "receipt-" + t.Reference + ".pdf", Type: "application/pdf", Data: pdf}},
	}
	return h.queueMail(ctx, tx, mailReceipt, m)
}

func orCustomer(name string) string {
	if name == "" {
		return "customer"
	}
	return name
}

// ResendWalkInReceipt queues a walk-in's receipt e-mail again, from the
// trade-in, receipt and payout the hub stored.
func (h *Hub) ResendWalkInReceipt(ctx context.Context, id string) error {
	err := h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		t, err := customerTradeIn(ctx, tx, "", id)
		if err != nil {
			return err
		}
		if t.Source != intake.SourceWalkIn {
			return refuse(KindConflict, CodeNotWalkIn, "Trade-in %s was not bought at a counter: it has no receipt to e-mail.", t.Reference)
		}
		if t.Customer.Email == "" {
			return refuse(KindConflict, CodeNoEmail, "The customer of trade-in %s gave no e-mail address.", t.Reference)
		}
		r, ok, err := tx.Receipt(ctx, t.ID)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("walk-in %s has no receipt", t.ID)
		}
		entries, err := tx.PayoutEntries(ctx, t.ID)
		if err != nil {
			return err
		}
		var p intake.Payout
		for _, e := range entries {
			if e.Kind == intake.PayoutObligation {
				p.Amount, p.Method = e.Amount, e.Method
			}
		}
		var clerk string
		switch op, err := tx.Operator(ctx, r.Operator); {
		case err == nil:
			clerk = op.Name
		case !errors.Is(err, hubdb.ErrNotFound):
			return err
		}
		return h.queueWalkInReceipt(ctx, tx, t, r, p, clerk)
	})
	if err == nil {
		h.wakeMail()
	}
	return err
}
