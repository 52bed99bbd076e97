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

// Kinds of mail in the outbox.
const (
	mailQuote    = "quote"
	mailShipping = "shipping"
	mailReceipt  = "receipt"
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

// DeliverMail sends the e-mails that are due and returns how many it
// sent. One the server refuses waits its turn to be tried again.
func (h *Hub) DeliverMail(ctx context.Context) (int, error) {
	if h.mailer == nil {
		return 0, nil
	}
	var due []hubdb.Mail
	err := h.db.View(ctx, func(tx *hubdb.Tx) (err error) {
		due, err = tx.DueMail(ctx, h.now(), 50)
		return err
	})
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, m := range due {
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
		c, err := tx.Customer(ctx, t.CustomerID)
		if err != nil {
			return err
		}
		return json.Unmarshal(c.Profile, &p)
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
	req := shipping.Request{TradeInID: t.ID, Reference: t.Reference, Facility: h.facility, WeightGrams: 500,
		Customer: shipping.Address{Name: t.Customer.Name, Phone: t.Customer.Phone, Email: t.Customer.Email, Line1: p.Address.Line1,
			Line2: p.Address.Line2, City: p.Address.City, State: p.Address.State, PostalCode: p.Address.PostalCode, Country: p.Address.Country}}
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
