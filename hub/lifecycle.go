package hub

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/shipping"
	"github.com/intakebench/intakebench/intake"
)

// The trade-in's life around the bench (seeds 001 and 003): a customer's
// submission, the IMEI check, offers and their answers, shipping, the
// admin's receipt and inspection, completion, and the ledgers each step
// writes. Benches' receipts, gradings and supervisor decisions go through
// apply.go and end in the same steps (complete, hold, decline).

// Codes of the lifecycle's refusals, stable for clients.
const (
	CodeInvalid            = "invalid_request"
	CodeInvalidTransition  = "invalid_status_transition"
	CodeNotEditable        = "submission_not_editable"
	CodeUnknownProduct     = "unknown_product"
	CodeUnknownPhoto       = "unknown_photo"
	CodeIMEICheckRequired  = "imei_check_required"
	CodeIMEIFlagged        = "imei_flagged"
	CodeOfferExpired       = "offer_expired"
	CodeOfferClosed        = "offer_closed"
	CodeAmountOutOfRange   = "amount_out_of_range"
	CodePayoutNotDue       = "payout_not_due"
	CodeTradeInNotFound    = "submission_not_found"
	CodeOfferNotFound      = "offer_not_found"
	CodeNotYours           = "not_your_submission"
	CodeEmailTaken         = "email_taken"
	CodeBadCredentials     = "invalid_credentials"
	CodeValuationNotFound  = "valuation_not_found"
	CodeProductValuedTwice = "product_already_valued"
)

// MaxOfferLife is the furthest ahead an offer may expire.
const MaxOfferLife = 90 * 24 * time.Hour

// Actor is who asks for a step: it is recorded with the step.
type Actor struct {
	Kind string // "customer", "admin", "operator", "link" or "hub"
	ID   string
}

func (a Actor) String() string {
	if a.ID == "" {
		return a.Kind
	}
	return a.Kind + ":" + a.ID
}

// The hub's own steps (a completion after a grading, a settlement).
var hubActor = Actor{Kind: "hub"}

// transitionError refuses a move with the trade-in's current status, the
// 409 every illegal move answers.
func transitionError(t intake.TradeIn, to intake.Status) *Error {
	e := refuse(KindConflict, CodeInvalidTransition, "Trade-in %s is %s: it cannot become %s.", t.Reference, t.Status, to)
	e.CurrentStatus = t.Status
	return e
}

// move changes a trade-in's status through the one machine and records
// the move in its history.
func (h *Hub) move(ctx context.Context, tx *hubdb.Tx, t *intake.TradeIn, to intake.Status, by Actor, reason string) error {
	if err := intake.Transition(t.Status, to); err != nil {
		return transitionError(*t, to)
	}
	if err := tx.AppendHistory(ctx, t.ID, hubdb.HistoryEntry{From: t.Status, To: to, Actor: by.String(), Reason: reason, At: h.now()}); err != nil {
		return err
	}
	t.Status = to
	return nil
}

// save writes a trade-in's new state.
func (h *Hub) save(ctx context.Context, tx *hubdb.Tx, t *intake.TradeIn) error {
	t.UpdatedAt = h.now().UTC()
	return tx.SaveTradeIn(ctx, *t)
}

func randomID(prefix string) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return prefix + hex.EncodeToString(b)
}

// SubmissionInput is a customer's description of a device (seed 003's
// create and update bodies).
type SubmissionInput struct {
	ProductID    string   `json:"product_id"`
	SerialNumber string   `json:"serial_number"`
	Condition    string   `json:"condition"`
	Description  string   `json:"description"`
	Photos       []string `json:"photos"`
}

// MaxDescription bounds a submission's description, in characters.
const MaxDescription = 2000

