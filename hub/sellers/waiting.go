package sellers

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// WaitingItem is an item of a seller's submission that waits for our
// buyers: submitted (Accept, Reject or AskMoreInformation), waiting for
// the photos asked for (Reject, or ask again), or with an open offer
// (Uplift).
type WaitingItem struct {
	SellerID     string
	SellerName   string
	Currency     string // the seller's: offers are made in it
	SubmissionID string
	Reference    string // the submission's externalReference
	ExternalID   string // the seller's own id of the submission
	Country      string
	CustomerName string
	SubmittedAt  time.Time

	ItemID           string
	TradeInID        string
	TradeInReference string
	Status           string // ItemSubmitted, ItemMoreInfo or ItemAccepted
	Category         string
	Brand            string
	Model            string
	Description      string
	Attributes       []WaitingAttribute
	Photos           []WaitingPhoto
	PhotosAsked      []string // asked for and not yet sent
	// PhotoTypes are the photos a buyer may ask for: the category's
	// template photos for the brand, then AdditionalPhotoTypes.
	PhotoTypes []string
	Offer      *WaitingOffer // the open offer of an ItemAccepted item
}

// WaitingAttribute is an attribute of an item with its values' labels.
type WaitingAttribute struct {
	Name   string
	Values []string
}

// WaitingPhoto is a photo the seller sent: its template's name (or the
// type asked for), and where it is (the seller's URL).
type WaitingPhoto struct {
	Name string
	URL  string
}

// WaitingOffer is an item's open offer.
type WaitingOffer struct {
	ID        string
	Base      intake.Cents
	Total     intake.Cents
	Uplifts   []int // the buyers' uplifts, percentages of Base, oldest first
	ExpiresAt time.Time
}

// Waiting lists up to limit items waiting for our buyers, the newest
// submission first, its items in the seller's order.
func (a *API) Waiting(ctx context.Context, limit int) ([]WaitingItem, error) {
	var out []WaitingItem
	err := a.hub.DB().View(ctx, func(tx *hubdb.Tx) error {
		out = out[:0]
		ids, err := tx.SellerTradeInsWaiting(ctx, []string{ItemSubmitted, ItemMoreInfo}, ItemAccepted, limit)
		if err != nil {
			return err
		}
		subs := map[string]loaded{}
		profiles := map[string]Profile{}
		for _, id := range ids {
			t, err := tx.TradeIn(ctx, id)
			if err != nil {
				return err
			}
			w, ok, err := a.waitingItem(ctx, tx, t, subs, profiles)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, w)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("seller items waiting: %w", err)
	}
	return out, nil
}

// waitingItem is trade-in t's item as Waiting lists it, if it waits for
// our buyers.
func (a *API) waitingItem(ctx context.Context, tx *hubdb.Tx, t intake.TradeIn, subs map[string]loaded, profiles map[string]Profile) (WaitingItem, bool, error) {
	it, err := tx.SellerItemOfTradeIn(ctx, t.ID)
	if errors.Is(err, hubdb.ErrNotFound) {
		return WaitingItem{}, false, nil
	}
	if err != nil {
		return WaitingItem{}, false, err
	}
	switch {
	case t.Status == intake.StatusSubmitted && (it.Status == ItemSubmitted || it.Status == ItemMoreInfo):
	case t.Status == intake.StatusOffered && it.Status == ItemAccepted:
	default:
		return WaitingItem{}, false, nil
	}
	l, ok := subs[it.SubmissionID]
	if !ok {
		sub, err := tx.SellerSubmission(ctx, it.SubmissionID)
		if err != nil {
			return WaitingItem{}, false, err
		}
		if l, err = load(ctx, tx, sub.SellerID, sub.ID); err != nil {
			return WaitingItem{}, false, err
		}
		subs[sub.ID] = l
	}
	p, ok := profiles[l.sub.SellerID]
	if !ok {
		if p, err = a.profile(ctx, tx, l.sub.SellerID); err != nil {
			return WaitingItem{}, false, err
		}
		profiles[l.sub.SellerID] = p
	}
	i, err := l.item(it.ID)
	if err != nil {
		return WaitingItem{}, false, err
	}
	d := l.docs[i]
	w := WaitingItem{SellerID: l.sub.SellerID, SellerName: p.Name, Currency: p.Currency, SubmissionID: l.sub.ID, Reference: l.sub.Reference,
		ExternalID: l.doc.ExternalID, Country: l.doc.CountryOfOrigin, SubmittedAt: l.sub.CreatedAt,
		CustomerName: strings.TrimSpace(l.doc.Customer.Name + " " + l.doc.Customer.LastName),
		ItemID:       it.ID, TradeInID: t.ID, TradeInReference: t.Reference, Status: it.Status, Category: d.CategoryName, Brand: d.BrandName,
		Model: d.Model, Description: d.Description, PhotosAsked: slices.Clone(d.AdditionalPhotos)}
	for _, at := range d.Attributes {
		wa := WaitingAttribute{Name: at.Name}
		for _, v := range at.Values {
			wa.Values = append(wa.Values, v.Label)
		}
		w.Attributes = append(w.Attributes, wa)
	}
	for _, f := range d.Files {
		name := cmp.Or(f.Metadata["name"], f.Metadata["subType"], f.Metadata["type"], "Photo")
		w.Photos = append(w.Photos, WaitingPhoto{Name: name, URL: f.Location})
	}
	if c, ok := p.category(d.CategoryID); ok {
		templates := c.photosFor(d.BrandID)
		slices.SortStableFunc(templates, func(x, y TemplatePhoto) int { return cmp.Compare(x.Order, y.Order) })
		for _, ph := range templates {
			w.PhotoTypes = append(w.PhotoTypes, ph.Name)
		}
	}
	for _, name := range AdditionalPhotoTypes {
		if !slices.ContainsFunc(w.PhotoTypes, func(n string) bool { return strings.EqualFold(n, name) }) {
			w.PhotoTypes = append(w.PhotoTypes, name)
		}
	}
	if t.Status == intake.StatusOffered {
		so, o, err := tx.LatestSellerOffer(ctx, it.ID)
		if errors.Is(err, hubdb.ErrNotFound) || (err == nil && o.Status != "open") {
			return WaitingItem{}, false, nil
		}
		if err != nil {
			return WaitingItem{}, false, err
		}
		var promos []promotion
		if len(so.Promotions) > 0 {
			if err := json.Unmarshal(so.Promotions, &promos); err != nil {
				return WaitingItem{}, false, fmt.Errorf("decode promotions of offer %s: %w", o.ID, err)
			}
		}
		w.Offer = &WaitingOffer{ID: o.ID, Base: intake.Cents(so.BaseAmount), Total: intake.Cents(o.Amount), ExpiresAt: o.ExpiresAt}
		for _, pr := range promos {
			w.Offer.Uplifts = append(w.Offer.Uplifts, pr.Percentage)
		}
	}
	return w, true, nil
}
