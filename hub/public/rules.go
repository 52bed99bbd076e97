package public

import (
	"errors"
	"fmt"
	"time"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/webhook"
	"github.com/intakebench/intakebench/intake"
)

// The business rules of quotes and prices: plain functions of rows already
// loaded, free of HTTP and SQL. A broken rule is a typed error; the
// handlers turn it into the seeds' envelope.

// Quote statuses, as seed 000 numbers them.
const (
	StatusDeclined = 0
	StatusApproved = 1
	StatusPending  = 2
)

// Client calculations: what client_value means.
const (
	CalcPercent = 0 // the client keeps client_value percent of each device's value
	CalcFixed   = 1 // the client gets client_value dollars per device
)

func statusName(s int) string {
	switch s {
	case StatusDeclined:
		return "declined"
	case StatusApproved:
		return "approved"
	case StatusPending:
		return "pending"
	}
	return "unknown"
}

// conflictError is a change the quote's state forbids.
type conflictError struct{ msg string }

func (e *conflictError) Error() string { return e.msg }

// shareError is an item whose client share the quote's terms refuse.
type shareError struct{ issue, msg string }

func (e *shareError) Error() string { return "client_share: " + e.msg }

// itemInput is an item as a client asked to add it.
type itemInput struct {
	variant  Variant
	cond     intake.Condition
	sim      string
	quantity int64
	value    *intake.Cents // per device; nil: the list price
	share    *intake.Cents // the client share the client expects; nil: none stated
}

// itemPrice is what one device of an item is worth and what the client
// gets for it.
type itemPrice struct {
	list  intake.Cents // the current buyback price of the variant's grade
	value intake.Cents
	share intake.Cents
}

// MaxQuoteLines bounds the items of one quote. With it, intake.MaxAmount
// per device and intake.MaxQuantity per line, a quote's totals stay below
// 10^16 cents: far inside int64.
const MaxQuoteLines = 1000

// DefaultMaxNegotiatedMultiple is how many times the list price a
// negotiated value may be, unless WithMaxNegotiatedMultiple says otherwise.
const DefaultMaxNegotiatedMultiple = 2

// valueError is an item whose value the rules refuse.
type valueError struct{ issue, msg string }

func (e *valueError) Error() string { return "value: " + e.msg }

// priceItem prices an item for quote id on its terms, given the variant's
// current buyback prices. Only a pending quote takes items, up to
// MaxQuoteLines. A negotiated value may be at most maxMultiple times the
// list price. A fixed client share may not exceed the value. A share the
// client states must be the one computed here: storing a figure other than
// the one the client showed its customer would be worse than refusing.
func priceItem(id int64, terms hubdb.QuoteTerms, prices intake.PriceTable, in itemInput, maxMultiple int64) (itemPrice, error) {
	if terms.Status != StatusPending {
		return itemPrice{}, &conflictError{fmt.Sprintf("quote %d is %s; items can only be added while it is pending", id, statusName(terms.Status))}
	}
	if terms.Lines >= MaxQuoteLines {
		return itemPrice{}, &conflictError{fmt.Sprintf("quote %d holds %d items, the most a quote takes", id, terms.Lines)}
	}
	p := itemPrice{list: prices[in.cond]}
	p.value = p.list
	if in.value != nil {
		p.value = *in.value
		limit, err := p.list.Times(maxMultiple)
		if err != nil || p.value > limit {
			return itemPrice{}, &valueError{"beyond_list_multiple", fmt.Sprintf("value %s is more than %d times the list price %s", p.value, maxMultiple, p.list)}
		}
	}
	p.share = clientShare(terms.ClientCalc, terms.ClientValue, p.value)
	if terms.ClientCalc == CalcFixed && p.share > p.value {
		return itemPrice{}, &shareError{"exceeds_value", fmt.Sprintf("the fixed client share %s per device is more than the value %s", p.share, p.value)}
	}
	if in.share != nil && *in.share != p.share {
		how := fmt.Sprintf("%s%% of %s", terms.ClientValue, p.value)
		if terms.ClientCalc == CalcFixed {
			how = "the quote's fixed amount per device"
		}
		return itemPrice{}, &shareError{"client_share_mismatch", fmt.Sprintf("client_share %s does not match %s (%s)", *in.share, p.share, how)}
	}
	return p, nil
}

