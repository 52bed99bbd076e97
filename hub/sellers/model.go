package sellers

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Profile is a seller's set-up: its name, business model, currency and
// the constraints its submissions must meet (seed 004's countries,
// categories, brands, attributes and template photos). The admin sets it
// (PUT …/admin/sellers/{sellerId}); it is the sellers row's doc.
type Profile struct {
	Name string `json:"name"`
	// BusinessModel is "Buyback" (our buyers price each item: a
	// submission sends no price) or another model (such as
	// "Consignment"), where each item carries the seller's price.
	BusinessModel string     `json:"businessModel"`
	Currency      string     `json:"currency"`
	Countries     []Country  `json:"countries"`
	Brands        []Brand    `json:"brands"`
	Categories    []Category `json:"categories"`
}

// BusinessModelBuyback is the model in which a submission carries no price.
const BusinessModelBuyback = "Buyback"

// Country is a country items may come from.
type Country struct {
	IsoCode            string `json:"isoCode"`
	Name               string `json:"name"`
	HasAvailableBuyers bool   `json:"hasAvailableBuyers"`
}

// Brand is a brand the seller's items may be of.
type Brand struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	HasAvailableBuyers bool   `json:"hasAvailableBuyers"`
}

// Category is a kind of item (Bags, Phones), the brands and countries it
// takes (none listed: all of the seller's), its attributes and its
// template photos. Phones are a category like any other: brands are the
// catalog's makes, attributes cover storage, carrier, colour and
// condition.
type Category struct {
	ID                 string          `json:"id"`
	Name               string          `json:"name"`
	HasAvailableBuyers bool            `json:"hasAvailableBuyers"`
	Countries          []string        `json:"countries,omitempty"`
	Brands             []string        `json:"brands,omitempty"`
	Attributes         []Attribute     `json:"attributes"`
	Photos             []TemplatePhoto `json:"photos"`
}

// Attribute is a question about an item with its allowed values.
type Attribute struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Required bool    `json:"required"`
	Multiple bool    `json:"multiple"`
	Values   []Value `json:"values"`
}

// Value is one allowed value of an attribute.
type Value struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// TemplatePhoto is a photo a submission sends (required) or may send;
// Brands limits it to some brands (none: every brand).
type TemplatePhoto struct {
	Name     string   `json:"name"`
	Order    int      `json:"order"`
	Required bool     `json:"required"`
	Brands   []string `json:"brands,omitempty"`
}

var (
	isoCountry  = regexp.MustCompile(`^[A-Z]{2}$`)
	isoCurrency = regexp.MustCompile(`^[A-Z]{3}$`)
)

// check refuses a profile whose constraints contradict themselves: an id
// twice, a category naming a brand or country the seller lacks.
func (p Profile) check() error {
	var f fields
	if strings.TrimSpace(p.Name) == "" {
		f.add("name", "is required")
	}
	if strings.TrimSpace(p.BusinessModel) == "" {
		f.add("businessModel", "is required: Buyback, or the model under which items carry a price")
	}
	if !isoCurrency.MatchString(p.Currency) {
		f.add("currency", "must be an ISO 4217 code such as EUR")
	}
	countries, brands := map[string]bool{}, map[string]bool{}
	for i, c := range p.Countries {
		if !isoCountry.MatchString(c.IsoCode) {
			f.add(fmt.Sprintf("countries[%d].isoCode", i), "must be an ISO 3166-1 alpha-2 code such as PT")
		} else if countries[c.IsoCode] {
			f.add(fmt.Sprintf("countries[%d].isoCode", i), "%s is listed twice", c.IsoCode)
		}
		countries[c.IsoCode] = true
	}
	for i, b := range p.Brands {
		if b.ID == "" || b.Name == "" {
			f.add(fmt.Sprintf("brands[%d]", i), "needs an id and a name")
		} else if brands[b.ID] {
			f.add(fmt.Sprintf("brands[%d].id", i), "%s is listed twice", b.ID)
		}
		brands[b.ID] = true
	}
	cats := map[string]bool{}
	for i, c := range p.Categories {
		at := fmt.Sprintf("categories[%d]", i)
		if c.ID == "" || c.Name == "" {
			f.add(at, "needs an id and a name")
		} else if cats[c.ID] {
			f.add(at+".id", "%s is listed twice", c.ID)
		}
		cats[c.ID] = true
		for j, code := range c.Countries {
			if !countries[code] {
				f.add(fmt.Sprintf("%s.countries[%d]", at, j), "%s is not one of the seller's countries", code)
			}
		}
		for j, id := range c.Brands {
			if !brands[id] {
				f.add(fmt.Sprintf("%s.brands[%d]", at, j), "%s is not one of the seller's brands", id)
			}
		}
		attrs := map[string]bool{}
		for j, a := range c.Attributes {
			if a.ID == "" || a.Name == "" || len(a.Values) == 0 {
				f.add(fmt.Sprintf("%s.attributes[%d]", at, j), "needs an id, a name and values")
			} else if attrs[a.ID] {
				f.add(fmt.Sprintf("%s.attributes[%d].id", at, j), "%s is listed twice", a.ID)
			}
			attrs[a.ID] = true
		}
		for j, ph := range c.Photos {
			if ph.Name == "" {
				f.add(fmt.Sprintf("%s.photos[%d].name", at, j), "is required")
			}
		}
	}
	return f.err()
}

func (p Profile) country(code string) (Country, bool) {
	i := slices.IndexFunc(p.Countries, func(c Country) bool { return c.IsoCode == code })
	if i < 0 {
		return Country{}, false
	}
	return p.Countries[i], true
}

func (p Profile) brand(id string) (Brand, bool) {
	i := slices.IndexFunc(p.Brands, func(b Brand) bool { return b.ID == id })
	if i < 0 {
		return Brand{}, false
	}
	return p.Brands[i], true
}

func (p Profile) category(id string) (Category, bool) {
	i := slices.IndexFunc(p.Categories, func(c Category) bool { return c.ID == id })
	if i < 0 {
		return Category{}, false
	}
	return p.Categories[i], true
}

// takesBrand reports whether the category takes items of brand id.
func (c Category) takesBrand(id string) bool {
	return len(c.Brands) == 0 || slices.Contains(c.Brands, id)
}

// takesCountry reports whether the category takes items from code.
func (c Category) takesCountry(code string) bool {
	return len(c.Countries) == 0 || slices.Contains(c.Countries, code)
}

// photosFor is the category's template photos for brand ("": all).
func (c Category) photosFor(brand string) []TemplatePhoto {
	out := []TemplatePhoto{}
	for _, ph := range c.Photos {
		if brand == "" || len(ph.Brands) == 0 || slices.Contains(ph.Brands, brand) {
			out = append(out, ph)
		}
	}
	return out
}

func decodeProfile(doc json.RawMessage) (Profile, error) {
	var p Profile
	if err := json.Unmarshal(doc, &p); err != nil {
		return p, fmt.Errorf("decode seller profile: %w", err)
	}
	return p, nil
}
