package sellers

import (
	"net/http"
	"strconv"

	"github.com/intakebench/intakebench/internal/httpx"
)

// The constraints' endpoints. hasAvailableBuyers=true keeps only what our
// buyers take now; a submission is held to the same.

// buyersOnly reads ?hasAvailableBuyers.
func buyersOnly(r *http.Request) (bool, error) {
	v := r.URL.Query().Get("hasAvailableBuyers")
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e := refuse(http.StatusBadRequest, CodeInvalid, "hasAvailableBuyers is true or false, not %.20q.", v)
		e.fields = []FieldError{{Field: "hasAvailableBuyers", Message: "must be true or false"}}
		return false, e
	}
	return b, nil
}

func (a *API) handleCountries(w http.ResponseWriter, r *http.Request, s seller) error {
	only, err := buyersOnly(r)
	if err != nil {
		return err
	}
	out := []Country{}
	for _, c := range s.profile.Countries {
		if !only || c.HasAvailableBuyers {
			out = append(out, c)
		}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) handleBrands(w http.ResponseWriter, r *http.Request, s seller) error {
	only, err := buyersOnly(r)
	if err != nil {
		return err
	}
	out := []Brand{}
	for _, b := range s.profile.Brands {
		if !only || b.HasAvailableBuyers {
			out = append(out, b)
		}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

// categoryJSON is a category as listed: without its attributes and
// photos, which have their own endpoints.
type categoryJSON struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	HasAvailableBuyers bool   `json:"hasAvailableBuyers"`
}

func (a *API) handleCategories(w http.ResponseWriter, r *http.Request, s seller) error {
	only, err := buyersOnly(r)
	if err != nil {
		return err
	}
	country, brand := r.URL.Query().Get("countryISOCode"), r.URL.Query().Get("brandId")
	out := []categoryJSON{}
	for _, c := range s.profile.Categories {
		if (only && !c.HasAvailableBuyers) || (country != "" && !c.takesCountry(country)) || (brand != "" && !c.takesBrand(brand)) {
			continue
		}
		out = append(out, categoryJSON{ID: c.ID, Name: c.Name, HasAvailableBuyers: c.HasAvailableBuyers})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) category(r *http.Request, s seller) (Category, error) {
	id := r.PathValue("categoryId")
	c, ok := s.profile.category(id)
	if !ok {
		return c, refuse(http.StatusNotFound, "category_not_found", "Seller %s has no category %.40q.", s.id, id)
	}
	return c, nil
}

func (a *API) handleAttributes(w http.ResponseWriter, r *http.Request, s seller) error {
	c, err := a.category(r, s)
	if err != nil {
		return err
	}
	out := c.Attributes
	if out == nil {
		out = []Attribute{}
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) handlePhotos(w http.ResponseWriter, r *http.Request, s seller) error {
	c, err := a.category(r, s)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, c.photosFor(r.URL.Query().Get("brandId")))
	return nil
}
