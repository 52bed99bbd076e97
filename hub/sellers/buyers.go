package sellers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/webhook"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/httpx"
)

// Seed 004's event types.
const (
	EventSubmissionCreated = webhook.EventSubmissionCreated
	EventItemAccepted      = webhook.EventSubmissionItemAccepted
	EventItemRejected      = webhook.EventSubmissionItemRejected
	EventMoreInfoAsked     = webhook.EventSubmissionMoreInfoAsked
	EventOfferUplifted     = webhook.EventOfferUplifted
	EventOfferReminder     = webhook.EventOfferReminder
)

// RejectionReasons are the reasons our buyers reject an item with.
var RejectionReasons = []string{"Duplicate", "NotAuthentic", "ConditionNotAccepted", "ModelNotAccepted", "InsufficientInformation", "Other"}

// AdditionalPhotoTypes are the photos seed 004's example asks a seller for
// (additionalPhotos); a category's template photos may be asked for too.
var AdditionalPhotoTypes = []string{"Back", "Corner", "Hardware", "Inside", "Zipper"}

// buyer is who the admin API's steps are recorded as: the admin key is
// the programme's, not a person's.
var buyer = hub.Actor{Kind: "buyer"}

// itemStepFunc is a step on item i of submission l, whose trade-in is t.
type itemStepFunc func(ctx context.Context, st *hub.Steps, l loaded, i int, t *intake.TradeIn) error

