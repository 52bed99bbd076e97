package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/mail"
	"github.com/intakebench/intakebench/hub/shipping"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/linktoken"
)

// Mailer sends an e-mail; *mail.SMTP is one.
type Mailer interface {
	Send(ctx context.Context, m mail.Message) error
}

// Shipping arranges how an accepted trade-in's device reaches the
// facility; *shipping.ShipEngine and *shipping.Pickup are two.
type Shipping interface {
	Arrange(ctx context.Context, r shipping.Request) (shipping.Arrangement, error)
}

// LabelVoider voids a prepaid label that will not be used;
// *shipping.ShipEngine is one. The hub voids through its Labels, when
// they can.
type LabelVoider interface {
	VoidLabel(ctx context.Context, labelID string) (shipping.Void, error)
}

// Kinds of mail in the outbox.
const (
	mailQuote    = "quote"
	mailShipping = "shipping"
	mailReceipt  = "receipt"
	mailDecline  = "decline"
	// outLabelVoid is no e-mail but a label for the carrier to void. It
	// is kept in the mail outbox for what the outbox gives any call the
	// hub makes outside: written in the transaction that wants it, made
	// after the commit, retried until it is answered, driven by
	// RunLifecycle.
	outLabelVoid = "label-void"
)

// offerLinkPurpose signs the links of a quote e-mail: their subject is the
// offer id and the answer, "off_…/accept" or "off_…/decline".
const offerLinkPurpose = "offer"

// offerLink is the URL of a signed answer to an offer.
func (h *Hub) offerLink(o hubdb.Offer, answer string) (string, error) {
	token, err := h.links.Sign(linktoken.Claims{Purpose: offerLinkPurpose, Subject: o.ID + "/" + answer, Expires: o.ExpiresAt})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s/offers/%s/respond?token=%s", h.linkBase, url.PathEscape(o.ID), url.QueryEscape(token)), nil
}

// VerifyOfferLink reads the offer and the answer a quote e-mail's link
// carries; a link that is tampered with, expired or for something else is
// refused.
func (h *Hub) VerifyOfferLink(token string) (offerID string, accept bool, err error) {
	c, err := h.links.Verify(token, offerLinkPurpose, h.now())
	if errors.Is(err, linktoken.ErrExpired) {
		return "", false, refuse(KindConflict, CodeOfferExpired, "This link has expired with its offer.")
	}
	if err != nil {
		return "", false, refuse(KindForbidden, "invalid_link", "This link is not one the hub sent, or it was changed.")
	}
	id, answer, ok := strings.Cut(c.Subject, "/")
	if !ok || (answer != "accept" && answer != "decline") {
		return "", false, refuse(KindForbidden, "invalid_link", "This link is not one the hub sent, or it was changed.")
	}
	return id, answer == "accept", nil
}

// queueQuote puts the quote e-mail of an offer in the outbox, in the
// offer's transaction: an offer sent is an e-mail sent, whenever the mail
// server takes it.
func (h *Hub) queueQuote(ctx context.Context, tx *hubdb.Tx, t intake.TradeIn, o hubdb.Offer) error {
	if t.Customer.Email == "" {
		return nil
	}
	accept, err := h.offerLink(o, "accept")
	if err != nil {
		return err
	}
	decline, err := h.offerLink(o, "decline")
	if err != nil {
		return err
	}
	m, err := mail.QuoteMessage(mail.Quote{To: t.Customer.Email, CustomerName: t.Customer.Name, Reference: t.Reference,
		Device: strings.Join([]string{t.Device.Make, t.Device.Model, t.Device.Storage}, " "), Amount: intake.Cents(o.Amount),
		Notes: o.Notes, ExpiresAt: o.ExpiresAt, AcceptURL: accept, DeclineURL: decline, Business: h.business})
	if err != nil {
		return fmt.Errorf("write the quote e-mail of %s: %w", t.ID, err)
	}
	return h.queueMail(ctx, tx, mailQuote, m)
}

