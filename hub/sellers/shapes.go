package sellers

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/intakebench/intakebench/hub/hubdb"
)

// What the seller's rows keep beyond what is looked up by (their docs),
// and the shapes seed 004's events and answers are written in, with the
// seed's field names.

type address struct {
	FirstLine  string `json:"firstLine"`
	SecondLine string `json:"secondLine"`
	ZipCode    string `json:"zipCode"`
	City       string `json:"city"`
	State      string `json:"state"`
	Country    string `json:"country"`
	Timezone   string `json:"timezone,omitempty"`
}

type telephone struct {
	CountryCode string `json:"countryCode"`
	Number      string `json:"number"`
}

// customer is the seller's customer as the submission gave it.
type customer struct {
	Name            string     `json:"name"`
	LastName        string     `json:"lastName"`
	Email           string     `json:"email"`
	ExternalUserID  string     `json:"externalUserId,omitempty"`
	Culture         string     `json:"culture,omitempty"`
	Address         *address   `json:"address,omitempty"`
	TelephoneNumber *telephone `json:"telephoneNumber,omitempty"`
}

// submissionDoc is a submission's doc.
type submissionDoc struct {
	ExternalID      string   `json:"externalId"`
	CountryOfOrigin string   `json:"countryOfOrigin"`
	Customer        customer `json:"customerInformation"`
}

type attributeValues struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Values []Value `json:"values"`
}

type file struct {
	Type     string            `json:"type"`
	Location string            `json:"location"`
	Metadata map[string]string `json:"metadata"`
}

// itemDoc is an item's doc: what the seller sent, checked and named.
type itemDoc struct {
	ExternalID       string            `json:"externalId"`
	CategoryID       string            `json:"categoryId"`
	CategoryName     string            `json:"categoryName"`
	BrandID          string            `json:"brandId"`
	BrandName        string            `json:"brandName"`
	Model            string            `json:"model"`
	Description      string            `json:"description"`
	Price            *int64            `json:"price,omitempty"` // cents; a model other than Buyback
	Attributes       []attributeValues `json:"attributes"`
	Files            []file            `json:"files"`
	AdditionalPhotos []string          `json:"additionalPhotos,omitempty"` // asked for by a buyer, not yet sent
	CancelReason     string            `json:"cancelReason,omitempty"`
	RejectionReason  string            `json:"rejectionReason,omitempty"`
}

// labels are the labels of the item's attribute named name.
func (d itemDoc) labels(name string) []string {
	out := []string{}
	for _, a := range d.Attributes {
		if strings.EqualFold(a.Name, name) {
			for _, v := range a.Values {
				out = append(out, v.Label)
			}
		}
	}
	return out
}

func (d itemDoc) label(names ...string) string {
	for _, n := range names {
		if l := d.labels(n); len(l) > 0 {
			return l[0]
		}
	}
	return ""
}

func (d itemDoc) size() string      { return d.label("Size", "Storage") }
func (d itemDoc) condition() string { return d.label("Condition", "Conditions") }
func (d itemDoc) extras() []string  { return d.labels("Extras") }

func (d itemDoc) assets() []string {
	out := []string{}
	for _, f := range d.Files {
		out = append(out, f.Location)
	}
	return out
}

// cover is the item's main image: its first photo.
func (d itemDoc) cover() string {
	if len(d.Files) == 0 {
		return ""
	}
	return d.Files[0].Location
}

// Item statuses, as seed 004's submissionItems[].status.
const (
	ItemSubmitted     = "Submitted"
	ItemMoreInfo      = "MoreInformationAsked"
	ItemAccepted      = "Accepted" // a buyer made an offer
	ItemRejected      = "Rejected"
	ItemCancelled     = "Cancelled"
	ItemOfferAccepted = "OfferAccepted"
	ItemOfferRejected = "OfferRejected"
	ItemOfferExpired  = "OfferExpired"
)

// price is seed 004's money: a currency and an amount in units.
type price struct {
	CurrencyIsoCode string `json:"currencyIsoCode"`
	Amount          Amount `json:"amount"`
}

