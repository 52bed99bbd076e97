// Package demo makes realistic demo and load data: a catalog of real
// makes, models and storage sizes with per-condition buyback prices, and
// accepted trade-ins for them with valid IMEIs on the models' TACs.
package demo

import "github.com/intakebench/intakebench/intake"

// Model is one phone model of the demo catalog.
type Model struct {
	Make    string
	Name    string
	SKU     string // prefix; storage and carrier complete it
	Storage []string
	Colours []string
	// TACs are type allocation codes publicly listed for the model (the
	// first 8 digits of its IMEIs). They come from public TAC lists, not
	// from the GSMA database: good enough for demo data, not for checks.
	TACs []string
	// Excellent is the buyback price of the smallest storage in excellent
	// condition; each storage step adds StorageStep.
	Excellent   intake.Cents
	StorageStep intake.Cents
}

// Carriers a demo variant may be locked to.
var Carriers = []string{"Unlocked", "Verizon", "AT&T", "T-Mobile"}

// Catalog returns the demo catalog. Prices are plausible 2026 buyback
// prices in US cents, not quotes.
func Catalog() []Model {
	return []Model{
		{"Apple", "iPhone 11", "APIP11", []string{"64GB", "128GB", "256GB"}, []string{"Black", "White", "Purple"}, []string{"35392110"}, 9000, 1500},
		{"Apple", "iPhone 12", "APIP12", []string{"64GB", "128GB", "256GB"}, []string{"Black", "Blue", "White"}, []string{"35384611"}, 16000, 2000},
		{"Apple", "iPhone 13", "APIP13", []string{"128GB", "256GB", "512GB"}, []string{"Midnight", "Starlight", "Blue"}, []string{"35443211", "35442811"}, 42500, 3000},
		{"Apple", "iPhone 13 mini", "APIP13M", []string{"128GB", "256GB"}, []string{"Midnight", "Pink"}, []string{"35432970"}, 26000, 2500},
		{"Apple", "iPhone 13 Pro", "APIP13P", []string{"128GB", "256GB", "512GB"}, []string{"Graphite", "Sierra Blue"}, []string{"35272348"}, 38000, 3500},
		{"Apple", "iPhone 14", "APIP14", []string{"128GB", "256GB", "512GB"}, []string{"Midnight", "Purple", "Blue"}, []string{"35313310", "35442511"}, 40000, 3500},
		{"Apple", "iPhone 14 Pro Max", "APIP14PM", []string{"128GB", "256GB", "512GB", "1TB"}, []string{"Deep Purple", "Space Black"}, []string{"35508675"}, 62000, 4000},
		{"Apple", "iPhone 15", "APIP15", []string{"128GB", "256GB", "512GB"}, []string{"Black", "Blue", "Pink"}, []string{"35437977", "35637100"}, 52000, 4000},
		{"Apple", "iPhone 15 Pro Max", "APIP15PM", []string{"256GB", "512GB", "1TB"}, []string{"Natural Titanium", "Black Titanium"}, []string{"35637107"}, 78000, 5000},
		{"Samsung", "Galaxy S22 Ultra", "SMS22U", []string{"128GB", "256GB", "512GB"}, []string{"Phantom Black", "Burgundy"}, []string{"35246221"}, 30000, 3000},
		{"Samsung", "Galaxy S23 Ultra", "SMS23U", []string{"256GB", "512GB", "1TB"}, []string{"Phantom Black", "Green"}, []string{"35314725"}, 45000, 4000},
		{"Samsung", "Galaxy S24 Ultra", "SMS24U", []string{"256GB", "512GB", "1TB"}, []string{"Titanium Gray", "Titanium Black"}, []string{"35799425"}, 62000, 5000},
		{"Google", "Pixel 8 Pro", "GOPX8P", []string{"128GB", "256GB", "512GB"}, []string{"Obsidian", "Bay"}, []string{"35635011"}, 33000, 3000},
	}
}

// Variant is one make/model/storage/carrier with its price table.
type Variant struct {
	Model   Model
	Storage string
	Carrier string
	SKU     string
	Prices  intake.PriceTable
}

// Variants expands the catalog into priced variants, seed 000 style: the
// five price columns derive from the excellent price.
func Variants() []Variant {
	var out []Variant
	for _, m := range Catalog() {
		for i, storage := range m.Storage {
			excellent := m.Excellent + intake.Cents(i)*m.StorageStep
			for _, carrier := range Carriers {
				// Carrier-locked phones fetch less than unlocked ones.
				e := excellent
				if carrier != "Unlocked" {
					e = e.Percent(92)
				}
				out = append(out, Variant{
					Model: m, Storage: storage, Carrier: carrier,
					SKU: m.SKU + trimGB(storage) + carrierCode(carrier),
					Prices: intake.PriceTableFromSeed000(intake.Seed000Prices{
						New: e.Percent(112), Excellent: e, Average: e.Percent(75), Poor: e.Percent(42), Broken: e.Percent(20),
					}),
				})
			}
		}
	}
	return out
}

func trimGB(s string) string {
	if len(s) > 2 && s[len(s)-2:] == "GB" {
		return s[:len(s)-2]
	}
	return s
}

func carrierCode(c string) string {
	switch c {
	case "Unlocked":
		return "UN"
	case "Verizon":
		return "VZ"
	case "AT&T":
		return "AT"
	case "T-Mobile":
		return "TM"
	}
	return "XX"
}