// buyerItem runs step as our buyers on an item of a seller's submission,
// in one transaction, and answers the submission as it stands after. An
// unknown seller is seller_not_found.
func (a *API) buyerItem(ctx context.Context, sellerID, submissionID, itemID string, step itemStepFunc) (loaded, error) {
	var exists bool
	err := a.hub.DB().View(ctx, func(tx *hubdb.Tx) error {
		_, err := tx.Seller(ctx, sellerID)
		exists = err == nil
		if errors.Is(err, hubdb.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return loaded{}, err
	}
	if !exists {
		return loaded{}, refuse(http.StatusNotFound, CodeSellerNotFound, "There is no seller %.40q.", sellerID)
	}
	// Who acted is in the trade-in's history: the step's move, or a note.
	return a.runItem(ctx, sellerID, submissionID, itemID, step)
}

// checkOfferAmount refuses an offer's amount out of range (0: missing or
// unreadable).
func checkOfferAmount(f *fields, amount intake.Cents) {
	if amount <= 0 || amount > intake.MaxAmount {
		f.add("offerPrice.amount", "must be a number above 0 with at most two decimals, such as 100 or 24.99")
	}
}

// Accept accepts an item with an offer of amount in currency (the
// seller's), standing until expires (zero: DefaultOfferLife from now),
// made by by: the trade-in is offered, the seller told
// (SubmissionItemAcceptedEvent), and reminders scheduled for days 5 and
// 12. A refusal is a hub.Error or this package's (see RefusalOf).
func (a *API) Accept(ctx context.Context, by hub.Actor, sellerID, submissionID, itemID string, amount intake.Cents, currency string, expires time.Time) error {
	_, err := a.accept(ctx, by, sellerID, submissionID, itemID, amount, currency, expires)
	return err
}

func (a *API) accept(ctx context.Context, by hub.Actor, sellerID, submissionID, itemID string, amount intake.Cents, currency string, expires time.Time) (loaded, error) {
	var f fields
	checkOfferAmount(&f, amount)
	if err := f.err(); err != nil {
		return loaded{}, err
	}
	return a.buyerItem(ctx, sellerID, submissionID, itemID, func(ctx context.Context, st *hub.Steps, l loaded, i int, t *intake.TradeIn) error {
		p, err := a.profile(ctx, st.Tx(), l.sub.SellerID)
		if err != nil {
			return err
		}
		if currency != p.Currency {
			var f fields
			f.add("offerPrice.currencyIsoCode", "must be %s, the seller's currency", p.Currency)
			return f.err()
		}
		if l.items[i].Status == ItemMoreInfo {
			return refuse(http.StatusConflict, "more_information_pending", "Item %s waits for the photos asked for: %s.", l.items[i].ID, strings.Join(l.docs[i].AdditionalPhotos, ", "))
		}
		if t.Status != intake.StatusSubmitted {
			e := &hub.Error{Kind: hub.KindConflict, Code: hub.CodeInvalidTransition, CurrentStatus: t.Status,
				Detail: fmt.Sprintf("Item %s is %s: only a submitted item is accepted with an offer.", l.items[i].ID, l.items[i].Status)}
			return e
		}
		exp := expires
		if exp.IsZero() {
			exp = st.Now().Add(DefaultOfferLife)
		}
		o, err := st.Offer(ctx, t, a.newID("offer"), amount, exp, by, "")
		if err != nil {
			return err
		}
		tx := st.Tx()
		if err := tx.InsertSellerOffer(ctx, hubdb.SellerOffer{OfferID: o.ID, ItemID: l.items[i].ID, BaseAmount: o.Amount}); err != nil {
			return err
		}
		if err := tx.ScheduleStep(ctx, StepReminder5, o.ID, o.CreatedAt.Add(FirstReminder)); err != nil {
			return err
		}
		if err := tx.ScheduleStep(ctx, StepReminder12, o.ID, o.CreatedAt.Add(SecondReminder)); err != nil {
			return err
		}
		if err := l.saveItem(ctx, tx, i, ItemAccepted, st); err != nil {
			return err
		}
		return a.publish(ctx, tx, l.sub.SellerID, EventItemAccepted, acceptedOf(st.Now(), l, i, o, p.Currency))
	})
}

type acceptBody struct {
	OfferPrice     *priceBody `json:"offerPrice"`
	ExpirationDate string     `json:"expirationDate"`
}

// handleAccept is Accept in the admin API.
func (a *API) handleAccept(w http.ResponseWriter, r *http.Request) error {
	var in acceptBody
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	var f fields
	var amount intake.Cents
	var currency string
	if in.OfferPrice == nil {
		f.add("offerPrice", "is required")
	} else {
		currency = in.OfferPrice.CurrencyIsoCode
		c, err := intake.ParseCents(string(in.OfferPrice.Amount))
		if err != nil {
			c = 0
		}
		checkOfferAmount(&f, c)
		amount = c
	}
	var expires time.Time
	if in.ExpirationDate != "" {
		t, err := time.Parse(time.RFC3339Nano, in.ExpirationDate)
		if err != nil {
			f.add("expirationDate", "must be an RFC 3339 time such as 2024-01-31T12:00:00Z")
		}
		expires = t
	}
	if err := f.err(); err != nil {
		return err
	}
	l, err := a.accept(r.Context(), buyer, r.PathValue("sellerId"), r.PathValue("id"), r.PathValue("itemId"), amount, currency, expires)
	return a.answerItem(w, l, err)
}

// Reject rejects an item with a reason from RejectionReasons, by by: its
// trade-in is declined and the seller told (SubmissionItemRejectedEvent).
func (a *API) Reject(ctx context.Context, by hub.Actor, sellerID, submissionID, itemID, reason string) error {
	_, err := a.reject(ctx, by, sellerID, submissionID, itemID, reason)
	return err
}

func (a *API) reject(ctx context.Context, by hub.Actor, sellerID, submissionID, itemID, reason string) (loaded, error) {
	var f fields
	switch {
	case reason == "":
		f.add("rejectionReason", "is required: one of %s", strings.Join(RejectionReasons, ", "))
	case !slices.Contains(RejectionReasons, reason):
		f.add("rejectionReason", "%.40q is not one of %s", reason, strings.Join(RejectionReasons, ", "))
	}
	if err := f.err(); err != nil {
		return loaded{}, err
	}
	return a.buyerItem(ctx, sellerID, submissionID, itemID, func(ctx context.Context, st *hub.Steps, l loaded, i int, t *intake.TradeIn) error {
		if t.Status != intake.StatusSubmitted {
			return &hub.Error{Kind: hub.KindConflict, Code: hub.CodeInvalidTransition, CurrentStatus: t.Status,
				Detail: fmt.Sprintf("Item %s is %s: only a submitted item is rejected.", l.items[i].ID, l.items[i].Status)}
		}
		if err := st.Decline(ctx, t, "", by, "rejected by the buyers: "+reason); err != nil {
			return err
		}
		d := &l.docs[i]
		d.RejectionReason, d.AdditionalPhotos = reason, nil
		if err := l.saveItem(ctx, st.Tx(), i, ItemRejected, st); err != nil {
			return err
		}
		return a.publish(ctx, st.Tx(), l.sub.SellerID, EventItemRejected, rejectedOf(st.Now(), l, i, reason))
	})
}

type rejectBody struct {
	RejectionReason string `json:"rejectionReason"`
}

// handleReject is Reject in the admin API.
func (a *API) handleReject(w http.ResponseWriter, r *http.Request) error {
	var in rejectBody
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	l, err := a.reject(r.Context(), buyer, r.PathValue("sellerId"), r.PathValue("id"), r.PathValue("itemId"), in.RejectionReason)
	return a.answerItem(w, l, err)
}

// AskMoreInformation asks the seller for more photos of an item, by their
// names (1 to 20, such as Back or Inside), on by's behalf
// (SubmissionMoreInformationAskedEvent); the item waits for them.
func (a *API) AskMoreInformation(ctx context.Context, by hub.Actor, sellerID, submissionID, itemID string, photos []string) error {
	_, err := a.askMoreInformation(ctx, by, sellerID, submissionID, itemID, photos)
	return err
}

func (a *API) askMoreInformation(ctx context.Context, by hub.Actor, sellerID, submissionID, itemID string, photos []string) (loaded, error) {
	var f fields
	if len(photos) == 0 || len(photos) > 20 {
		f.add("additionalPhotos", "must name 1 to 20 photos, such as Back or Inside")
	}
	for i, p := range photos {
		if strings.TrimSpace(p) == "" || len(p) > 60 {
			f.add(fmt.Sprintf("additionalPhotos[%d]", i), "must be a photo's name of 1 to 60 characters")
		}
	}
	if err := f.err(); err != nil {
		return loaded{}, err
	}
	return a.buyerItem(ctx, sellerID, submissionID, itemID, func(ctx context.Context, st *hub.Steps, l loaded, i int, t *intake.TradeIn) error {
		if t.Status != intake.StatusSubmitted {
			return &hub.Error{Kind: hub.KindConflict, Code: hub.CodeInvalidTransition, CurrentStatus: t.Status,
				Detail: fmt.Sprintf("Item %s is %s: more information is asked for a submitted item.", l.items[i].ID, l.items[i].Status)}
		}
		l.docs[i].AdditionalPhotos = slices.Clone(photos)
		if err := l.saveItem(ctx, st.Tx(), i, ItemMoreInfo, st); err != nil {
			return err
		}
		if err := note(ctx, st, t, by, "Asked the seller for photos: "+strings.Join(photos, ", ")+"."); err != nil {
			return err
		}
		return a.publish(ctx, st.Tx(), l.sub.SellerID, EventMoreInfoAsked, moreInfoOf(st.Now(), l, i, photos))
	})
}

type moreInfoBody struct {
	AdditionalPhotos []string `json:"additionalPhotos"`
}

// handleMoreInfo is AskMoreInformation in the admin API.
func (a *API) handleMoreInfo(w http.ResponseWriter, r *http.Request) error {
	var in moreInfoBody
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	l, err := a.askMoreInformation(r.Context(), buyer, r.PathValue("sellerId"), r.PathValue("id"), r.PathValue("itemId"), in.AdditionalPhotos)
	return a.answerItem(w, l, err)
}

// Uplift adds by's uplift to an item's open offer: percentage (1 to 100)
// of its base price (OfferUpdatedWithBuyerUpliftEvent).
func (a *API) Uplift(ctx context.Context, by hub.Actor, sellerID, submissionID, itemID string, percentage int) error {
	_, err := a.uplift(ctx, by, sellerID, submissionID, itemID, percentage)
	return err
}

func (a *API) uplift(ctx context.Context, by hub.Actor, sellerID, submissionID, itemID string, percentage int) (loaded, error) {
	if percentage < 1 || percentage > 100 {
		var f fields
		f.add("percentage", "must be a whole number from 1 to 100")
		return loaded{}, f.err()
	}
	return a.buyerItem(ctx, sellerID, submissionID, itemID, func(ctx context.Context, st *hub.Steps, l loaded, i int, t *intake.TradeIn) error {
		tx := st.Tx()
		so, o, err := tx.LatestSellerOffer(ctx, l.items[i].ID)
		if errors.Is(err, hubdb.ErrNotFound) || (err == nil && o.Status != "open") {
			return refuse(http.StatusConflict, CodeNoOffer, "Item %s has no open offer to uplift.", l.items[i].ID)
		}
		if err != nil {
			return err
		}
		p, err := a.profile(ctx, tx, l.sub.SellerID)
		if err != nil {
			return err
		}
		var promos []promotion
		if err := json.Unmarshal(so.Promotions, &promos); err != nil {
			return err
		}
		// Base prices are at most intake.MaxAmount and percentages at most
		// 100: the product fits an int64 by far.
		up := (so.BaseAmount*int64(percentage) + 50) / 100
		promos = append(promos, promotion{ID: a.newID("promotion"), OfferID: o.ID, Name: "BuyerUplift", Percentage: percentage,
			Price: price{p.Currency, Amount(up)}, CreatedAt: st.Now().Format(promotionTime)})
		total := o.Amount + up
		doc, err := json.Marshal(promos)
		if err != nil {
			return err
		}
		if err := tx.UpliftSellerOffer(ctx, o.ID, doc, total); err != nil {
			return err
		}
		if err := st.SetOffer(ctx, t, intake.Cents(total)); err != nil {
			return err
		}
		if err := note(ctx, st, t, by, fmt.Sprintf("Uplifted the offer by %d%%: %s %s.", percentage, intake.Cents(total), p.Currency)); err != nil {
			return err
		}
		o.Amount, so.Promotions = total, doc
		offer, err := offerJSONOf(o, so, p.Currency)
		if err != nil {
			return err
		}
		return a.publish(ctx, tx, l.sub.SellerID, EventOfferUplifted, upliftResult{SubmissionID: l.sub.ID, Submission: l.view(), Offer: offer,
			CustomerInformation: l.doc.Customer})
	})
}

// note records in a trade-in's history a buyers' step that moves it
// nowhere (photos asked for, an uplift), with who made it.
func note(ctx context.Context, st *hub.Steps, t *intake.TradeIn, by hub.Actor, what string) error {
	return st.Tx().AppendHistory(ctx, t.ID, hubdb.HistoryEntry{From: t.Status, To: t.Status, Actor: by.String(), Reason: what, At: st.Now()})
}

type upliftBody struct {
	Percentage int `json:"percentage"`
}

// handleUplift is Uplift in the admin API.
func (a *API) handleUplift(w http.ResponseWriter, r *http.Request) error {
	var in upliftBody
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	l, err := a.uplift(r.Context(), buyer, r.PathValue("sellerId"), r.PathValue("id"), r.PathValue("itemId"), in.Percentage)
	return a.answerItem(w, l, err)
}

// answerItem answers an item's step with the submission as it stands.
func (a *API) answerItem(w http.ResponseWriter, l loaded, err error) error {
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, l.view())
	return nil
}

func (a *API) profile(ctx context.Context, tx *hubdb.Tx, sellerID string) (Profile, error) {
	s, err := tx.Seller(ctx, sellerID)
	if err != nil {
		return Profile{}, err
	}
	return decodeProfile(s.Doc)
}

// RunStep runs a scheduled reminder (StepReminder5, StepReminder12) in the
// scheduler's transaction: an OfferReminderEvent when the offer still
// waits for an answer. It reports false (skipped) when it no longer does.
func (a *API) RunStep(ctx context.Context, st *hub.Steps, step hubdb.ScheduledStep) (bool, error) {
	days := 5
	if step.Kind == StepReminder12 {
		days = 12
	}
	tx := st.Tx()
	so, err := tx.SellerOffer(ctx, step.Subject)
	if err != nil {
		return false, err
	}
	o, err := tx.Offer(ctx, so.OfferID)
	if err != nil {
		return false, err
	}
	now := st.Now()
	if o.Status != "open" || !now.Before(o.ExpiresAt) {
		return false, nil
	}
	it, err := tx.SellerItem(ctx, so.ItemID)
	if err != nil {
		return false, err
	}
	sub, err := tx.SellerSubmission(ctx, it.SubmissionID)
	if err != nil {
		return false, err
	}
	l, err := load(ctx, tx, sub.SellerID, sub.ID)
	if err != nil {
		return false, err
	}
	p, err := a.profile(ctx, tx, sub.SellerID)
	if err != nil {
		return false, err
	}
	offer, err := offerJSONOf(o, so, p.Currency)
	if err != nil {
		return false, err
	}
	err = a.publish(ctx, tx, sub.SellerID, EventOfferReminder, reminderResult{SubmissionID: sub.ID, Submission: l.view(), Offer: offer,
		DaysAfterOfferCreation: days, ExpirationDate: expiration(o.ExpiresAt), ExpirationDaysLeft: daysLeft(now, o.ExpiresAt),
		OfferID: o.ID, Timestamp: stamp(now)})
	return err == nil, err
}

// OfferExpired marks the item of an expired offer (any offer: one not a
// seller's is passed over), in the scheduler's transaction.
func (a *API) OfferExpired(ctx context.Context, st *hub.Steps, o hubdb.Offer) error {
	tx := st.Tx()
	so, err := tx.SellerOffer(ctx, o.ID)
	if errors.Is(err, hubdb.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	it, err := tx.SellerItem(ctx, so.ItemID)
	if err != nil {
		return err
	}
	if err := tx.SkipSteps(ctx, o.ID, st.Now()); err != nil {
		return err
	}
	return tx.SaveSellerItem(ctx, it.ID, ItemOfferExpired, it.Doc, st.Now())
}

// Wake tells the outbox there are events, after a scheduler's commit.
func (a *API) Wake() { a.outbox.Wake() }