// clientShare is what the client gets per device of the given value.
func clientShare(calc int, clientValue, value intake.Cents) intake.Cents {
	if calc == CalcFixed {
		return clientValue
	}
	// clientValue is hundredths of a percent: value × cv / 10000, rounded
	// half away from zero. Both are bounded when decoded (value by
	// intake.MaxAmount, cv by 100.00%), so the product stays below 10^12.
	return (value*clientValue + 5000) / 10000
}

// statusEvent decides moving quote id from status current to want and
// returns the event the move fires: "" when the quote already has that
// status, a no-op. Only a pending quote moves: a decided one was already
// announced to the seller.
func statusEvent(id int64, current, want int) (string, error) {
	switch {
	case current == want:
		return "", nil
	case current != StatusPending:
		return "", &conflictError{fmt.Sprintf("quote %d is already %s and cannot become %s", id, statusName(current), statusName(want))}
	case want == StatusDeclined:
		return webhook.EventQuoteDeclined, nil
	}
	return webhook.EventQuoteApproved, nil
}

// quoteFromRow is a stored quote as the API shows it, with its totals,
// computed with overflow-checked arithmetic: a quote stored before the
// bounds, or by hand, is an error, never a wrapped total.
func quoteFromRow(row hubdb.Quote) (Quote, error) {
	q := Quote{
		ID: row.ID, Name: row.Name, ClientValue: Dollars(row.ClientValue), ClientCalc: row.ClientCalc,
		Status: row.Status, StatusName: statusName(row.Status), Items: make([]QuoteItem, 0, len(row.Items)),
		CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt,
	}
	var value, share intake.Cents
	for _, it := range row.Items {
		q.Items = append(q.Items, itemFromRow(it))
		q.Devices += it.Quantity
		lineValue, err := it.Value.Times(it.Quantity)
		if err == nil {
			value, err = value.Plus(lineValue)
		}
		lineShare, err2 := it.ClientShare.Times(it.Quantity)
		if err2 == nil {
			share, err2 = share.Plus(lineShare)
		}
		if err := errors.Join(err, err2); err != nil {
			return Quote{}, fmt.Errorf("totals of quote %d: %w", row.ID, err)
		}
	}
	q.TotalValue, q.TotalClientShare = Dollars(value), Dollars(share)
	return q, nil
}

func itemFromRow(it hubdb.QuoteItem) QuoteItem {
	return QuoteItem{
		ID: it.ID, QuoteID: it.QuoteID, SKU: it.SKU, Grade: it.Grade, Sim: it.Sim, Quantity: it.Quantity,
		Value: Dollars(it.Value), ClientShare: Dollars(it.ClientShare), ListValue: Dollars(it.ListValue), CreatedAt: it.CreatedAt,
	}
}

// Where a side's current prices come from.
const (
	// SourceAggregated is seed 002's word for prices from observations:
	// each condition's newest (see hubdb.CurrentPrices).
	SourceAggregated = "aggregated"
	SourceCatalog    = "catalog" // the catalog's table, nothing recorded yet
	SourceDerived    = "derived" // resale = buyback × ResaleMarkupPercent
)

// currentPrices is a variant's current table of one kind.
type currentPrices struct {
	table  intake.PriceTable
	at     *time.Time // nil: no observation behind it
	source string
}

// pickCurrent chooses a variant's current prices of kind from its newest
// recorded observations (by kind; a kind missing has none): the recorded
// ones, else the catalog's, else, for resale, the current buyback prices
// marked up by ResaleMarkupPercent.
func pickCurrent(v Variant, kind hubdb.PriceKind, recorded map[hubdb.PriceKind]hubdb.PriceObservation) currentPrices {
	if o, ok := recorded[kind]; ok {
		return currentPrices{table: o.Prices, at: &o.At, source: SourceAggregated}
	}
	switch {
	case kind == hubdb.PriceBuyback:
		return currentPrices{table: v.Buyback, source: SourceCatalog}
	case v.Resale != nil:
		return currentPrices{table: v.Resale, source: SourceCatalog}
	}
	buy := pickCurrent(v, hubdb.PriceBuyback, recorded)
	return currentPrices{table: deriveResale(buy.table), at: buy.at, source: SourceDerived}
}
