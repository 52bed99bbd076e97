package imports

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// The columns of a catalog file: one variant a row, its whole record.
const (
	cSKU = iota
	cMake
	cModel
	cStorage
	cCarrier
	cPriceNew
	cPriceExcellent
	cPriceGood
	cPriceFair
	cPricePoor
	cPriceBroken
	cTACs
)

var catalogColumns = []column{
	cSKU:            {"sku", true},
	cMake:           {"make", true},
	cModel:          {"model", true},
	cStorage:        {"storage", true},
	cCarrier:        {"carrier", true},
	cPriceNew:       {"price_new", false},
	cPriceExcellent: {"price_excellent", false},
	cPriceGood:      {"price_good", false},
	cPriceFair:      {"price_fair", false},
	cPricePoor:      {"price_poor", false},
	cPriceBroken:    {"price_broken", false},
	cTACs:           {"tacs", false},
}

// priceColumns are the catalog's price columns by condition.
var priceColumns = map[int]intake.Condition{
	cPriceNew: intake.ConditionNew, cPriceExcellent: intake.ConditionExcellent, cPriceGood: intake.ConditionGood,
	cPriceFair: intake.ConditionFair, cPricePoor: intake.ConditionPoor, cPriceBroken: intake.ConditionBroken,
}

func (im *Importer) catalog() ops[wire.Variant] {
	return ops[wire.Variant]{columns: catalogColumns, check: checkVariant, apply: applyVariants}
}

func checkVariant(r *row, _ time.Time) wire.Variant {
	v := wire.Variant{
		SKU: required(r, cSKU, 128), Make: required(r, cMake, 128), Model: required(r, cModel, 128),
		Storage: required(r, cStorage, 128), Carrier: required(r, cCarrier, 128), Prices: intake.PriceTable{},
	}
	given := false
	for _, i := range slices.Sorted(maps.Keys(priceColumns)) {
		if r.get(i) == "" {
			continue
		}
		given = true
		if p, ok := money(r, i); ok {
			v.Prices[priceColumns[i]] = p
		}
	}
	if !given {
		r.reject(-1, "a variant needs a price in at least one condition (price_new to price_broken)")
	}
	if tacs := text(r, cTACs, 16<<10); tacs != "" {
		for _, tac := range strings.FieldsFunc(tacs, func(c rune) bool { return c == ' ' || c == ',' || c == ';' || c == '\t' }) {
			if !intake.ValidTAC(tac) {
				r.reject(cTACs, "TAC %s is not 8 digits", quoted(tac))
				break
			}
			v.TACs = append(v.TACs, tac)
		}
		v.TACs = slices.Compact(slices.Sorted(slices.Values(v.TACs)))
		if len(v.TACs) > wire.MaxVariantTACs {
			r.reject(cTACs, "%d TACs, more than %d", len(v.TACs), wire.MaxVariantTACs)
		}
	}
	if len(r.rejected) == 0 {
		if err := v.Validate(); err != nil {
			r.reject(-1, "%s", err.Error())
		}
	}
	return v
}

func sameVariant(a, b wire.Variant) bool {
	return a.SKU == b.SKU && a.Make == b.Make && a.Model == b.Model && a.Storage == b.Storage && a.Carrier == b.Carrier &&
		maps.Equal(a.Prices, b.Prices) && slices.Equal(a.TACs, b.TACs)
}

// applyVariants adds new variants and replaces those the file changes; a
// row that repeats a variant as it is changes nothing.
func applyVariants(ctx context.Context, tx *hubdb.Tx, items []item[wire.Variant], now time.Time) (counts, error) {
	var c counts
	skus := make([]string, len(items))
	for i, it := range items {
		skus[i] = it.v.SKU
	}
	current, err := tx.VariantsOf(ctx, skus)
	if err != nil {
		return c, err
	}
	var changed []wire.Variant
	for _, it := range items {
		cur, exists := current[it.v.SKU]
		switch {
		case exists && sameVariant(cur, it.v):
			c.skipped++
			continue
		case exists:
			c.updated++
		default:
			c.imported++
		}
		current[it.v.SKU] = it.v
		changed = append(changed, it.v)
	}
	if len(changed) == 0 {
		return c, nil
	}
	return c, tx.PutVariants(ctx, changed, now)
}
