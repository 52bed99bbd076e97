package imports

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/public"
	"github.com/intakebench/intakebench/intake"
)

// The columns of a prices file: one price of one variant a row. A row
// without a source is the catalog's buyback price of the variant in the
// condition; a row with one is a market observation for seed 002 (type
// buyback or resale, seen by source at observed_at), kept in the price
// history and leaving the catalog as it is.
const (
	pSKU = iota
	pCondition
	pPrice
	pType
	pSource
	pObservedAt
)

var priceFileColumns = []column{
	pSKU:        {"sku", true},
	pCondition:  {"condition", true},
	pPrice:      {"price", true},
	pType:       {"type", false},
	pSource:     {"source", false},
	pObservedAt: {"observed_at", false},
}

// price is a variant's price in one condition: its catalog price, or,
// with obs set, an observation.
type price struct {
	sku       string
	condition intake.Condition
	price     intake.Cents
	obs       *hubdb.PriceRow
}

// prices reads prices of the variants in the hub's catalog when the import
// starts.
func (im *Importer) prices(ctx context.Context) (ops[price], error) {
	ids := map[string]string{} // sku → seed 002 variant id
	err := im.db.View(ctx, func(tx *hubdb.Tx) error {
		vs, err := tx.Variants(ctx)
		for _, v := range vs {
			ids[v.SKU] = public.VariantID(v.Model, v.Storage, v.Carrier)
		}
		return err
	})
	if err != nil {
		return ops[price]{}, fmt.Errorf("read the catalog: %w", err)
	}
	return ops[price]{
		columns: priceFileColumns,
		check: func(r *row, now time.Time) price {
			var p price
			if p.sku = required(r, pSKU, 128); p.sku != "" && ids[p.sku] == "" {
				r.reject(pSKU, "unknown SKU %s: not in the hub's catalog", quoted(p.sku))
			}
			if r.get(pCondition) == "" {
				r.reject(pCondition, "required")
			}
			var ok bool
			if p.price, ok = money(r, pPrice); !ok && r.get(pPrice) == "" {
				r.reject(pPrice, "required")
			}
			if r.get(pSource) == "" {
				for _, i := range []int{pType, pObservedAt} {
					if r.get(i) != "" {
						r.reject(i, "only a market observation has one, and it needs a source")
					}
				}
				p.condition, _ = word(r, pCondition, intake.ParseCondition)
				return p
			}
			o := hubdb.PriceRow{VariantID: ids[p.sku], Kind: hubdb.PriceBuyback, Cents: p.price}
			o.Condition, _ = word(r, pCondition, public.ParseObservedCondition)
			if r.get(pType) != "" {
				o.Kind, _ = word(r, pType, public.ParsePriceKind)
			}
			if o.Source = text(r, pSource, 1024); o.Source != "" {
				if err := public.CheckSource(o.Source); err != nil {
					r.reject(pSource, "%s", err.Error())
				}
			}
			// An observation's time is part of its key: without one, the
			// same file imported twice would observe everything twice.
			if r.get(pObservedAt) == "" {
				r.reject(pObservedAt, "required with a source")
			}
			o.At = timeAt(r, pObservedAt, time.Time{}, now)
			p.obs = &o
			return p
		},
		apply: applyPrices,
	}, nil
}

// applyPrices sets the catalog prices the file gives in their variants'
// tables, and records its observations. A catalog price the table has
// already, or an observation there with the same price, is counted as
// there; a new one as imported, one with another price as updated. Each
// variant changed is written once, with its change logged for benches.
func applyPrices(ctx context.Context, tx *hubdb.Tx, items []item[price], now time.Time) (counts, error) {
	var c counts
	var catalog []item[price]
	for _, it := range items {
		if it.v.obs == nil {
			catalog = append(catalog, it)
			continue
		}
		old, had, err := tx.PriceRowOf(ctx, *it.v.obs)
		switch {
		case err != nil:
			return c, err
		case had && old == it.v.obs.Cents:
			c.skipped++
			continue
		case had:
			c.updated++
		default:
			c.imported++
		}
		// Recorded at once, so that a row repeated in the batch is there.
		if err := tx.RecordPriceRows(ctx, []hubdb.PriceRow{*it.v.obs}); err != nil {
			return c, err
		}
	}
	if len(catalog) == 0 {
		return c, nil
	}
	skus := make([]string, len(catalog))
	for i, it := range catalog {
		skus[i] = it.v.sku
	}
	current, err := tx.VariantsOf(ctx, skus)
	if err != nil {
		return c, err
	}
	changed := map[string]bool{}
	for _, it := range catalog {
		v, ok := current[it.v.sku]
		if !ok {
			return c, fmt.Errorf("variant %s: %w", it.v.sku, hubdb.ErrNotFound)
		}
		old, had := v.Prices[it.v.condition]
		switch {
		case had && old == it.v.price:
			c.skipped++
			continue
		case had:
			c.updated++
		default:
			c.imported++
		}
		if v.Prices == nil {
			v.Prices = intake.PriceTable{}
		}
		v.Prices[it.v.condition] = it.v.price
		current[it.v.sku] = v
		changed[it.v.sku] = true
	}
	if len(changed) == 0 {
		return c, nil
	}
	var vs []wire.Variant
	for _, sku := range slices.Sorted(maps.Keys(changed)) {
		vs = append(vs, current[sku])
	}
	return c, tx.PutVariants(ctx, vs, now)
}
