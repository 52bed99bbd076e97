package public

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/webhook"
	"github.com/intakebench/intakebench/intake"
)

func TestPriceItem(t *testing.T) {
	cents := func(c intake.Cents) *intake.Cents { return &c }
	prices := intake.PriceTable{intake.ConditionGood: 32000, intake.ConditionBroken: 1500}
	pct := hubdb.QuoteTerms{ClientValue: 8500, ClientCalc: CalcPercent, Status: StatusPending}
	fixed := hubdb.QuoteTerms{ClientValue: 4000, ClientCalc: CalcFixed, Status: StatusPending}
	for _, tt := range []struct {
		name  string
		terms hubdb.QuoteTerms
		in    itemInput
		want  itemPrice
		err   string
	}{
		{"list price, percentage share", pct, itemInput{cond: intake.ConditionGood}, itemPrice{list: 32000, value: 32000, share: 27200}, ""},
		{"negotiated value", pct, itemInput{cond: intake.ConditionGood, value: cents(10001)}, itemPrice{list: 32000, value: 10001, share: 8501}, ""},
		{"the share half a cent up", hubdb.QuoteTerms{ClientValue: 5000, Status: StatusPending}, itemInput{cond: intake.ConditionGood, value: cents(1)},
			itemPrice{list: 32000, value: 1, share: 1}, ""},
		{"stated share matches", pct, itemInput{cond: intake.ConditionGood, share: cents(27200)}, itemPrice{list: 32000, value: 32000, share: 27200}, ""},
		{"stated share differs", pct, itemInput{cond: intake.ConditionGood, share: cents(27000)}, itemPrice{},
			"client_share: client_share 270.00 does not match 272.00 (85.00% of 320.00)"},
		{"fixed share", fixed, itemInput{cond: intake.ConditionGood}, itemPrice{list: 32000, value: 32000, share: 4000}, ""},
		{"fixed share above value", fixed, itemInput{cond: intake.ConditionBroken}, itemPrice{},
			"client_share: the fixed client share 40.00 per device is more than the value 15.00"},
		{"fixed share stated wrong", fixed, itemInput{cond: intake.ConditionGood, share: cents(1)}, itemPrice{},
			"client_share: client_share 0.01 does not match 40.00 (the quote's fixed amount per device)"},
		{"decided quote", hubdb.QuoteTerms{ClientValue: 8500, Status: StatusApproved}, itemInput{cond: intake.ConditionGood}, itemPrice{},
			"quote 42 is approved; items can only be added while it is pending"},
		{"negotiated at twice the list", pct, itemInput{cond: intake.ConditionGood, value: cents(64000)}, itemPrice{list: 32000, value: 64000, share: 54400}, ""},
		{"negotiated a cent beyond twice the list", pct, itemInput{cond: intake.ConditionGood, value: cents(64001)}, itemPrice{},
			"value: value 640.01 is more than 2 times the list price 320.00"},
		{"a full quote", hubdb.QuoteTerms{ClientValue: 8500, Status: StatusPending, Lines: 1000}, itemInput{cond: intake.ConditionGood}, itemPrice{},
			"quote 42 holds 1000 items, the most a quote takes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := priceItem(42, tt.terms, prices, tt.in, 2)
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				return
			}
			assert.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestStatusEvent(t *testing.T) {
	for _, tt := range []struct {
		current, want int
		event, err    string
	}{
		{StatusPending, StatusApproved, webhook.EventQuoteApproved, ""},
		{StatusPending, StatusDeclined, webhook.EventQuoteDeclined, ""},
		{StatusPending, StatusPending, "", ""},
		{StatusDeclined, StatusDeclined, "", ""},
		{StatusDeclined, StatusApproved, "", "quote 7 is already declined and cannot become approved"},
		{StatusApproved, StatusPending, "", "quote 7 is already approved and cannot become pending"},
	} {
		event, err := statusEvent(7, tt.current, tt.want)
		assert.Equal(t, tt.event, event, "%s → %s", statusName(tt.current), statusName(tt.want))
		if tt.err == "" {
			assert.NoError(t, err)
		} else {
			assert.EqualError(t, err, tt.err)
		}
	}
}

func TestPickCurrent(t *testing.T) {
	at := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	buy, sell := intake.PriceTable{intake.ConditionGood: 10000}, intake.PriceTable{intake.ConditionGood: 15000}
	recordedBuy := hubdb.PriceObservation{At: at, Prices: intake.PriceTable{intake.ConditionGood: 20000}}
	recordedSell := hubdb.PriceObservation{At: at.Add(time.Hour), Prices: intake.PriceTable{intake.ConditionGood: 30000}}
	plain := Variant{ID: "var_x", Buyback: buy}
	withResale := Variant{ID: "var_x", Buyback: buy, Resale: sell}
	for _, tt := range []struct {
		name     string
		v        Variant
		kind     hubdb.PriceKind
		recorded map[hubdb.PriceKind]hubdb.PriceObservation
		want     currentPrices
	}{
		{"buyback from the catalog", plain, hubdb.PriceBuyback, nil, currentPrices{table: buy, source: SourceCatalog}},
		{"buyback recorded", plain, hubdb.PriceBuyback, map[hubdb.PriceKind]hubdb.PriceObservation{hubdb.PriceBuyback: recordedBuy},
			currentPrices{table: recordedBuy.Prices, at: &recordedBuy.At, source: SourceAggregated}},
		{"resale from the catalog", withResale, hubdb.PriceResale, map[hubdb.PriceKind]hubdb.PriceObservation{hubdb.PriceBuyback: recordedBuy},
			currentPrices{table: sell, source: SourceCatalog}},
		{"resale recorded", withResale, hubdb.PriceResale, map[hubdb.PriceKind]hubdb.PriceObservation{hubdb.PriceResale: recordedSell},
			currentPrices{table: recordedSell.Prices, at: &recordedSell.At, source: SourceAggregated}},
		{"resale derived from catalog buyback", plain, hubdb.PriceResale, nil,
			currentPrices{table: intake.PriceTable{intake.ConditionGood: 13000}, source: SourceDerived}},
		{"resale derived from recorded buyback", plain, hubdb.PriceResale, map[hubdb.PriceKind]hubdb.PriceObservation{hubdb.PriceBuyback: recordedBuy},
			currentPrices{table: intake.PriceTable{intake.ConditionGood: 26000}, at: &recordedBuy.At, source: SourceDerived}},
	} {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, pickCurrent(tt.v, tt.kind, tt.recorded)) })
	}
}

// A quote's totals are checked sums: a line beyond the bounds (stored
// before them, or by hand) is an error, never a wrapped total.
func TestQuoteTotalsAreChecked(t *testing.T) {
	row := hubdb.Quote{ID: 7, QuoteTerms: hubdb.QuoteTerms{Status: StatusPending}, Items: []hubdb.QuoteItem{
		{Quantity: 3, Value: 32000, ClientShare: 27200},
		{Quantity: 100_000, Value: 100_000_000, ClientShare: 85_000_000},
	}}
	q, err := quoteFromRow(row)
	assert.NoError(t, err)
	assert.Equal(t, int64(100_003), q.Devices)
	assert.Equal(t, Dollars(10_000_000_096_000), q.TotalValue)
	assert.Equal(t, Dollars(8_500_000_081_600), q.TotalClientShare)

	row.Items = append(row.Items, hubdb.QuoteItem{Quantity: 100_000, Value: 184_467_440_737_095_517})
	_, err = quoteFromRow(row)
	assert.ErrorIs(t, err, intake.ErrAmountOutOfRange)
}