// promotion is a buyer's uplift of an offer.
type promotion struct {
	ID         string `json:"id"`
	OfferID    string `json:"offerId"`
	Name       string `json:"name"`
	Percentage int    `json:"percentage"`
	Price      price  `json:"price"`
	CreatedAt  string `json:"createdAt"`
}

// promotionTime is how seed 004 writes a promotion's createdAt: no zone.
const promotionTime = "2006-01-02T15:04:05"

// eventItem is an item in SubmissionCreatedEvent and
// SubmissionMoreInformationAskedEvent.
type eventItem struct {
	ItemID       string   `json:"itemId"`
	Size         string   `json:"size"`
	Conditions   string   `json:"conditions"`
	CategoryID   string   `json:"categoryId"`
	CategoryName string   `json:"categoryName"`
	BrandID      string   `json:"brandId"`
	BrandName    string   `json:"brandName"`
	Model        string   `json:"model"`
	Description  string   `json:"description"`
	Assets       []string `json:"assets"`
	Extras       []string `json:"extras"`
	ExternalID   string   `json:"externalId"`
}

func eventItemOf(id string, d itemDoc) eventItem {
	return eventItem{ItemID: id, Size: d.size(), Conditions: d.condition(), CategoryID: d.CategoryID, CategoryName: d.CategoryName,
		BrandID: d.BrandID, BrandName: d.BrandName, Model: d.Model, Description: d.Description, Assets: d.assets(), Extras: d.extras(), ExternalID: d.ExternalID}
}

// eventCustomer is the customer in SubmissionCreatedEvent and
// SubmissionItemAcceptedEvent: "lastname", address and telephone.
type eventCustomer struct {
	Name            string    `json:"name"`
	Lastname        string    `json:"lastname"`
	Email           string    `json:"email"`
	Address         address   `json:"address"`
	TelephoneNumber telephone `json:"telephoneNumber"`
}

func eventCustomerOf(c customer) eventCustomer {
	out := eventCustomer{Name: c.Name, Lastname: c.LastName, Email: c.Email}
	if c.Address != nil {
		out.Address = *c.Address
		out.Address.Timezone = ""
	}
	if c.TelephoneNumber != nil {
		out.TelephoneNumber = *c.TelephoneNumber
	}
	return out
}

type createdResult struct {
	Timestamp           string        `json:"timestamp"`
	SubmissionID        string        `json:"submissionId"`
	ExternalID          string        `json:"externalId"`
	ExternalReference   string        `json:"externalReference"`
	CountryOfOrigin     string        `json:"countryOfOrigin"`
	Items               []eventItem   `json:"items"`
	CustomerInformation eventCustomer `json:"customerInformation"`
}

type acceptedResult struct {
	Timestamp           string        `json:"timestamp"`
	SubmissionID        string        `json:"submissionId"`
	ItemID              string        `json:"itemId"`
	OfferID             string        `json:"offerId"`
	OfferPrice          price         `json:"offerPrice"`
	ItemDescription     string        `json:"itemDescription"`
	ItemImageCover      string        `json:"itemImageCover"`
	CategoryName        string        `json:"categoryName"`
	ItemBrandName       string        `json:"itemBrandName"`
	ItemSize            string        `json:"itemSize"`
	ItemCondition       string        `json:"itemCondition"`
	ItemExtras          []string      `json:"itemExtras"`
	CustomerInformation eventCustomer `json:"customerInformation"`
}

type rejectedResult struct {
	Timestamp         string   `json:"timestamp"`
	SubmissionID      string   `json:"submissionId"`
	ItemID            string   `json:"itemId"`
	RejectionReason   string   `json:"rejectionReason"`
	ItemDescription   string   `json:"itemDescription"`
	ItemImageCover    string   `json:"itemImageCover"`
	CategoryName      string   `json:"categoryName"`
	ItemBrandName     string   `json:"itemBrandName"`
	ItemModelName     string   `json:"itemModelName"`
	ItemSize          string   `json:"itemSize"`
	ItemCondition     string   `json:"itemCondition"`
	ItemExtras        []string `json:"itemExtras"`
	ExternalID        string   `json:"externalId"`
	ItemExternalID    string   `json:"itemExternalId"`
	ExternalReference string   `json:"externalReference"`
	CustomerName      string   `json:"customerName"`
	CustomerEmail     string   `json:"customerEmail"`
}

