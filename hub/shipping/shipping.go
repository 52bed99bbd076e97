// Package shipping gets an accepted trade-in's device from the customer to
// our warehouse: either a prepaid carrier label bought from ShipEngine
// (ShipEngine) or instructions for dropping it off in person (Pickup).
// Both have the same Arrange method, so the hub picks one per trade-in
// through its own small interface.
//
// The label is for the customer's parcel to us, so the customer is the
// shipment's ship_from and our facility its ship_to.
package shipping

import (
	"errors"
	"fmt"
	"strings"
)

// Methods an Arrangement can have.
const (
	MethodLabel  = "label"
	MethodPickup = "pickup"
)

var (
	// ErrInvalidRequest is a request that cannot succeed as it stands:
	// refused locally (a *RequestError) or by ShipEngine with a 4xx. Retrying
	// it unchanged is pointless.
	ErrInvalidRequest = errors.New("shipping: invalid request")
	// ErrUnauthorized is ShipEngine refusing our API key: a configuration
	// problem, not one of the trade-in.
	ErrUnauthorized = errors.New("shipping: API key refused")
	// ErrTransient is a failure that may go away on its own: a 5xx, a 429 or
	// a network error. For a label, ShipEngine may have bought it anyway.
	ErrTransient = errors.New("shipping: transient failure")
)

// Address is a postal address with a contact at it.
type Address struct {
	Name    string
	Company string
	Phone   string
	// Email is for the hub's messages to the customer; it is not sent to
	// the carrier.
	Email      string
	Line1      string
	Line2      string
	City       string
	State      string // state or province; required in the US, Canada and Australia
	PostalCode string
	Country    string // ISO 3166-1 alpha-2, e.g. "US"
}

// Lines is the address as it is written on an envelope, without empty
// lines.
func (a Address) Lines() []string {
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	add(a.Name)
	add(a.Company)
	add(a.Line1)
	add(a.Line2)
	city := strings.TrimSpace(a.City)
	region := strings.TrimSpace(strings.TrimSpace(a.State) + " " + strings.TrimSpace(a.PostalCode))
	switch {
	case city != "" && region != "":
		add(city + ", " + region)
	default:
		add(city + region)
	}
	add(a.Country)
	return out
}

// Request is what shipping needs to know about an accepted trade-in.
type Request struct {
	TradeInID string
	// Reference is what the customer and our receiving staff both see: it
	// is printed on the label and named in pickup instructions.
	Reference   string
	Customer    Address
	Facility    Address // our warehouse, where the device goes
	WeightGrams int     // the packed parcel
}

// Money is an amount in minor units (cents) of a lower-case ISO 4217
// currency, as ShipEngine names them ("usd").
type Money struct {
	Currency string
	Cents    int64
}

// Arrangement is how the device will reach us.
type Arrangement struct {
	Method         string // MethodLabel or MethodPickup
	Carrier        string // ShipEngine carrier code, e.g. "stamps_com"; what Track takes
	Service        string // e.g. "usps_priority_mail"
	TrackingNumber string
	LabelURL       string // the printable PDF
	LabelID        string // ShipEngine's, e.g. "se-123", for voiding or support
	Cost           Money  // what the label cost us; zero for a pickup
	Instructions   string // for the customer
}

// RequestError is a request refused before anything was sent, listing
// every problem so the caller can fix them in one go.
type RequestError struct {
	Problems []string // e.g. "customer.phone is required"
}

func (e *RequestError) Error() string {
	return "shipping: invalid request: " + strings.Join(e.Problems, "; ")
}

// Is makes a RequestError match ErrInvalidRequest.
func (e *RequestError) Is(target error) bool { return target == ErrInvalidRequest }

// problems collects validation failures.
type problems []string

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &RequestError{Problems: p}
}

// stateRequired reports whether carriers refuse an address in country
// without a state or province.
func stateRequired(country string) bool {
	switch strings.ToUpper(country) {
	case "US", "CA", "AU":
		return true
	}
	return false
}

// checkAddress adds the problems of a, whose fields are named prefix.x,
// to p: what a carrier needs to deliver to it and reach someone there.
func checkAddress(p *problems, prefix string, a Address) {
	required := []struct{ name, value string }{
		{"name", a.Name},
		{"phone", a.Phone},
		{"address_line1", a.Line1},
		{"city", a.City},
		{"postal_code", a.PostalCode},
		{"country", a.Country},
	}
	for _, f := range required {
		if strings.TrimSpace(f.value) == "" {
			p.add("%s.%s is required", prefix, f.name)
		}
	}
	country := strings.TrimSpace(a.Country)
	if country != "" && !isCountryCode(country) {
		p.add("%s.country must be a 2-letter ISO country code, not %q", prefix, country)
	}
	if stateRequired(country) && strings.TrimSpace(a.State) == "" {
		p.add("%s.state is required in %s", prefix, strings.ToUpper(country))
	}
}

func isCountryCode(s string) bool {
	if len(s) != 2 {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') {
			return false
		}
	}
	return true
}
