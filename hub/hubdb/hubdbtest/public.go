package hubdbtest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// public covers the public API's operations: quotes, their items, price
// history.
func public(t *testing.T, open Opener) {
	ctx := context.Background()
	// Sub-millisecond parts of times are not kept.
	at := func(sec, ns int) time.Time { return time.Date(2026, 4, 15, 9, 30, sec, ns, time.UTC) }
	ms := func(sec, msec int) time.Time { return at(sec, msec*1e6) }
	quote := func(t *testing.T, db *hubdb.DB, id int64) (hubdb.Quote, error) {
		t.Helper()
		var q hubdb.Quote
		err := db.View(ctx, func(tx *hubdb.Tx) (err error) {
			q, err = tx.Quote(ctx, id)
			return err
		})
		return q, err
	}
	insertQuote := func(t *testing.T, db *hubdb.DB, name string, terms hubdb.QuoteTerms, when time.Time) int64 {
		t.Helper()
		var id int64
		inTx(t, db, func(tx *hubdb.Tx) (err error) {
			id, err = tx.InsertQuote(ctx, name, terms, when)
			return err
		})
		return id
	}

	t.Run("quotes: insert and read", func(t *testing.T) {
		db := open(t)
		assert.Equal(t, int64(1), insertQuote(t, db, "Lincoln Elementary", hubdb.QuoteTerms{ClientValue: 8500, ClientCalc: 0, Status: 2}, at(1, 123_456_789)))
		assert.Equal(t, int64(2), insertQuote(t, db, "Fixed", hubdb.QuoteTerms{ClientValue: 4000, ClientCalc: 1, Status: 2}, at(2, 0)))
		q, err := quote(t, db, 1)
		require.NoError(t, err)
		assert.Equal(t, hubdb.Quote{
			ID: 1, Name: "Lincoln Elementary", QuoteTerms: hubdb.QuoteTerms{ClientValue: 8500, ClientCalc: 0, Status: 2},
			CreatedAt: ms(1, 123), UpdatedAt: ms(1, 123),
		}, q)
		view(t, db, func(tx *hubdb.Tx) error {
			terms, err := tx.QuoteTerms(ctx, 2)
			require.NoError(t, err)
			assert.Equal(t, hubdb.QuoteTerms{ClientValue: 4000, ClientCalc: 1, Status: 2}, terms)
			return nil
		})
	})

	t.Run("quotes: unknown id is ErrNotFound", func(t *testing.T) {
		db := open(t)
		_, err := quote(t, db, 7)
		assert.ErrorIs(t, err, hubdb.ErrNotFound)
		err = db.InTx(ctx, func(tx *hubdb.Tx) error {
			_, err := tx.QuoteTerms(ctx, 7)
			assert.ErrorIs(t, err, hubdb.ErrNotFound, "QuoteTerms")
			assert.ErrorIs(t, tx.SetQuoteStatus(ctx, 7, 1, at(3, 0)), hubdb.ErrNotFound, "SetQuoteStatus")
			_, err = tx.InsertQuoteItem(ctx, hubdb.QuoteItem{QuoteID: 7, SKU: "APIP13128UN", Grade: "conditionpoorprice", Sim: "Unlocked", Quantity: 1, CreatedAt: at(3, 0)})
			assert.ErrorIs(t, err, hubdb.ErrNotFound, "InsertQuoteItem")
			return nil
		})
		require.NoError(t, err)
	})

	t.Run("quotes: items in order, each touching its quote", func(t *testing.T) {
		db := open(t)
		id := insertQuote(t, db, "Q", hubdb.QuoteTerms{ClientValue: 7250, ClientCalc: 0, Status: 2}, at(0, 0))
		other := insertQuote(t, db, "other", hubdb.QuoteTerms{ClientValue: 100, ClientCalc: 1, Status: 2}, at(0, 0))
		var stored []hubdb.QuoteItem
		inTx(t, db, func(tx *hubdb.Tx) error {
			for _, it := range []hubdb.QuoteItem{
				{QuoteID: id, SKU: "APIP13256VZ", Grade: "conditionexcellentprice", Sim: "Verizon", Quantity: 3, Value: 42500, ClientShare: 30813, ListValue: 42500, CreatedAt: at(5, 999_999)},
				{QuoteID: other, SKU: "APIP1164UN", Grade: "conditionbrokenprice", Sim: "Unlocked", Quantity: 1, Value: 2000, ClientShare: 100, ListValue: 2100, CreatedAt: at(6, 0)},
				{ID: 99, QuoteID: id, SKU: "APIP13256VZ", Grade: "conditionpoorprice", Sim: "Verizon", Quantity: 1, Value: 10001, ClientShare: 7251, ListValue: 12000, CreatedAt: at(7, 250_000_000)},
			} {
				s, err := tx.InsertQuoteItem(ctx, it)
				if err != nil {
					return err
				}
				stored = append(stored, s)
			}
			return nil
		})
		first := hubdb.QuoteItem{ID: 1, QuoteID: 1, SKU: "APIP13256VZ", Grade: "conditionexcellentprice", Sim: "Verizon", Quantity: 3, Value: 42500, ClientShare: 30813, ListValue: 42500, CreatedAt: ms(5, 0)}
		third := hubdb.QuoteItem{ID: 3, QuoteID: 1, SKU: "APIP13256VZ", Grade: "conditionpoorprice", Sim: "Verizon", Quantity: 1, Value: 10001, ClientShare: 7251, ListValue: 12000, CreatedAt: ms(7, 250)}
		assert.Equal(t, first, stored[0], "returned as stored")
		assert.Equal(t, third, stored[2], "the given ID is ignored")
		q, err := quote(t, db, id)
		require.NoError(t, err)
		assert.Equal(t, []hubdb.QuoteItem{first, third}, q.Items)
		assert.Equal(t, ms(0, 0), q.CreatedAt)
		assert.Equal(t, ms(7, 250), q.UpdatedAt, "adding an item updates its quote")
	})

	t.Run("quotes: set status", func(t *testing.T) {
		db := open(t)
		id := insertQuote(t, db, "Q", hubdb.QuoteTerms{ClientValue: 8500, ClientCalc: 0, Status: 2}, at(0, 0))
		inTx(t, db, func(tx *hubdb.Tx) error { return tx.SetQuoteStatus(ctx, id, 1, at(9, 1_500_000)) })
		q, err := quote(t, db, id)
		require.NoError(t, err)
		assert.Equal(t, 1, q.Status)
		assert.Equal(t, ms(0, 0), q.CreatedAt)
		assert.Equal(t, ms(9, 1), q.UpdatedAt)
	})

	t.Run("quotes: a rolled-back insert leaves nothing", func(t *testing.T) {
		db := open(t)
		err := db.InTx(ctx, func(tx *hubdb.Tx) error {
			if _, err := tx.InsertQuote(ctx, "Q", hubdb.QuoteTerms{ClientValue: 1, ClientCalc: 1, Status: 2}, at(0, 0)); err != nil {
				return err
			}
			return context.Canceled
		})
		require.ErrorIs(t, err, context.Canceled)
		_, err = quote(t, db, 1)
		assert.ErrorIs(t, err, hubdb.ErrNotFound)
	})

	table := func(base intake.Cents) intake.PriceTable {
		return intake.PriceTable{intake.ConditionExcellent: base, intake.ConditionGood: base - 100, intake.ConditionPoor: base - 300}
	}
	record := func(t *testing.T, db *hubdb.DB, variant string, kind hubdb.PriceKind, when time.Time, prices intake.PriceTable) {
		t.Helper()
		inTx(t, db, func(tx *hubdb.Tx) error {
			return tx.RecordPrice(ctx, variant, kind, hubdb.PriceObservation{At: when, Prices: prices})
		})
	}
	current := func(t *testing.T, db *hubdb.DB, variant string, kind hubdb.PriceKind, now time.Time) (hubdb.PriceObservation, bool) {
		t.Helper()
		var o hubdb.PriceObservation
		var ok bool
		view(t, db, func(tx *hubdb.Tx) (err error) {
			o, ok, err = tx.CurrentPrices(ctx, variant, kind, now)
			return err
		})
		return o, ok
	}

	t.Run("prices: each condition's current price is its newest not in the future", func(t *testing.T) {
		db := open(t)
		record(t, db, "var_a", hubdb.PriceBuyback, ms(0, 0), table(10000))
		record(t, db, "var_a", hubdb.PriceBuyback, ms(10, 0), intake.PriceTable{intake.ConditionExcellent: 11000})
		record(t, db, "var_a", hubdb.PriceBuyback, ms(20, 0), table(12000))
		record(t, db, "var_a", hubdb.PriceResale, ms(15, 0), table(50000))
		record(t, db, "var_b", hubdb.PriceBuyback, ms(15, 0), table(90000))

		o, ok := current(t, db, "var_a", hubdb.PriceBuyback, ms(19, 999))
		assert.True(t, ok)
		assert.Equal(t, hubdb.PriceObservation{At: ms(10, 0), Prices: intake.PriceTable{
			intake.ConditionExcellent: 11000, intake.ConditionGood: 9900, intake.ConditionPoor: 9700,
		}}, o, "excellent from 10s, the others from 0s; At is the newest")
		o, _ = current(t, db, "var_a", hubdb.PriceBuyback, ms(20, 0))
		assert.Equal(t, hubdb.PriceObservation{At: ms(20, 0), Prices: table(12000)}, o, "at now counts")
		o, _ = current(t, db, "var_a", hubdb.PriceResale, ms(30, 0))
		assert.Equal(t, hubdb.PriceObservation{At: ms(15, 0), Prices: table(50000)}, o, "kinds are apart")
		_, ok = current(t, db, "var_a", hubdb.PriceBuyback, at(0, 0).Add(-time.Millisecond))
		assert.False(t, ok, "nothing before the first observation")
		_, ok = current(t, db, "var_c", hubdb.PriceBuyback, ms(30, 0))
		assert.False(t, ok, "a variant never observed")
	})

	t.Run("prices: recording a condition again at the same time replaces it", func(t *testing.T) {
		db := open(t)
		record(t, db, "var_a", hubdb.PriceBuyback, ms(0, 0), table(10000))
		record(t, db, "var_a", hubdb.PriceBuyback, at(0, 400_000), intake.PriceTable{intake.ConditionGood: 7777, intake.ConditionBroken: 100})
		o, _ := current(t, db, "var_a", hubdb.PriceBuyback, ms(1, 0))
		assert.Equal(t, hubdb.PriceObservation{At: ms(0, 0), Prices: intake.PriceTable{
			intake.ConditionExcellent: 10000, intake.ConditionGood: 7777, intake.ConditionPoor: 9700, intake.ConditionBroken: 100,
		}}, o)
	})

	t.Run("prices: sources observing at one time give the lower median", func(t *testing.T) {
		db := open(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			return tx.RecordPriceRows(ctx, []hubdb.PriceRow{
				{VariantID: "var_a", Kind: hubdb.PriceResale, Condition: intake.ConditionGood, At: ms(5, 0), Source: "ebay", Cents: 30000},
				{VariantID: "var_a", Kind: hubdb.PriceResale, Condition: intake.ConditionGood, At: ms(5, 0), Source: "swappa", Cents: 10000},
				{VariantID: "var_a", Kind: hubdb.PriceResale, Condition: intake.ConditionGood, At: ms(5, 0), Source: "backmarket", Cents: 20000},
				{VariantID: "var_a", Kind: hubdb.PriceResale, Condition: intake.ConditionFair, At: ms(5, 0), Source: "ebay", Cents: 8000},
				{VariantID: "var_a", Kind: hubdb.PriceResale, Condition: intake.ConditionFair, At: ms(5, 0), Source: "swappa", Cents: 6000},
			})
		})
		o, _ := current(t, db, "var_a", hubdb.PriceResale, ms(9, 0))
		assert.Equal(t, hubdb.PriceObservation{At: ms(5, 0), Prices: intake.PriceTable{intake.ConditionGood: 20000, intake.ConditionFair: 6000}}, o)
		var got intake.Cents
		var ok bool
		view(t, db, func(tx *hubdb.Tx) (err error) {
			got, ok, err = tx.PriceRowOf(ctx, hubdb.PriceRow{VariantID: "var_a", Kind: hubdb.PriceResale, Condition: intake.ConditionFair, At: ms(5, 0), Source: "swappa"})
			return err
		})
		assert.True(t, ok)
		assert.Equal(t, intake.Cents(6000), got)
		view(t, db, func(tx *hubdb.Tx) (err error) {
			_, ok, err = tx.PriceRowOf(ctx, hubdb.PriceRow{VariantID: "var_a", Kind: hubdb.PriceResale, Condition: intake.ConditionFair, At: ms(5, 0), Source: "backmarket"})
			return err
		})
		assert.False(t, ok)
		err := db.InTx(ctx, func(tx *hubdb.Tx) error {
			return tx.RecordPriceRows(ctx, []hubdb.PriceRow{{VariantID: "var_a", Kind: hubdb.PriceResale, Condition: intake.ConditionFair, At: ms(6, 0), Cents: 1}})
		})
		assert.ErrorContains(t, err, "no source")
	})

	t.Run("prices: figures and one condition's history of a window", func(t *testing.T) {
		db := open(t)
		row := func(c intake.Condition, when time.Time, src string, cents intake.Cents) hubdb.PriceRow {
			return hubdb.PriceRow{VariantID: "var_a", Kind: hubdb.PriceResale, Condition: c, At: when, Source: src, Cents: cents}
		}
		inTx(t, db, func(tx *hubdb.Tx) error {
			return tx.RecordPriceRows(ctx, []hubdb.PriceRow{
				row(intake.ConditionGood, ms(0, 0), "swappa", 100), row(intake.ConditionGood, ms(10, 0), "ebay", 200),
				row(intake.ConditionFair, ms(10, 0), "ebay", 50), row(intake.ConditionGood, ms(20, 0), "backmarket", 300),
				row(intake.ConditionGood, ms(30, 0), "zz", 400),
				{VariantID: "var_a", Kind: hubdb.PriceBuyback, Condition: intake.ConditionGood, At: ms(15, 0), Source: "other", Cents: 1},
			})
		})
		var st hubdb.PriceStats
		var good []hubdb.PriceRow
		view(t, db, func(tx *hubdb.Tx) (err error) {
			if st, err = tx.PriceStatsOf(ctx, "var_a", hubdb.PriceResale, ms(10, 0), ms(20, 0)); err != nil {
				return err
			}
			good, err = tx.ConditionPriceRows(ctx, "var_a", hubdb.PriceResale, intake.ConditionGood, ms(10, 0), ms(20, 0))
			return err
		})
		assert.Equal(t, hubdb.PriceStats{Count: 3, Sources: []string{"backmarket", "ebay"}, Newest: ms(20, 0)}, st)
		assert.Equal(t, []hubdb.PriceRow{row(intake.ConditionGood, ms(10, 0), "ebay", 200), row(intake.ConditionGood, ms(20, 0), "backmarket", 300)}, good)
		view(t, db, func(tx *hubdb.Tx) (err error) {
			st, err = tx.PriceStatsOf(ctx, "var_b", hubdb.PriceResale, ms(0, 0), ms(40, 0))
			return err
		})
		assert.Equal(t, hubdb.PriceStats{}, st, "nothing observed")
	})

	t.Run("prices: history is the window, both ends included, oldest first", func(t *testing.T) {
		db := open(t)
		// Recorded out of order.
		for _, r := range []struct {
			when time.Time
			base intake.Cents
		}{{ms(30, 0), 13000}, {ms(0, 0), 10000}, {ms(10, 0), 11000}, {ms(20, 0), 12000}, {ms(40, 0), 14000}} {
			record(t, db, "var_a", hubdb.PriceBuyback, r.when, intake.PriceTable{intake.ConditionGood: r.base})
		}
		record(t, db, "var_a", hubdb.PriceResale, ms(20, 0), table(99000))
		var got []hubdb.PriceRow
		view(t, db, func(tx *hubdb.Tx) (err error) {
			got, err = tx.PriceRows(ctx, "var_a", hubdb.PriceBuyback, ms(10, 0), ms(30, 0))
			return err
		})
		row := func(when time.Time, cents intake.Cents) hubdb.PriceRow {
			return hubdb.PriceRow{VariantID: "var_a", Kind: hubdb.PriceBuyback, Condition: intake.ConditionGood, At: when, Source: hubdb.SourceRecorded, Cents: cents}
		}
		assert.Equal(t, []hubdb.PriceRow{row(ms(10, 0), 11000), row(ms(20, 0), 12000), row(ms(30, 0), 13000)}, got)
		view(t, db, func(tx *hubdb.Tx) (err error) {
			got, err = tx.PriceRows(ctx, "var_b", hubdb.PriceBuyback, ms(0, 0), ms(40, 0))
			return err
		})
		assert.Empty(t, got)
	})
}