type moreInfoResult struct {
	Timestamp         string      `json:"timestamp"`
	SubmissionID      string      `json:"submissionId"`
	ItemID            string      `json:"itemId"`
	AdditionalPhotos  []string    `json:"additionalPhotos"`
	ExternalReference string      `json:"externalReference"`
	CustomerName      string      `json:"customerName"`
	CustomerEmail     string      `json:"customerEmail"`
	Items             []eventItem `json:"items"`
}

// itemJSON is an item in a submission as GET answers it and the offer
// events carry it.
type itemJSON struct {
	ID           string            `json:"id"`
	SubmissionID string            `json:"submissionId"`
	BrandID      string            `json:"brandId"`
	BrandName    string            `json:"brandName"`
	CategoryID   string            `json:"categoryId"`
	CategoryName string            `json:"categoryName"`
	Model        string            `json:"model"`
	Description  string            `json:"description"`
	Status       string            `json:"status"`
	Files        []file            `json:"files"`
	Attributes   []attributeValues `json:"attributes"`
}

// submissionJSON is a submission as GET answers it and the offer events
// carry it.
type submissionJSON struct {
	ID                  string     `json:"id"`
	ExternalID          string     `json:"externalId"`
	ExternalReference   string     `json:"externalReference"`
	CountryOfOrigin     string     `json:"countryOfOrigin"`
	CustomerInformation customer   `json:"customerInformation"`
	SubmissionItems     []itemJSON `json:"submissionItems"`
}

func submissionJSONOf(s hubdb.SellerSubmission, doc submissionDoc, items []hubdb.SellerItem, docs []itemDoc) submissionJSON {
	out := submissionJSON{ID: s.ID, ExternalID: doc.ExternalID, ExternalReference: s.Reference, CountryOfOrigin: doc.CountryOfOrigin,
		CustomerInformation: doc.Customer, SubmissionItems: make([]itemJSON, 0, len(items))}
	for i, it := range items {
		d := docs[i]
		files := d.Files
		if files == nil {
			files = []file{}
		}
		out.SubmissionItems = append(out.SubmissionItems, itemJSON{ID: it.ID, SubmissionID: s.ID, BrandID: d.BrandID, BrandName: d.BrandName,
			CategoryID: d.CategoryID, CategoryName: d.CategoryName, Model: d.Model, Description: d.Description, Status: it.Status,
			Files: files, Attributes: d.Attributes})
	}
	return out
}

// offerJSON is an offer in the offer events.
type offerJSON struct {
	ID         string      `json:"id"`
	ItemID     string      `json:"itemId"`
	BasePrice  price       `json:"basePrice"`
	TotalPrice price       `json:"totalPrice"`
	Status     string      `json:"status"`
	Promotions []promotion `json:"promotions"`
}

// offerStatus is seed 004's name of an offer's state.
func offerStatus(o hubdb.Offer) string {
	switch o.Status {
	case "open":
		return "Submitted"
	case "accepted":
		return "Accepted"
	case "declined":
		if o.Reason == "expired" {
			return "Expired"
		}
		return "Rejected"
	}
	return "Superseded"
}

func offerJSONOf(o hubdb.Offer, so hubdb.SellerOffer, currency string) (offerJSON, error) {
	promos := []promotion{}
	if len(so.Promotions) > 0 {
		if err := json.Unmarshal(so.Promotions, &promos); err != nil {
			return offerJSON{}, err
		}
	}
	return offerJSON{ID: o.ID, ItemID: so.ItemID, BasePrice: price{currency, Amount(so.BaseAmount)}, TotalPrice: price{currency, Amount(o.Amount)},
		Status: offerStatus(o), Promotions: promos}, nil
}