// queueDecline puts the e-mail that tells the customer of a remote
// trade-in it is declined in the outbox, in the decline's transaction:
// the reason, and what happens to the device (received: returned to the
// customer's address, or we get in touch; else not to be sent, its label
// cancelled). A walk-in's customer was at the counter; a seller's
// customers hear from the seller, whom the hub tells by its events.
func (h *Hub) queueDecline(ctx context.Context, tx *hubdb.Tx, t intake.TradeIn, reason string, received, labelCancelled bool) error {
	if t.Customer.Email == "" || t.Source == intake.SourceWalkIn || t.Source == intake.SourceSeller {
		return nil
	}
	d := mail.Decline{To: t.Customer.Email, CustomerName: t.Customer.Name, Reference: t.Reference,
		Device: strings.Join(strings.Fields(t.Device.Make+" "+t.Device.Model+" "+t.Device.Storage), " "), Reason: reason,
		Received: received, LabelCancelled: labelCancelled, Business: h.business}
	if received && t.CustomerID != "" {
		c, err := loadCustomer(ctx, tx, t.CustomerID)
		if err != nil {
			return err
		}
		if a := c.Profile.Address; a.Line1 != "" {
			d.ReturnAddress = a.to(t.Customer.Name).Lines()
		}
	}
	m, err := mail.DeclineMessage(d)
	if err != nil {
		// An address no mail server would take (an imported one, say)
		// must not undo the decline, nor make a bench push it forever.
		h.log.WarnContext(ctx, "no decline e-mail", "trade_in", t.ID, "err", err)
		return nil
	}
	return h.queueMail(ctx, tx, mailDecline, m)
}

// labelVoid is an outLabelVoid row's doc.
type labelVoid struct {
	TradeInID string `json:"trade_in_id"`
	LabelID   string `json:"label_id"`
}

// queueLabelVoid asks, in a decline's transaction, for the trade-in's
// label to be voided after the commit: the carrier is not called with the
// database locked, nor for a decline that is rolled back.
func (h *Hub) queueLabelVoid(ctx context.Context, tx *hubdb.Tx, t intake.TradeIn, labelID string) error {
	doc, err := json.Marshal(labelVoid{TradeInID: t.ID, LabelID: labelID})
	if err != nil {
		return err
	}
	return tx.EnqueueMail(ctx, outLabelVoid, labelID, doc, h.now())
}

func (h *Hub) queueMail(ctx context.Context, tx *hubdb.Tx, kind string, m mail.Message) error {
	doc, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return tx.EnqueueMail(ctx, kind, m.To, doc, h.now())
}

func (h *Hub) wakeMail() {
	select {
	case h.mailWake <- struct{}{}:
	default:
	}
}

func (h *Hub) wakePayments() {
	select {
	case h.payWake <- struct{}{}:
	default:
	}
}

// mailRetry is how long a failed e-mail waits before its next attempt:
// doubling from a minute, at most an hour.
func mailRetry(attempts int) time.Duration {
	return min(time.Minute<<min(attempts, 6), time.Hour)
}

// mailLease is how long a hub process holds an outbox row it is sending:
// far longer than an SMTP conversation or a carrier's answer takes, and
// the time after which a row whose sender died is tried again.
const mailLease = 5 * time.Minute

// claimMail takes an outbox row for this process, so that with several
// hub processes on one database each e-mail goes once.
func (h *Hub) claimMail(ctx context.Context, id int64) (claimed bool, err error) {
	now := h.now()
	err = h.db.InTx(ctx, func(tx *hubdb.Tx) (err error) {
		claimed, err = tx.ClaimMail(ctx, id, now, now.Add(mailLease))
		return err
	})
	return claimed, err
}

// DeliverMail sends the e-mails that are due and returns how many it
// sent. One the server refuses waits its turn to be tried again. It makes
// the outbox's other calls too: the label voids of declines.
func (h *Hub) DeliverMail(ctx context.Context) (int, error) {
	sent, err := h.sendMail(ctx)
	return sent, errors.Join(err, h.voidLabels(ctx))
}

