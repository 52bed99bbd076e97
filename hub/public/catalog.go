package public

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/intakebench/intakebench/intake"
)

// ResaleMarkupPercent derives a resale table from a buyback table when the
// catalog has none: resale ≈ buyback × 130%. Seed 002's example prices an
// excellent iPhone 14 Pro at 650.00 buyback and 850.00 resale, a 31% markup;
// 130% is that rounded to a figure a merchandiser would set.
const ResaleMarkupPercent = 130

// ErrVariantNotFound reports a make/model/storage/carrier, SKU or variant
// id the catalog does not know.
var ErrVariantNotFound = errors.New("public: variant not found")

// Variant is one sellable make/model/storage/carrier with its prices.
type Variant struct {
	ID      string // seed 002 variant id, e.g. var_iphone13_128_unlocked
	Make    string
	Model   string
	Storage string
	Carrier string
	// Colour, when the catalog has one, names the variant in seed 002
	// ("128GB Space Black") instead of its carrier; the hub's own catalog
	// has none yet.
	Colour  string
	SKU     string
	Buyback intake.PriceTable
	Resale  intake.PriceTable // nil: derived with ResaleMarkupPercent
}

// ResaleTable is the variant's resale table, derived from buyback if unset.
func (v Variant) ResaleTable() intake.PriceTable {
	if v.Resale != nil {
		return v.Resale
	}
	return deriveResale(v.Buyback)
}

func deriveResale(buyback intake.PriceTable) intake.PriceTable {
	out := intake.PriceTable{}
	for c, p := range buyback {
		out[c] = p.Percent(ResaleMarkupPercent)
	}
	return out
}

// Catalog finds variants. Lookups by name are case-insensitive; every
// method returns an error wrapping ErrVariantNotFound for an unknown one.
type Catalog interface {
	Lookup(ctx context.Context, make, model, storage, carrier string) (Variant, error)
	BySKU(ctx context.Context, sku string) (Variant, error)
	ByID(ctx context.Context, variantID string) (Variant, error)
}

// VariantID derives the seed 002 variant id from model, storage and
// carrier: "var_" + the lower-case letters and digits of each, storage
// without its "GB" unit, joined by "_". iPhone 13 / 128GB / Unlocked →
// var_iphone13_128_unlocked; 1TB stays "1tb" so it cannot collide with 1GB.
func VariantID(model, storage, carrier string) string {
	s := strings.ToLower(strings.ReplaceAll(storage, " ", ""))
	s = strings.TrimSuffix(s, "gb")
	return "var_" + idPart(model) + "_" + idPart(s) + "_" + idPart(carrier)
}

func idPart(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// MemoryCatalog is an in-memory Catalog for tests and the demo hub.
type MemoryCatalog struct {
	byName map[string]Variant
	bySKU  map[string]Variant
	byID   map[string]Variant
}

// NewMemoryCatalog indexes variants. An empty ID is derived with
// VariantID. Duplicate names, SKUs or ids are an error: a lookup must never
// depend on which duplicate came first.
func NewMemoryCatalog(variants []Variant) (*MemoryCatalog, error) {
	c := &MemoryCatalog{byName: map[string]Variant{}, bySKU: map[string]Variant{}, byID: map[string]Variant{}}
	for _, v := range variants {
		if v.ID == "" {
			v.ID = VariantID(v.Model, v.Storage, v.Carrier)
		}
		if v.SKU == "" || v.Buyback == nil {
			return nil, fmt.Errorf("public catalog: variant %s has no SKU or no buyback prices", v.ID)
		}
		for _, idx := range []struct {
			m   map[string]Variant
			key string
		}{{c.byName, nameKey(v.Make, v.Model, v.Storage, v.Carrier)}, {c.bySKU, fold(v.SKU)}, {c.byID, v.ID}} {
			if prev, dup := idx.m[idx.key]; dup {
				return nil, fmt.Errorf("public catalog: %s (%s) and %s (%s) share key %q", prev.SKU, prev.ID, v.SKU, v.ID, idx.key)
			}
			idx.m[idx.key] = v
		}
	}
	return c, nil
}

// fold normalises a lookup term: case and spaces do not matter, so
// "128 gb" finds "128GB".
func fold(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), "")) }

func nameKey(make, model, storage, carrier string) string {
	return fold(make) + "|" + fold(model) + "|" + fold(storage) + "|" + fold(carrier)
}

// Lookup implements Catalog.
func (c *MemoryCatalog) Lookup(_ context.Context, make, model, storage, carrier string) (Variant, error) {
	if v, ok := c.byName[nameKey(make, model, storage, carrier)]; ok {
		return v, nil
	}
	return Variant{}, fmt.Errorf("%s %s %s %s: %w", make, model, storage, carrier, ErrVariantNotFound)
}

// BySKU implements Catalog.
func (c *MemoryCatalog) BySKU(_ context.Context, sku string) (Variant, error) {
	if v, ok := c.bySKU[fold(sku)]; ok {
		return v, nil
	}
	return Variant{}, fmt.Errorf("sku %q: %w", sku, ErrVariantNotFound)
}

// ByID implements Catalog.
func (c *MemoryCatalog) ByID(_ context.Context, id string) (Variant, error) {
	if v, ok := c.byID[id]; ok {
		return v, nil
	}
	return Variant{}, fmt.Errorf("variant %q: %w", id, ErrVariantNotFound)
}