// fill checks a submission input against the hub's catalog and the
// customer's photos and writes it into t.
func (h *Hub) fill(ctx context.Context, tx *hubdb.Tx, customerID string, in SubmissionInput, t *intake.TradeIn) error {
	var fields []string
	v, err := tx.Variant(ctx, strings.TrimSpace(in.ProductID))
	switch {
	case strings.TrimSpace(in.ProductID) == "":
		return refuse(KindInvalid, CodeInvalid, "product_id is required.")
	case errors.Is(err, hubdb.ErrNotFound):
		return refuse(KindUnprocessable, CodeUnknownProduct, "The catalog has no product %.40q.", in.ProductID)
	case err != nil:
		return err
	}
	t.Device = intake.Device{Make: v.Make, Model: v.Model, Storage: v.Storage, Carrier: v.Carrier, SKU: v.SKU}
	t.Prices = v.Prices
	t.IMEI, t.Serial = "", ""
	if serial := strings.TrimSpace(in.SerialNumber); serial != "" {
		if imei, err := intake.SingleIMEI(serial); err == nil {
			t.IMEI = imei
		} else if len(serial) > 64 || !printable(serial) {
			fields = append(fields, "serial_number is not a serial number or an IMEI")
		} else if digitsOnly(serial) {
			fields = append(fields, fmt.Sprintf("serial_number %s is not a valid IMEI (15 digits with a Luhn check digit)", serial))
		} else {
			t.Serial = serial
		}
	}
	t.Disclosed = intake.ConditionUnknown
	if c := strings.TrimSpace(in.Condition); c != "" {
		cond, err := intake.ParseCondition(c)
		if err != nil {
			fields = append(fields, "condition: "+err.Error())
		}
		t.Disclosed = cond
	}
	if utf8.RuneCountInString(in.Description) > MaxDescription {
		fields = append(fields, fmt.Sprintf("description is longer than %d characters", MaxDescription))
	}
	t.Description = strings.TrimSpace(in.Description)
	if len(fields) > 0 {
		return refuse(KindInvalid, CodeInvalid, "%s.", strings.Join(fields, "; "))
	}
	if len(in.Photos) > 20 {
		return refuse(KindInvalid, CodeInvalid, "A submission has at most 20 photos.")
	}
	t.Photos = nil
	for _, id := range in.Photos {
		p, err := tx.CustomerPhoto(ctx, id)
		if errors.Is(err, hubdb.ErrNotFound) || (err == nil && p.CustomerID != customerID) {
			return refuse(KindUnprocessable, CodeUnknownPhoto, "You have uploaded no photo %.40q.", id)
		}
		if err != nil {
			return err
		}
		t.Photos = append(t.Photos, id)
	}
	return nil
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return utf8.ValidString(s)
}

func digitsOnly(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// newReference is the next customer-facing reference, TI-YYYY-NNNNNN.
func (h *Hub) newReference(ctx context.Context, tx *hubdb.Tx) (string, error) {
	n, err := tx.NextNumber(ctx, "reference")
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("TI-%d-%06d", h.now().UTC().Year(), n), nil
}

// CreateSubmission starts a customer's trade-in as a draft.
func (h *Hub) CreateSubmission(ctx context.Context, customerID string, in SubmissionInput) (t intake.TradeIn, err error) {
	err = h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		c, err := loadCustomer(ctx, tx, customerID)
		if err != nil {
			return err
		}
		now := h.now().UTC()
		t = intake.TradeIn{ID: randomID("sub_"), Status: intake.StatusDraft, Source: intake.SourceSubmission, CustomerID: customerID,
			Customer: intake.Customer{Name: c.Profile.Name, Email: c.Email, Phone: c.Profile.Phone}, CreatedAt: now, UpdatedAt: now}
		if t.Reference, err = h.newReference(ctx, tx); err != nil {
			return err
		}
		if err := h.fill(ctx, tx, customerID, in, &t); err != nil {
			return err
		}
		if err := tx.InsertTradeIn(ctx, t); err != nil {
			return err
		}
		return tx.AppendHistory(ctx, t.ID, hubdb.HistoryEntry{To: intake.StatusDraft, Actor: Actor{"customer", customerID}.String(), At: now})
	})
	return t, err
}