type upliftResult struct {
	SubmissionID        string         `json:"submissionId"`
	Submission          submissionJSON `json:"submission"`
	Offer               offerJSON      `json:"offer"`
	CustomerInformation customer       `json:"customerInformation"`
}

type reminderResult struct {
	SubmissionID           string         `json:"submissionId"`
	Submission             submissionJSON `json:"submission"`
	Offer                  offerJSON      `json:"offer"`
	DaysAfterOfferCreation int            `json:"daysAfterOfferCreation"`
	ExpirationDate         string         `json:"expirationDate"`
	ExpirationDaysLeft     int            `json:"expirationDaysLeft"`
	OfferID                string         `json:"offerId"`
	Timestamp              string         `json:"timestamp"`
}

// envelope is seed 004's event envelope; token is the event's id.
type envelope struct {
	Type   string `json:"type"`
	Token  string `json:"token"`
	Result any    `json:"result"`
}

// stamp is how seed 004 writes an event's timestamp: UTC, microseconds.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.999999Z") }

// expiration is how seed 004 writes an offer's expiration date.
func expiration(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.999999+00:00") }

// daysLeft is the whole days from now to t, a part day counted as one.
func daysLeft(now, t time.Time) int {
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	days := int(d / (24 * time.Hour))
	if d%(24*time.Hour) != 0 {
		days++
	}
	return days
}

// The events' results, from a submission as it stands (item i the one
// the event is about).

func acceptedOf(now time.Time, l loaded, i int, o hubdb.Offer, currency string) acceptedResult {
	d := l.docs[i]
	return acceptedResult{Timestamp: stamp(now), SubmissionID: l.sub.ID, ItemID: l.items[i].ID, OfferID: o.ID,
		OfferPrice: price{currency, Amount(o.Amount)}, ItemDescription: d.Description, ItemImageCover: d.cover(), CategoryName: d.CategoryName,
		ItemBrandName: d.BrandName, ItemSize: d.size(), ItemCondition: d.condition(), ItemExtras: d.extras(),
		CustomerInformation: eventCustomerOf(l.doc.Customer)}
}

func rejectedOf(now time.Time, l loaded, i int, reason string) rejectedResult {
	d := l.docs[i]
	return rejectedResult{Timestamp: stamp(now), SubmissionID: l.sub.ID, ItemID: l.items[i].ID, RejectionReason: reason,
		ItemDescription: d.Description, ItemImageCover: d.cover(), CategoryName: d.CategoryName, ItemBrandName: d.BrandName,
		ItemModelName: d.Model, ItemSize: d.size(), ItemCondition: d.condition(), ItemExtras: d.extras(), ExternalID: l.doc.ExternalID,
		ItemExternalID: d.ExternalID, ExternalReference: l.sub.Reference, CustomerName: l.doc.Customer.Name, CustomerEmail: l.doc.Customer.Email}
}

func moreInfoOf(now time.Time, l loaded, i int, photos []string) moreInfoResult {
	res := moreInfoResult{Timestamp: stamp(now), SubmissionID: l.sub.ID, ItemID: l.items[i].ID, AdditionalPhotos: photos,
		ExternalReference: l.sub.Reference, CustomerName: l.doc.Customer.Name, CustomerEmail: l.doc.Customer.Email}
	for j, it := range l.items {
		res.Items = append(res.Items, eventItemOf(it.ID, l.docs[j]))
	}
	return res
}

func createdOf(now time.Time, l loaded) createdResult {
	res := createdResult{Timestamp: stamp(now), SubmissionID: l.sub.ID, ExternalID: l.doc.ExternalID, ExternalReference: l.sub.Reference,
		CountryOfOrigin: l.doc.CountryOfOrigin, CustomerInformation: eventCustomerOf(l.doc.Customer)}
	for i, it := range l.items {
		res.Items = append(res.Items, eventItemOf(it.ID, l.docs[i]))
	}
	return res
}