func (h *Hub) sendMail(ctx context.Context) (int, error) {
	if h.mailer == nil {
		return 0, nil
	}
	var due []hubdb.Mail
	err := h.db.View(ctx, func(tx *hubdb.Tx) (err error) {
		due, err = tx.DueMail(ctx, h.now(), 50, outLabelVoid)
		return err
	})
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, m := range due {
		if claimed, err := h.claimMail(ctx, m.ID); err != nil || !claimed {
			if err != nil {
				return sent, err
			}
			continue // another hub process is sending it
		}
		var msg mail.Message
		if err := json.Unmarshal(m.Doc, &msg); err != nil {
			return sent, fmt.Errorf("decode mail %d: %w", m.ID, err)
		}
		sendErr := h.mailer.Send(ctx, msg)
		err := h.db.InTx(ctx, func(tx *hubdb.Tx) error {
			if sendErr != nil {
				return tx.MailFailed(ctx, m.ID, sendErr.Error(), h.now().Add(mailRetry(m.Attempts)))
			}
			return tx.MailSent(ctx, m.ID, h.now())
		})
		if err != nil {
			return sent, err
		}
		if sendErr != nil {
			h.log.WarnContext(ctx, "e-mail not sent; it will be tried again", "kind", m.Kind, "attempts", m.Attempts+1, "err", sendErr)
			continue
		}
		sent++
	}
	return sent, nil
}

// voidLabels voids the labels that declines queued and records each
// outcome in its trade-in's history. A void that failed on the way
// (ShipEngine unreachable, a 5xx, our key refused) stays queued and is
// tried again as a failed e-mail is; the history tells its first failure.
// ShipEngine's answer, approved or not, ends it: asking again gets the
// same answer.
func (h *Hub) voidLabels(ctx context.Context) error {
	voider, ok := h.labels.(LabelVoider)
	if !ok {
		return nil // the voids wait for labels that can void them
	}
	var due []hubdb.Mail
	err := h.db.View(ctx, func(tx *hubdb.Tx) (err error) {
		due, err = tx.DueMailOf(ctx, h.now(), outLabelVoid, 50)
		return err
	})
	if err != nil {
		return err
	}
	for _, m := range due {
		if claimed, err := h.claimMail(ctx, m.ID); err != nil || !claimed {
			if err != nil {
				return err
			}
			continue // another hub process is voiding it
		}
		var v labelVoid
		if err := json.Unmarshal(m.Doc, &v); err != nil {
			return fmt.Errorf("decode label void %d: %w", m.ID, err)
		}
		answer, callErr := voider.VoidLabel(ctx, v.LabelID)
		note, done := voidOutcome(v.LabelID, answer, callErr)
		if !done && m.Attempts > 0 {
			note = "" // the history has the first failure; the row keeps the last
		}
		err := h.db.InTx(ctx, func(tx *hubdb.Tx) error {
			if done {
				if err := tx.MailSent(ctx, m.ID, h.now()); err != nil {
					return err
				}
			} else if err := tx.MailFailed(ctx, m.ID, callErr.Error(), h.now().Add(mailRetry(m.Attempts))); err != nil {
				return err
			}
			if note == "" {
				return nil
			}
			// A note, not a move: the trade-in stays where it is.
			t, err := tx.TradeIn(ctx, v.TradeInID)
			if err != nil {
				return err
			}
			return tx.AppendHistory(ctx, t.ID, hubdb.HistoryEntry{From: t.Status, To: t.Status, Actor: hubActor.String(), Reason: note, At: h.now()})
		})
		if err != nil {
			return err
		}
		if !done {
			h.log.WarnContext(ctx, "label not voided; it will be tried again", "trade_in", v.TradeInID, "label", v.LabelID,
				"attempts", m.Attempts+1, "err", callErr)
		}
	}
	return nil
}