// customerTradeIn reads a trade-in a customer asks about: another
// customer's is not found, so that ids cannot be probed.
func customerTradeIn(ctx context.Context, tx *hubdb.Tx, customerID, id string) (intake.TradeIn, error) {
	t, err := tx.TradeIn(ctx, id)
	if errors.Is(err, hubdb.ErrNotFound) || (err == nil && customerID != "" && t.CustomerID != customerID) {
		return t, refuse(KindNotFound, CodeTradeInNotFound, "There is no submission %.40q.", id)
	}
	return t, err
}

// UpdateSubmission replaces a draft's details; once submitted, a
// submission is the admin's to review and is not edited.
func (h *Hub) UpdateSubmission(ctx context.Context, customerID, id string, in SubmissionInput) (t intake.TradeIn, err error) {
	err = h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		if t, err = customerTradeIn(ctx, tx, customerID, id); err != nil {
			return err
		}
		if t.Status != intake.StatusDraft {
			e := refuse(KindConflict, CodeNotEditable, "Submission %s is %s: only a draft can be changed.", t.Reference, t.Status)
			e.CurrentStatus = t.Status
			return e
		}
		if err := h.fill(ctx, tx, customerID, in, &t); err != nil {
			return err
		}
		return h.save(ctx, tx, &t)
	})
	return t, err
}

// SubmitSubmission sends a draft for review: it needs the device's serial
// number or IMEI and its condition. A device known by an IMEI is checked
// against the registry at once, so the admin's queue shows the result.
func (h *Hub) SubmitSubmission(ctx context.Context, customerID, id string) (t intake.TradeIn, err error) {
	err = h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		if t, err = customerTradeIn(ctx, tx, customerID, id); err != nil {
			return err
		}
		if t.Status == intake.StatusDraft {
			var missing []string
			if t.IMEI == "" && t.Serial == "" {
				missing = append(missing, "serial_number")
			}
			if t.Disclosed == intake.ConditionUnknown {
				missing = append(missing, "condition")
			}
			if len(missing) > 0 {
				return refuse(KindUnprocessable, CodeInvalid, "Before it is submitted, the submission needs %s.", strings.Join(missing, " and "))
			}
		}
		by := Actor{"customer", customerID}
		if err := h.move(ctx, tx, &t, intake.StatusSubmitted, by, ""); err != nil {
			return err
		}
		if t.IMEI != "" {
			if _, err := h.checkIMEI(ctx, tx, &t, t.IMEI, hubActor); err != nil {
				return err
			}
		}
		return h.save(ctx, tx, &t)
	})
	return t, err
}

// CheckSubmissionIMEI runs seed 001's IMEI check on a trade-in: the
// registry's flags (blacklisted, finance-locked, unpaid) and the carrier
// the catalog knows. imei is needed only for a trade-in known by a serial
// number; it becomes the trade-in's IMEI.
func (h *Hub) CheckSubmissionIMEI(ctx context.Context, by Actor, id, imei string) (c intake.IMEICheck, err error) {
	err = h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		t, err := customerTradeIn(ctx, tx, "", id)
		if err != nil {
			return err
		}
		if imei = strings.TrimSpace(imei); imei == "" {
			imei = t.IMEI
		}
		if imei == "" {
			return refuse(KindUnprocessable, CodeInvalid, "Trade-in %s has no IMEI: give the device's IMEI to check.", t.Reference)
		}
		parsed, err := intake.SingleIMEI(imei)
		if err != nil {
			return refuse(KindInvalid, CodeInvalid, "imei: %s.", err.Error())
		}
		if t.IMEI != "" && parsed != t.IMEI && parsed != t.IMEI2 {
			return refuse(KindConflict, CodeInvalid, "Trade-in %s is for IMEI %s, not %s.", t.Reference, t.IMEI, parsed)
		}
		if c, err = h.checkIMEI(ctx, tx, &t, parsed, by); err != nil {
			return err
		}
		if t.IMEI == "" {
			t.IMEI = parsed
			return h.save(ctx, tx, &t)
		}
		return nil
	})
	return c, err
}

