package upgrade

import (
	"strings"
	"time"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// The answers' JSON shapes: seed 003's field names, money as decimals.

// money is an amount the API writes as a JSON number with two decimals
// (350.00), straight from its integer cents.
type money intake.Cents

// MarshalJSON writes the amount's decimal digits: no float rounds them.
func (m money) MarshalJSON() ([]byte, error) { return []byte(intake.Cents(m).String()), nil }

type deviceJSON struct {
	Make    string `json:"make"`
	Model   string `json:"model"`
	Storage string `json:"storage"`
	Carrier string `json:"carrier,omitempty"`
}

type customerRefJSON struct {
	ID    string `json:"id,omitempty"`
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// offerJSON is an offer: seed 003's create body with the offer's id and
// where it stands (open, accepted, declined, superseded, or expired: an
// open offer past its expires_at, which can no longer be accepted).
type offerJSON struct {
	ID           string     `json:"id"`
	SubmissionID string     `json:"submission_id"`
	Amount       money      `json:"amount"`
	Notes        string     `json:"notes"`
	ExpiresAt    time.Time  `json:"expires_at"`
	Status       string     `json:"status"`
	Reason       string     `json:"reason,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	AnsweredAt   *time.Time `json:"answered_at,omitempty"`
}

func offerOf(o hubdb.Offer, now time.Time) offerJSON {
	status := o.Status
	if status == "open" && !now.Before(o.ExpiresAt) {
		status = "expired"
	}
	return offerJSON{ID: o.ID, SubmissionID: o.TradeInID, Amount: money(o.Amount), Notes: o.Notes, ExpiresAt: o.ExpiresAt.UTC(),
		Status: status, Reason: o.Reason, CreatedAt: o.CreatedAt.UTC(), AnsweredAt: o.AnsweredAt}
}

type imeiCheckJSON struct {
	IMEI      string            `json:"imei"`
	Status    intake.IMEIStatus `json:"status"` // clean, or the registry's flag
	Reason    string            `json:"reason,omitempty"`
	Carrier   string            `json:"carrier,omitempty"`
	CheckedAt time.Time         `json:"checked_at"`
}

func imeiCheckOf(c intake.IMEICheck) imeiCheckJSON {
	return imeiCheckJSON{IMEI: c.IMEI, Status: c.Status, Reason: c.Reason, Carrier: c.Carrier, CheckedAt: c.CheckedAt.UTC()}
}

type payoutJSON struct {
	State  intake.PayoutState  `json:"state"`
	Amount money               `json:"amount"`
	Method intake.PayoutMethod `json:"method,omitempty"`
}

type shipmentJSON struct {
	Method         string `json:"method"`
	Carrier        string `json:"carrier,omitempty"`
	Service        string `json:"service,omitempty"`
	TrackingNumber string `json:"tracking_number,omitempty"`
	LabelURL       string `json:"label_url,omitempty"`
	Instructions   string `json:"instructions,omitempty"`
}

// historyJSON is a status move. Customers are shown who moved it by
// kind (customer, admin, hub…), admins by name.
type historyJSON struct {
	From   intake.Status `json:"from,omitempty"`
	To     intake.Status `json:"to"`
	By     string        `json:"by"`
	Reason string        `json:"reason,omitempty"`
	At     time.Time     `json:"at"`
}

type inspectionJSON struct {
	Disclosed string `json:"disclosed"`
	Graded    string `json:"graded"`
	// AsDisclosed completes the trade-in; otherwise its payout is held
	// for a supervisor, who completes or declines it.
	AsDisclosed bool   `json:"as_disclosed"`
	Reason      string `json:"reason,omitempty"`
	Offer       money  `json:"offer"`
	GradedPrice money  `json:"graded_price"`
}

// submissionJSON is a submission: seed 003's create body, with what the
// hub adds to it.
type submissionJSON struct {
	ID           string   `json:"id"`
	Reference    string   `json:"reference"`
	Status       string   `json:"status"`
	ProductID    string   `json:"product_id"`
	SerialNumber string   `json:"serial_number"`
	IMEI         string   `json:"imei,omitempty"`
	Condition    string   `json:"condition"`
	Description  string   `json:"description"`
	Photos       []string `json:"photos"`

	Device         deviceJSON      `json:"device"`
	Customer       customerRefJSON `json:"customer"`
	Offer          *offerJSON      `json:"offer"` // the current offer, null before the first
	IMEICheck      *imeiCheckJSON  `json:"imei_check"`
	TrackingNumber string          `json:"tracking_number,omitempty"`
	ReceivedAt     *time.Time      `json:"received_at,omitempty"`
	Payout         *payoutJSON     `json:"payout,omitempty"`
	Shipment       *shipmentJSON   `json:"shipment,omitempty"`
	Offers         []offerJSON     `json:"offers,omitempty"`
	History        []historyJSON   `json:"history,omitempty"`
	Inspection     *inspectionJSON `json:"inspection,omitempty"`
	Unit           *unitJSON       `json:"unit,omitempty"` // to admins
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
}

// unitJSON is the device as stock: its id, the label a bench printed on
// it (once received at a bench) and where it stands.
type unitJSON struct {
	ID      string `json:"id"`
	LabelID string `json:"label_id,omitempty"`
	Status  string `json:"status"`
}

func conditionName(c intake.Condition) string {
	if c == intake.ConditionUnknown {
		return ""
	}
	return c.String()
}

// submissionOf is a submission as its detail shows it: with its offers,
// history, payout and shipment. admin shows who moved it by name.
func submissionOf(v hub.SubmissionView, now time.Time, admin bool) submissionJSON {
	t := v.TradeIn
	s := submissionJSON{ID: t.ID, Reference: t.Reference, Status: string(t.Status), ProductID: t.Device.SKU,
		SerialNumber: cmpOr(t.Serial, t.IMEI), IMEI: t.IMEI, Condition: conditionName(t.Disclosed), Description: t.Description,
		Photos: append([]string{}, t.Photos...), Device: deviceJSON{Make: t.Device.Make, Model: t.Device.Model, Storage: t.Device.Storage, Carrier: t.Device.Carrier},
		Customer:       customerRefJSON{ID: t.CustomerID, Name: t.Customer.Name, Email: t.Customer.Email, Phone: t.Customer.Phone},
		TrackingNumber: t.Tracking, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}
	if t.Receipt != nil {
		at := t.Receipt.At.UTC()
		s.ReceivedAt = &at
	}
	s.Offers = make([]offerJSON, 0, len(v.Offers))
	for _, o := range v.Offers {
		s.Offers = append(s.Offers, offerOf(o, now))
	}
	if cur, ok := currentOffer(v.Offers); ok {
		o := offerOf(cur, now)
		s.Offer = &o
	}
	if v.IMEICheck != nil {
		c := imeiCheckOf(*v.IMEICheck)
		s.IMEICheck = &c
	}
	if v.Payout.State != "" && v.Payout.State != intake.PayoutNone {
		s.Payout = &payoutJSON{State: v.Payout.State, Amount: money(v.Payout.Amount), Method: v.Payout.Method}
	}
	if sh := v.Shipment; sh != nil {
		s.Shipment = &shipmentJSON{Method: sh.Method, Carrier: sh.Carrier, Service: sh.Service, TrackingNumber: sh.TrackingNumber,
			LabelURL: sh.LabelURL, Instructions: sh.Instructions}
	}
	if admin && v.Unit != nil {
		s.Unit = &unitJSON{ID: v.Unit.ID, LabelID: v.Unit.LabelID, Status: v.Unit.Status}
	}
	s.History = make([]historyJSON, 0, len(v.History))
	for _, e := range v.History {
		by := e.Actor
		if !admin {
			by, _, _ = strings.Cut(by, ":")
		}
		s.History = append(s.History, historyJSON{From: e.From, To: e.To, By: by, Reason: e.Reason, At: e.At.UTC()})
	}
	return s
}

// currentOffer is the offer a submission stands on: the open one, or else
// the latest.
func currentOffer(offers []hubdb.Offer) (hubdb.Offer, bool) {
	for _, o := range offers {
		if o.Status == "open" {
			return o, true
		}
	}
	if len(offers) == 0 {
		return hubdb.Offer{}, false
	}
	return offers[len(offers)-1], true
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// customerJSON is a customer's account and profile (auth/me, profile,
// the admin's customer list).
type customerJSON struct {
	ID            string              `json:"id"`
	Email         string              `json:"email"`
	Name          string              `json:"name"`
	Phone         string              `json:"phone,omitempty"`
	Address       *hub.Address        `json:"address,omitempty"`
	PayoutMethod  intake.PayoutMethod `json:"payout_method"`
	StripeAccount string              `json:"stripe_account,omitempty"`
	CreatedAt     time.Time           `json:"created_at"`
}

func customerOf(c hub.Customer) customerJSON {
	out := customerJSON{ID: c.ID, Email: c.Email, Name: c.Profile.Name, Phone: c.Profile.Phone,
		PayoutMethod: c.Profile.PayoutMethod, StripeAccount: c.Profile.StripeAccount, CreatedAt: c.CreatedAt.UTC()}
	if out.PayoutMethod == "" {
		out.PayoutMethod = intake.PayoutStoreCredit
	}
	if c.Profile.Address != (hub.Address{}) {
		addr := c.Profile.Address
		out.Address = &addr
	}
	return out
}

// valuationJSON is a product's base value with seed 003's condition
// modifiers (percent of the base value) and the values they give.
type valuationJSON struct {
	ID        string           `json:"id"`
	ProductID string           `json:"product_id"`
	BaseValue money            `json:"base_value"`
	Modifiers map[string]int64 `json:"modifiers"`
	Values    map[string]money `json:"values"`
	CreatedAt time.Time        `json:"created_at"`
	UpdatedAt time.Time        `json:"updated_at"`
}

func valuationOf(v hub.Valuation) valuationJSON {
	out := valuationJSON{ID: v.ID, ProductID: v.ProductID, BaseValue: money(v.BaseValue), Modifiers: v.Modifiers,
		Values: make(map[string]money, len(v.Modifiers)), CreatedAt: v.CreatedAt.UTC(), UpdatedAt: v.UpdatedAt.UTC()}
	for c, pct := range v.Modifiers {
		out.Values[c] = money(v.BaseValue.Percent(pct))
	}
	return out
}