// voidOutcome reads what voiding label answered: the history's note, and
// whether it is done with.
func voidOutcome(label string, v shipping.Void, err error) (note string, done bool) {
	switch {
	case err == nil && v.Approved:
		return fmt.Sprintf("Prepaid shipping label %s voided.", label), true
	case err == nil && v.ReasonCode == shipping.VoidAlreadyVoided:
		// An earlier attempt voided it and its answer was lost.
		return fmt.Sprintf("Prepaid shipping label %s was voided already.", label), true
	case err == nil:
		// The carrier's no (the parcel is on its way, it is too late):
		// staff read why.
		return fmt.Sprintf("Prepaid shipping label %s not voided: %s", label, cmpOr(v.Message, cmpOr(v.ReasonCode, "not approved"))), true
	case errors.Is(err, shipping.ErrInvalidRequest):
		// ShipEngine does not know the label: it will not later either.
		return fmt.Sprintf("Prepaid shipping label %s not voided: %v", label, err), true
	}
	return fmt.Sprintf("Voiding prepaid shipping label %s failed; the hub tries again: %v", label, err), false
}

// ArrangeShipping arranges how an accepted trade-in's device reaches the
// facility (seed 001: a shipping label e-mail, or pickup instructions if
// local): a label when the customer gave an address and a carrier is
// configured, pickup instructions otherwise. The customer is e-mailed it.
func (h *Hub) ArrangeShipping(ctx context.Context, id string) error {
	var t intake.TradeIn
	var p Profile
	err := h.db.View(ctx, func(tx *hubdb.Tx) (err error) {
		if t, err = tx.TradeIn(ctx, id); err != nil {
			return err
		}
		if t.CustomerID == "" {
			return nil
		}
		c, err := loadCustomer(ctx, tx, t.CustomerID)
		p = c.Profile
		return err
	})
	if err != nil {
		return err
	}
	if t.Status != intake.StatusAccepted {
		return transitionError(t, intake.StatusShipped)
	}
	via := h.pickup
	if h.labels != nil && p.Address.Line1 != "" {
		via = h.labels
	}
	if via == nil {
		return nil
	}
	customer := p.Address.to(t.Customer.Name)
	customer.Phone, customer.Email = t.Customer.Phone, t.Customer.Email
	req := shipping.Request{TradeInID: t.ID, Reference: t.Reference, Facility: h.facility, WeightGrams: 500, Customer: customer}
	arr, err := via.Arrange(ctx, req)
	if errors.Is(err, shipping.ErrInvalidRequest) && via == h.labels && h.pickup != nil {
		// An address the carrier cannot take still gets the device here.
		h.log.WarnContext(ctx, "no label for this address; sending pickup instructions", "trade_in", t.ID, "err", err)
		arr, err = h.pickup.Arrange(ctx, req)
	}
	if err != nil {
		return fmt.Errorf("arrange shipping of %s: %w", t.Reference, err)
	}
	doc, err := json.Marshal(arr)
	if err != nil {
		return err
	}
	err = h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		if err := tx.PutShipment(ctx, t.ID, doc, h.now()); err != nil {
			return err
		}
		if arr.TrackingNumber != "" {
			current, err := tx.TradeIn(ctx, t.ID)
			if err != nil {
				return err
			}
			current.Tracking = arr.TrackingNumber
			if err := h.save(ctx, tx, &current); err != nil {
				return err
			}
		}
		if t.Customer.Email == "" {
			return nil
		}
		s := mail.Shipment{To: t.Customer.Email, CustomerName: t.Customer.Name, Reference: t.Reference, Business: h.business}
		if arr.LabelURL != "" {
			s.TrackingNumber, s.LabelURL = arr.TrackingNumber, arr.LabelURL
		} else {
			s.Instructions = arr.Instructions
		}
		m, err := mail.ShippingMessage(s)
		if err != nil {
			return err
		}
		return h.queueMail(ctx, tx, mailShipping, m)
	})
	if err == nil {
		h.wakeMail()
	}
	return err
}
