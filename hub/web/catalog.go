package web

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/intakebench/intakebench/benchsync/wire"
)

// catalog is the hub's catalog as the buyer picks from it: a model
// ("Apple iPhone 13"), its storage and its network.
type catalog struct {
	Models   []string
	Storages []string
	Carriers []string
	variants []wire.Variant
}

func modelName(v wire.Variant) string { return v.Make + " " + v.Model }

func (s *Site) catalog(ctx context.Context) (catalog, error) {
	vs, err := s.hub.Variants(ctx)
	if err != nil {
		return catalog{}, err
	}
	c := catalog{variants: vs}
	for _, v := range vs {
		c.Models = append(c.Models, modelName(v))
		c.Storages = append(c.Storages, v.Storage)
		c.Carriers = append(c.Carriers, v.Carrier)
	}
	slices.Sort(c.Models)
	c.Models = slices.Compact(c.Models)
	slices.SortFunc(c.Storages, func(a, b string) int { return cmp.Or(cmp.Compare(storageBytes(a), storageBytes(b)), cmp.Compare(a, b)) })
	c.Storages = slices.Compact(c.Storages)
	slices.Sort(c.Carriers)
	c.Carriers = slices.Compact(c.Carriers)
	// Most buyers' phones are unlocked: offer that first.
	if i := slices.IndexFunc(c.Carriers, func(s string) bool { return strings.EqualFold(s, "Unlocked") }); i > 0 {
		c.Carriers = append([]string{c.Carriers[i]}, slices.Delete(c.Carriers, i, i+1)...)
	}
	return c, nil
}

// storageBytes orders "64GB" before "128GB" before "1TB".
func storageBytes(s string) float64 {
	s = strings.ToUpper(strings.TrimSpace(s))
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "TB"):
		mult, s = 1024, strings.TrimSuffix(s, "TB")
	case strings.HasSuffix(s, "GB"):
		s = strings.TrimSuffix(s, "GB")
	case strings.HasSuffix(s, "MB"):
		mult, s = 1.0/1024, strings.TrimSuffix(s, "MB")
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 1e12
	}
	return n * mult
}

// model returns the catalog's spelling of the model a buyer typed, or "".
func (c catalog) model(typed string) string {
	typed = strings.Join(strings.Fields(typed), " ")
	for _, m := range c.Models {
		if strings.EqualFold(m, typed) {
			return m
		}
	}
	// "iPhone 13" for "Apple iPhone 13", when only one make has it.
	var found string
	for _, v := range c.variants {
		if strings.EqualFold(v.Model, typed) {
			if found != "" && found != modelName(v) {
				return ""
			}
			found = modelName(v)
		}
	}
	return found
}

// find returns the variant of a model, storage and network.
func (c catalog) find(model, storage, carrier string) (wire.Variant, bool) {
	for _, v := range c.variants {
		if modelName(v) == model && strings.EqualFold(v.Storage, storage) && strings.EqualFold(v.Carrier, carrier) {
			return v, true
		}
	}
	return wire.Variant{}, false
}

// options lists, for each model, the storage and networks it comes in:
// what the page's script narrows the lists to.
func (c catalog) options() map[string][2][]string {
	out := map[string][2][]string{}
	for _, v := range c.variants {
		o := out[modelName(v)]
		if !slices.Contains(o[0], v.Storage) {
			o[0] = append(o[0], v.Storage)
		}
		if !slices.Contains(o[1], v.Carrier) {
			o[1] = append(o[1], v.Carrier)
		}
		out[modelName(v)] = o
	}
	return out
}