func (h *Hub) checkIMEI(ctx context.Context, tx *hubdb.Tx, t *intake.TradeIn, imei string, by Actor) (intake.IMEICheck, error) {
	c := intake.IMEICheck{IMEI: imei, Status: intake.IMEIClean, Carrier: t.Device.Carrier, CheckedAt: h.now().UTC()}
	switch f, err := tx.Flag(ctx, imei); {
	case err == nil:
		c.Status, c.Reason = intake.IMEIStatus(f.Kind), f.Reason
	case !errors.Is(err, hubdb.ErrNotFound):
		return c, err
	}
	return c, tx.InsertIMEICheck(ctx, t.ID, by.String(), c, c.CheckedAt)
}

// OfferInput is seed 003's create-offer body, its amount already read as
// a decimal.
type OfferInput struct {
	SubmissionID string
	Amount       intake.Cents
	Notes        string
	ExpiresAt    time.Time
}

// SendOffer quotes a price for a trade-in (seed 001's Send Quote, seed
// 003's create offer): after an IMEI check that found the device clean,
// and the registry still clean now. A new offer replaces an open one; a
// declined trade-in whose device never came may be counter-quoted. The
// customer is e-mailed the offer with accept and decline links.
func (h *Hub) SendOffer(ctx context.Context, by Actor, in OfferInput) (o hubdb.Offer, err error) {
	err = h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		t, err := customerTradeIn(ctx, tx, "", in.SubmissionID)
		if err != nil {
			return err
		}
		if !t.CanCounterQuote() {
			return transitionError(t, intake.StatusOffered)
		}
		now := h.now().UTC()
		switch {
		case in.Amount <= 0 || in.Amount > intake.MaxAmount:
			return refuse(KindUnprocessable, CodeAmountOutOfRange, "An offer of %s is not between 0.01 and %s.", in.Amount, intake.MaxAmount)
		case !in.ExpiresAt.After(now):
			return refuse(KindUnprocessable, CodeInvalid, "expires_at %s is not in the future.", in.ExpiresAt.UTC().Format(time.RFC3339))
		case in.ExpiresAt.After(now.Add(MaxOfferLife)):
			return refuse(KindUnprocessable, CodeInvalid, "expires_at is more than %d days ahead.", int(MaxOfferLife.Hours()/24))
		case utf8.RuneCountInString(in.Notes) > MaxDescription:
			return refuse(KindInvalid, CodeInvalid, "notes are longer than %d characters.", MaxDescription)
		}
		check, err := tx.LatestIMEICheck(ctx, t.ID)
		if errors.Is(err, hubdb.ErrNotFound) || (err == nil && check.IMEI != t.IMEI && check.IMEI != t.IMEI2) {
			return refuse(KindConflict, CodeIMEICheckRequired, "Run an IMEI check on %s before sending an offer.", t.Reference)
		}
		if err != nil {
			return err
		}
		// The registry may have flagged the device since the check.
		current, err := h.checkIMEI(ctx, tx, &t, check.IMEI, hubActor)
		if err != nil {
			return err
		}
		if current.Status != intake.IMEIClean {
			return refuse(KindConflict, CodeIMEIFlagged, "IMEI %s is %s: a flagged device is not offered for.", current.IMEI, current.Status)
		}
		o = hubdb.Offer{ID: randomID("off_"), TradeInID: t.ID, Amount: int64(in.Amount), Notes: strings.TrimSpace(in.Notes),
			ExpiresAt: in.ExpiresAt.UTC(), Status: "open", CreatedBy: by.String(), CreatedAt: now}
		if err := tx.InsertOffer(ctx, o); err != nil {
			return err
		}
		if err := h.move(ctx, tx, &t, intake.StatusOffered, by, o.Notes); err != nil {
			return err
		}
		t.Offer = in.Amount
		if err := h.save(ctx, tx, &t); err != nil {
			return err
		}
		return h.queueQuote(ctx, tx, t, o)
	})
	if err == nil {
		h.wakeMail()
	}
	return o, err
}

