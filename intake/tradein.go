package intake

import "time"

// Device is the make, model and variant of a phone.
type Device struct {
	Make    string `json:"make"`
	Model   string `json:"model"`
	Storage string `json:"storage"`
	Colour  string `json:"colour,omitempty"`
	Carrier string `json:"carrier,omitempty"`
	SKU     string `json:"sku,omitempty"`
}

// Customer is who traded the device in.
type Customer struct {
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// Answer is one answer of the customer's condition questionnaire.
type Answer struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// TradeIn is a customer's trade-in as the bench knows it from the hub.
type TradeIn struct {
	ID        string     `json:"id"`
	Reference string     `json:"reference"` // customer-facing, e.g. TI-2026-004211
	Status    Status     `json:"status"`
	Device    Device     `json:"device"`
	IMEI      string     `json:"imei,omitempty"`
	IMEI2     string     `json:"imei2,omitempty"`
	MEID      string     `json:"meid,omitempty"`
	Serial    string     `json:"serial,omitempty"`
	Customer  Customer   `json:"customer"`
	Tracking  string     `json:"tracking,omitempty"`
	Disclosed Condition  `json:"disclosed"`
	Answers   []Answer   `json:"answers,omitempty"`
	Offer     Cents      `json:"offer"`
	Prices    PriceTable `json:"prices,omitempty"`
	// Receipt is set by the hub once any bench has received the device.
	Receipt *Receipt `json:"receipt,omitempty"`

	// Where the trade-in came from, and what only the hub and its
	// operators see of it: benches are sent none of these.
	Source      Source    `json:"source,omitempty"`
	ExternalID  string    `json:"external_id,omitempty"` // its id in the system it was imported from
	CustomerID  string    `json:"customer_id,omitempty"` // the customer account that submitted it
	Description string    `json:"description,omitempty"` // the customer's own words
	Photos      []string  `json:"photos,omitempty"`      // the customer's photo ids
	CreatedAt   time.Time `json:"created_at,omitzero"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Source is how a trade-in reached the hub. Every source runs through the
// one status machine.
type Source string

const (
	SourceSubmission Source = "submission" // a customer's submission (seed 003)
	SourceWalkIn     Source = "walk-in"    // bought at a store counter
	SourceImport     Source = "import"     // imported from another system
	SourceDemo       Source = "demo"       // demo data
	SourceSeller     Source = "seller"     // an item a retail partner submitted (seed 004)
)

// Identifiers lists the device identities a trade-in is known by.
func (t TradeIn) Identifiers() []Identifier {
	var ids []Identifier
	add := func(k IdentKind, v string) {
		if v != "" {
			ids = append(ids, Identifier{Kind: k, Value: v})
		}
	}
	add(KindIMEI, t.IMEI)
	add(KindIMEI, t.IMEI2)
	add(KindMEID, t.MEID)
	add(KindSerial, t.Serial)
	return ids
}

// FlagKind is why an IMEI must not be bought.
type FlagKind string

const (
	FlagBlacklisted   FlagKind = "blacklisted"    // reported lost or stolen
	FlagFinanceLocked FlagKind = "finance-locked" // outstanding balance on the device
	FlagUnpaid        FlagKind = "unpaid"         // carrier account unpaid
)

// Flag marks an IMEI the registry says must not be bought or returned.
type Flag struct {
	IMEI   string    `json:"imei"`
	Kind   FlagKind  `json:"kind"`
	Reason string    `json:"reason"`
	Since  time.Time `json:"since"`
}

// Receipt is the record that a device was physically received at a bench.
type Receipt struct {
	TradeInID string `json:"trade_in_id"`
	// IMEI is the identity of the device received: an IMEI, or its MEID or
	// serial when it has none. For a device linked by hand it is what the
	// device's scan read, which is not an identifier of the trade-in.
	IMEI     string    `json:"imei"`
	Operator string    `json:"operator"`
	Bench    string    `json:"bench"`
	At       time.Time `json:"at"`
	EventKey string    `json:"event_key"`
	// Link is set when an operator linked the device to its trade-in by
	// hand because its scan matched none.
	Link *HandLink `json:"link,omitempty"`
}

// HandLink is why a device was received against a trade-in its scan did
// not match: the hub and a supervisor see what was scanned and the
// operator's reason.
type HandLink struct {
	Scan        string       `json:"scan"`        // as read, surrounding blanks trimmed
	Identifiers []Identifier `json:"identifiers"` // the device identities the scan holds
	Reason      string       `json:"reason"`
}
