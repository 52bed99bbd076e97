// Package payments pays a trade-in's released payout to the customer
// through a payment processor. Stripe is the one processor: a payout is a
// Stripe Connect transfer to the customer's connected account.
package payments

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/intakebench/intakebench/intake"
)

// Request is one payout to pay.
type Request struct {
	// PayoutID names the payout in the hub. It is what makes paying
	// idempotent: the same id never pays twice.
	PayoutID string
	Amount   intake.Cents
	// Currency is a three-letter ISO code; empty means "usd".
	Currency string
	// Destination is the customer's Stripe connected account, acct_….
	Destination string
	// Description is shown to the customer; optional.
	Description string
}

// Receipt is what the processor answered for a paid payout.
type Receipt struct {
	// Reference is the processor's id for the payment, e.g. tr_… for a
	// Stripe transfer: the settle entry's reference.
	Reference string
	// Amount is what the processor says it paid.
	Amount intake.Cents
}

// ErrInvalidRequest is a request refused before it reached the processor:
// the hub's data is wrong, and sending it again will not help.
var ErrInvalidRequest = errors.New("invalid payout request")

// ErrTransient is a payment whose outcome is unknown or that the processor
// could not take now (network, its 5xx, a rate limit, a concurrent request
// with the same idempotency key). Paying the same payout again later is
// safe: the idempotency key makes the processor answer a payment it already
// made instead of making a second one.
var ErrTransient = errors.New("transient payment failure, retry later")

// DeclinedError is a payment the processor refused for good: a problem with
// the customer's account or card, or a request it found invalid. Retrying
// will not help; the payout needs a person.
type DeclinedError struct {
	PayoutID string
	Status   int    // the processor's HTTP status, e.g. 402
	Type     string // the processor's error type, e.g. card_error
	Code     string // the processor's error code, e.g. account_invalid; may be empty
	Message  string // the processor's message, for a person
	// RequestID is the processor's id of the refused request, for its support.
	RequestID string
}

func (e *DeclinedError) Error() string {
	reason := e.Code
	if reason == "" {
		reason = e.Type
	}
	return fmt.Sprintf("payout %s declined (status %d, %s): %s", e.PayoutID, e.Status, reason, e.Message)
}

// defaultCurrency is the currency of a request that names none.
const defaultCurrency = "usd"

// maxPayoutID keeps the idempotency key, "payout-" and the id, within
// Stripe's 255 characters with room to spare.
const maxPayoutID = 200

// connectedAccount is the form of a Stripe connected account id.
var connectedAccount = regexp.MustCompile(`^acct_[A-Za-z0-9]+$`)

var currencyCode = regexp.MustCompile(`^[a-z]{3}$`)

// normalized returns r with its defaults filled in, or why it cannot be
// paid.
func (r Request) normalized() (Request, error) {
	if r.PayoutID == "" {
		return r, fmt.Errorf("payout id is empty: %w", ErrInvalidRequest)
	}
	if len(r.PayoutID) > maxPayoutID || strings.IndexFunc(r.PayoutID, notIDRune) >= 0 {
		return r, fmt.Errorf("payout id %q: want at most %d characters, without spaces or control characters: %w",
			r.PayoutID, maxPayoutID, ErrInvalidRequest)
	}
	if r.Amount <= 0 || r.Amount > intake.MaxAmount {
		return r, fmt.Errorf("payout %s: amount %s is not between 0.01 and %s: %w: %w",
			r.PayoutID, r.Amount, intake.MaxAmount, ErrInvalidRequest, intake.ErrAmountOutOfRange)
	}
	if r.Currency == "" {
		r.Currency = defaultCurrency
	}
	// Stripe wants currencies in lower case; the hub may hold them either way.
	if c := strings.ToLower(r.Currency); currencyCode.MatchString(c) {
		r.Currency = c
	} else {
		return r, fmt.Errorf("payout %s: currency %q is not a three-letter ISO code such as usd: %w",
			r.PayoutID, r.Currency, ErrInvalidRequest)
	}
	if !connectedAccount.MatchString(r.Destination) {
		return r, fmt.Errorf("payout %s: destination %q is not a Stripe connected account id (acct_ and letters or digits): %w",
			r.PayoutID, r.Destination, ErrInvalidRequest)
	}
	return r, nil
}

func notIDRune(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar
}

// IdempotencyKey is the key a payout is paid under: the same for every try
// of one payout, so a retry after a lost answer never pays twice.
func IdempotencyKey(payoutID string) string { return "payout-" + payoutID }