// AnswerOffer is the customer's answer to an offer: by their account
// (customerID set) or by the signed link of the e-mail (customerID "").
// An expired offer cannot be accepted. On accept (seed 001) stock on the
// product goes up by one, a unit with the submitted IMEI is created, and
// a payout obligation is logged for the amount; the device's shipping is
// arranged after. On decline nothing changes in stock and the trade-in is
// archived with the reason.
func (h *Hub) AnswerOffer(ctx context.Context, customerID, offerID string, accept bool, reason string) (t intake.TradeIn, err error) {
	by := Actor{"customer", customerID}
	if customerID == "" {
		by = Actor{Kind: "link"}
	}
	err = h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		o, err := tx.Offer(ctx, offerID)
		if errors.Is(err, hubdb.ErrNotFound) {
			return refuse(KindNotFound, CodeOfferNotFound, "There is no offer %.40q.", offerID)
		}
		if err != nil {
			return err
		}
		if t, err = customerTradeIn(ctx, tx, customerID, o.TradeInID); err != nil {
			if e := (*Error)(nil); errors.As(err, &e) && e.Code == CodeTradeInNotFound {
				return refuse(KindNotFound, CodeOfferNotFound, "There is no offer %.40q.", offerID)
			}
			return err
		}
		now := h.now().UTC()
		switch {
		case o.Status != "open":
			e := refuse(KindConflict, CodeOfferClosed, "Offer %s was %s already.", o.ID, o.Status)
			e.CurrentStatus = t.Status
			return e
		case accept && !now.Before(o.ExpiresAt):
			e := refuse(KindConflict, CodeOfferExpired, "Offer %s expired at %s.", o.ID, o.ExpiresAt.Format(time.RFC3339))
			e.CurrentStatus = t.Status
			return e
		}
		if !accept {
			reason = strings.TrimSpace(reason)
			if utf8.RuneCountInString(reason) > MaxDescription {
				return refuse(KindInvalid, CodeInvalid, "reason is longer than %d characters.", MaxDescription)
			}
			if err := tx.AnswerOffer(ctx, o.ID, "declined", reason, now); err != nil {
				return err
			}
			if err := h.decline(ctx, tx, &t, by, cmpOr(reason, "the customer declined the offer")); err != nil {
				return err
			}
			return h.save(ctx, tx, &t)
		}
		if err := tx.AnswerOffer(ctx, o.ID, "accepted", "", now); err != nil {
			return err
		}
		if err := h.move(ctx, tx, &t, intake.StatusAccepted, by, ""); err != nil {
			return err
		}
		t.Offer = intake.Cents(o.Amount)
		if err := h.accepted(ctx, tx, t, by); err != nil {
			return err
		}
		return h.save(ctx, tx, &t)
	})
	if err == nil && accept {
		if err := h.ArrangeShipping(ctx, t.ID); err != nil {
			// The acceptance stands: the admin arranges shipping again
			// from the queue.
			h.log.WarnContext(ctx, "arrange shipping", "trade_in", t.ID, "err", err)
		}
	}
	return t, err
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// accepted writes what an accepted trade-in owes and holds: its unit,
// expected at a bench, stock +1 on its product, and the payout obligation
// by the customer's chosen method.
func (h *Hub) accepted(ctx context.Context, tx *hubdb.Tx, t intake.TradeIn, by Actor) error {
	now := h.now().UTC()
	identity := cmpOr(t.IMEI, cmpOr(t.MEID, t.Serial))
	sku := t.Device.SKU
	if sku == "" {
		// A platform's trade-in names its device, not always our SKU.
		v, err := tx.FindVariant(ctx, t.Device.Make, t.Device.Model, t.Device.Storage, t.Device.Carrier)
		if err != nil && !errors.Is(err, hubdb.ErrNotFound) {
			return err
		}
		sku = v.SKU
	}
	unit := hubdb.Unit{ID: randomID("unit_"), TradeInID: t.ID, IMEI: identity, SKU: sku, Status: "expected", CreatedAt: now, UpdatedAt: now}
	switch err := tx.InsertUnit(ctx, unit); {
	case errors.Is(err, hubdb.ErrExists):
		// A counter-quote accepted after a decline: the unit is there.
		u, err := tx.UnitOf(ctx, t.ID)
		if err != nil {
			return err
		}
		unit = u
		if err := tx.SetUnitStatus(ctx, t.ID, "expected", now); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	// Stock is kept per product: a device the catalog does not know is a
	// unit without a product's stock.
	if unit.SKU != "" {
		if err := tx.AppendStock(ctx, intake.StockEntry{SKU: unit.SKU, Delta: 1, Reason: intake.StockAccepted, TradeInID: t.ID, UnitID: unit.ID, At: now}); err != nil {
			return err
		}
	}
	if t.Offer <= 0 {
		return nil // nothing was offered: nothing is owed
	}
	method, destination := intake.PayoutStoreCredit, ""
	if t.CustomerID != "" {
		c, err := loadCustomer(ctx, tx, t.CustomerID)
		if err != nil {
			return err
		}
		if p := c.Profile; p.PayoutMethod != "" {
			method, destination = p.PayoutMethod, p.StripeAccount
		}
	}
	return h.payoutStep(ctx, tx, t, intake.PayoutEntry{Kind: intake.PayoutObligation, Amount: t.Offer, Method: method, Destination: destination, Actor: by.String()})
}

// payoutStep appends an entry to a trade-in's payout ledger after checking
// it against the ledger. A hold, release or void of a trade-in that owes
// nothing (a demo trade-in, a walk-in paid at the counter) is no step.
func (h *Hub) payoutStep(ctx context.Context, tx *hubdb.Tx, t intake.TradeIn, e intake.PayoutEntry) error {
	_, standing, err := tx.PayoutLedger(ctx, t.ID)
	if err != nil {
		return err
	}
	switch e.Kind {
	case intake.PayoutHold:
		if standing.State != intake.PayoutOwed {
			return nil // held already (graded again), or nothing owed
		}
		e.Amount = standing.Amount
	case intake.PayoutVoid:
		if standing.State != intake.PayoutOwed && standing.State != intake.PayoutHeld {
			return nil
		}
		e.Amount = standing.Amount
	case intake.PayoutRelease:
		if standing.State != intake.PayoutOwed && standing.State != intake.PayoutHeld && standing.State != intake.PayoutFailed {
			return nil
		}
		if e.Amount == 0 || e.Amount > standing.Amount {
			e.Amount = standing.Amount
		}
	}
	if e.Method == "" {
		e.Method = standing.Method
	}
	e.TradeInID, e.At = t.ID, h.now().UTC()
	if _, err := standing.Next(e); err != nil {
		return refuse(KindConflict, CodePayoutNotDue, "Trade-in %s: %s.", t.Reference, err.Error())
	}
	if _, err := tx.AppendPayout(ctx, e); err != nil {
		return err
	}
	if e.Kind == intake.PayoutRelease && e.Method == intake.PayoutCard {
		h.wakePayments()
	}
	return nil
}

// complete finishes an inspected trade-in (seed 003: "credit issued"): its
// payout is released, to be settled by its method.
func (h *Hub) complete(ctx context.Context, tx *hubdb.Tx, t *intake.TradeIn, by Actor, amount intake.Cents, reason string) error {
	if err := h.move(ctx, tx, t, intake.StatusCompleted, by, reason); err != nil {
		return err
	}
	return h.payoutStep(ctx, tx, *t, intake.PayoutEntry{Kind: intake.PayoutRelease, Amount: amount, Actor: by.String(), Note: reason})
}

// hold holds an inspected trade-in's payout for a supervisor.
func (h *Hub) hold(ctx context.Context, tx *hubdb.Tx, t intake.TradeIn, by Actor, reason string) error {
	return h.payoutStep(ctx, tx, t, intake.PayoutEntry{Kind: intake.PayoutHold, Actor: by.String(), Note: reason})
}

// decline ends a trade-in without a purchase: the payout is voided, and a
// device that was counted into stock leaves it again, back to its
// customer (or never to come). A prepaid label the device will now not
// travel on is voided after the commit (voidLabels), and the customer is
// e-mailed what happens to the device, unless they declined themselves:
// they know.
func (h *Hub) decline(ctx context.Context, tx *hubdb.Tx, t *intake.TradeIn, by Actor, reason string) error {
	from := t.Status
	if err := h.move(ctx, tx, t, intake.StatusDeclined, by, reason); err != nil {
		return err
	}
	if err := h.payoutStep(ctx, tx, *t, intake.PayoutEntry{Kind: intake.PayoutVoid, Actor: by.String(), Note: reason}); err != nil {
		return err
	}
	if err := h.unitLeaves(ctx, tx, *t); err != nil {
		return err
	}
	label, err := unusedLabel(ctx, tx, *t, from)
	if err != nil {
		return err
	}
	if label != "" {
		if err := h.queueLabelVoid(ctx, tx, *t, label); err != nil {
			return err
		}
	}
	if by.Kind == "customer" || by.Kind == "link" {
		return nil
	}
	return h.queueDecline(ctx, tx, *t, reason, from.Received(), label != "")
}

// unitLeaves takes a declined trade-in's unit, if it has one, out of stock:
// returned to its customer if it was received, else cancelled.
func (h *Hub) unitLeaves(ctx context.Context, tx *hubdb.Tx, t intake.TradeIn) error {
	unit, err := tx.UnitOf(ctx, t.ID)
	if errors.Is(err, hubdb.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	entries, err := tx.StockEntriesOf(ctx, t.ID)
	if err != nil {
		return err
	}
	var counted int64
	for _, e := range entries {
		counted += e.Delta
	}
	now := h.now().UTC()
	if counted > 0 {
		if err := tx.AppendStock(ctx, intake.StockEntry{SKU: unit.SKU, Delta: -1, Reason: intake.StockReturned, TradeInID: t.ID, UnitID: unit.ID, At: now}); err != nil {
			return err
		}
	}
	status := "cancelled"
	if unit.Status == "received" {
		status = "returned"
	}
	return tx.SetUnitStatus(ctx, t.ID, status, now)
}

// unusedLabel is the id of the prepaid label of a trade-in declined from
// status from that its device will not travel on, or "". Only an accepted
// trade-in has one: the status machine declines none that is shipped,
// and one received has used its label. A parcel the customer sent without
// telling us is the carrier's to know: it refuses the void.
func unusedLabel(ctx context.Context, tx *hubdb.Tx, t intake.TradeIn, from intake.Status) (string, error) {
	if from != intake.StatusAccepted {
		return "", nil
	}
	doc, err := tx.Shipment(ctx, t.ID)
	if errors.Is(err, hubdb.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	var a shipping.Arrangement
	if err := json.Unmarshal(doc, &a); err != nil {
		return "", fmt.Errorf("decode shipment of %s: %w", t.ID, err)
	}
	if a.Method != shipping.MethodLabel {
		return "", nil
	}
	return a.LabelID, nil
}

// Ship marks an accepted trade-in's device as on its way (seed 003's ship
// action), with the carrier's tracking number when there is one.
func (h *Hub) Ship(ctx context.Context, by Actor, customerID, id, tracking string) (t intake.TradeIn, err error) {
	err = h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		if t, err = customerTradeIn(ctx, tx, customerID, id); err != nil {
			return err
		}
		if len(tracking) > 64 || !printable(tracking) {
			return refuse(KindInvalid, CodeInvalid, "tracking_number is not a tracking number.")
		}
		if err := h.move(ctx, tx, &t, intake.StatusShipped, by, ""); err != nil {
			return err
		}
		if tracking = strings.TrimSpace(tracking); tracking != "" {
			t.Tracking = tracking
		}
		return h.save(ctx, tx, &t)
	})
	return t, err
}

// Receive records the device's arrival without a bench (seed 003's receive
// action): an admin at the facility. Benches receive by their events.
func (h *Hub) Receive(ctx context.Context, by Actor, id string) (t intake.TradeIn, err error) {
	err = h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		if t, err = customerTradeIn(ctx, tx, "", id); err != nil {
			return err
		}
		if !t.Status.CanBeReceived() {
			return transitionError(t, intake.StatusReceived)
		}
		now := h.now().UTC()
		r := intake.Receipt{TradeInID: t.ID, IMEI: cmpOr(t.IMEI, t.Serial), Operator: by.String(), Bench: "hub", At: now, EventKey: randomID("hub:")}
		if err := tx.InsertReceipt(ctx, r); err != nil {
			return err
		}
		if err := h.move(ctx, tx, &t, intake.StatusReceived, by, ""); err != nil {
			return err
		}
		t.Receipt = &r
		if err := tx.SetUnitStatus(ctx, t.ID, "received", now); err != nil {
			return err
		}
		return h.save(ctx, tx, &t)
	})
	return t, err
}

// Inspect records an admin's inspection (seed 003's inspect action): the
// condition found. As disclosed (or better) completes the trade-in;
// worse holds its payout for a supervisor, as a bench's grading does.
func (h *Hub) Inspect(ctx context.Context, by Actor, id string, found intake.Condition, notes string) (t intake.TradeIn, d intake.Decision, err error) {
	err = h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		if t, err = customerTradeIn(ctx, tx, "", id); err != nil {
			return err
		}
		if found == intake.ConditionUnknown {
			return refuse(KindInvalid, CodeInvalid, "condition is required: new, excellent, good, fair, poor or broken.")
		}
		if err := h.move(ctx, tx, &t, intake.StatusInspected, by, notes); err != nil {
			return err
		}
		d = intake.DecideOnArrival(t, intake.Grade{Condition: found, Reasons: nonEmpty(notes)})
		if err := h.inspected(ctx, tx, &t, by, d, randomID("hub:")); err != nil {
			return err
		}
		return h.save(ctx, tx, &t)
	})
	return t, d, err
}

func nonEmpty(s string) []string {
	if s = strings.TrimSpace(s); s != "" {
		return []string{s}
	}
	return nil
}

// inspected follows an inspection's decision: as disclosed, the trade-in
// is completed; damaged on arrival, it is rerouted and its payout held.
func (h *Hub) inspected(ctx context.Context, tx *hubdb.Tx, t *intake.TradeIn, by Actor, d intake.Decision, key string) error {
	if !d.Reroute {
		return h.complete(ctx, tx, t, by, t.Offer, "inspected as disclosed")
	}
	rerouted, err := tx.Rerouted(ctx, t.ID)
	if err != nil {
		return err
	}
	if !rerouted {
		doc, err := json.Marshal(d)
		if err != nil {
			return err
		}
		if err := tx.InsertReroute(ctx, hubdb.Step{EventKey: key, TradeInID: t.ID, Bench: "hub", Doc: doc}); err != nil {
			return err
		}
	}
	return h.hold(ctx, tx, *t, by, d.Reason)
}
