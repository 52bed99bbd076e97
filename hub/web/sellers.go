package web

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/sellers"
	"github.com/intakebench/intakebench/intake"
)

// Sellers is our buyers' side of seed 004's Sellers API as the dashboard
// uses it; *sellers.API is one. Its rules are the API's: the dashboard
// reads forms, shows the items and passes on who acted.
type Sellers interface {
	Waiting(ctx context.Context, limit int) ([]sellers.WaitingItem, error)
	Accept(ctx context.Context, by hub.Actor, sellerID, submissionID, itemID string, amount intake.Cents, currency string, expires time.Time) error
	Reject(ctx context.Context, by hub.Actor, sellerID, submissionID, itemID, reason string) error
	AskMoreInformation(ctx context.Context, by hub.Actor, sellerID, submissionID, itemID string, photos []string) error
	Uplift(ctx context.Context, by hub.Actor, sellerID, submissionID, itemID string, percentage int) error
}

// WithSellers offers the supervisors the seller items waiting for our
// buyers, at /dashboard/sellers, to accept with an offer, reject, ask for
// photos or uplift; without it the page is not offered.
func WithSellers(api Sellers) Option { return func(s *Site) { s.sellers = api } }

// sellerPageSize bounds the items the page lists.
const sellerPageSize = 100

// itemKey is the key of a refusal of an item of no one field.
const itemKey = "item"

func (s *Site) routesSellers() {
	if s.sellers == nil {
		return
	}
	s.mux.Handle("GET /dashboard/sellers", s.staffOnly(s.sellersPage))
	const item = "POST /dashboard/sellers/{sellerId}/submissions/{id}/items/{itemId}/"
	s.mux.Handle(item+"accept", s.staffOnly(s.sellerAccept))
	s.mux.Handle(item+"reject", s.staffOnly(s.sellerReject))
	s.mux.Handle(item+"more-information", s.staffOnly(s.sellerMoreInfo))
	s.mux.Handle(item+"uplift", s.staffOnly(s.sellerUplift))
}

// sellerForm is a form on the page that came back refused: whose item,
// what was typed, and the messages beside its fields (itemKey: a refusal
// of no one field, shown at the item's top, whichever form it came from).
type sellerForm struct {
	ItemID string
	Errors map[string]string
	Values url.Values
}

type choice struct {
	Value, Label string
	Checked      bool
}

type attributeRow struct{ Name, Values string }

// sellerRow is an item as the page shows it, with its forms.
type sellerRow struct {
	sellers.WaitingItem
	StatusLabel string
	Badge       string // the badge's class, as the trade-in's status
	Attrs       []attributeRow
	Asked       string
	PhotoTypes  []choice
	Reasons     []choice
	Offer       *offerRow
	Error       string            // a refusal of the item, of no one field
	Errors      map[string]string // messages beside the fields of the form sent
	Values      url.Values        // what the form sent had
}

type offerRow struct {
	Total, Base string
	Uplifts     string
	Expires     time.Time
}

type sellersData struct {
	Rows  []sellerRow
	Done  string
	Error string // a refusal about an item no longer listed
}

func (sellersData) title() string { return "Seller items" }

var sellerDone = map[string]string{
	"accept":           "Offer sent: the seller is told, and reminded after 5 and 12 days while the customer has not answered.",
	"reject":           "Item rejected: the seller is told the reason.",
	"more-information": "Photos asked for: the item waits for the seller to send them.",
	"uplift":           "Uplift given: the seller is told the new offer.",
}

func (s *Site) sellersPage(w http.ResponseWriter, r *http.Request, st *staff) {
	s.showSellers(w, r, st, http.StatusOK, nil)
}

func (s *Site) showSellers(w http.ResponseWriter, r *http.Request, st *staff, status int, form *sellerForm) {
	items, err := s.sellers.Waiting(r.Context(), sellerPageSize)
	if err != nil {
		s.failed(w, r, err)
		return
	}
	d := sellersData{Done: sellerDone[r.URL.Query().Get("done")]}
	if form != nil {
		d.Done = ""
	}
	shown := false
	for _, it := range items {
		row := sellerRow{WaitingItem: it, Asked: strings.Join(it.PhotosAsked, ", ")}
		switch it.Status {
		case sellers.ItemMoreInfo:
			row.StatusLabel, row.Badge = "waiting for photos", "s-submitted"
		case sellers.ItemAccepted:
			row.StatusLabel, row.Badge = "offered", "s-offered"
		default:
			row.StatusLabel, row.Badge = "to review", "s-submitted"
		}
		if form != nil && form.ItemID == it.ItemID {
			row.Errors, row.Values, row.Error, shown = form.Errors, form.Values, form.Errors[itemKey], true
		}
		for _, a := range it.Attributes {
			row.Attrs = append(row.Attrs, attributeRow{Name: a.Name, Values: strings.Join(a.Values, ", ")})
		}
		for _, p := range it.PhotoTypes {
			row.PhotoTypes = append(row.PhotoTypes, choice{Value: p, Label: p, Checked: slices.Contains(row.Values["photo"], p)})
		}
		for _, reason := range sellers.RejectionReasons {
			row.Reasons = append(row.Reasons, choice{Value: reason, Label: words(reason), Checked: row.Values.Get("reason") == reason})
		}
		if o := it.Offer; o != nil {
			row.Offer = &offerRow{Total: it.Currency + " " + o.Total.String(), Base: it.Currency + " " + o.Base.String(), Expires: o.ExpiresAt}
			var ups []string
			for _, p := range o.Uplifts {
				ups = append(ups, strconv.Itoa(p)+"%")
			}
			row.Offer.Uplifts = strings.Join(ups, ", ")
		}
		d.Rows = append(d.Rows, row)
	}
	if form != nil && !shown {
		// The item left the list (another supervisor, the seller, an
		// expiry): its refusal goes at the top.
		msgs := slices.Sorted(maps.Values(form.Errors))
		d.Error = strings.Join(msgs, " ")
	}
	s.page(w, r, status, st, "sellers", "Seller items", "sellers", d)
}

// words is a reason's code as words: ConditionNotAccepted → Condition not
// accepted.
func words(code string) string {
	var b strings.Builder
	for i, c := range code {
		if i > 0 && unicode.IsUpper(c) {
			b.WriteByte(' ')
			c = unicode.ToLower(c)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// formFields name, for each field of the API's refusals, the page's field
// it is shown beside and how the message is introduced.
var formFields = map[string]struct{ key, label string }{
	"offerPrice":                 {"amount", "The offer"},
	"offerPrice.amount":          {"amount", "The offer"},
	"offerPrice.currencyIsoCode": {"amount", "The offer's currency"},
	"expirationDate":             {"expires", "The expiry"},
	"rejectionReason":            {"reason", "The reason"},
	"additionalPhotos":           {"photos", "The photos"},
	"percentage":                 {"percentage", "The uplift"},
}

// afterSeller answers a step on a seller's item: back to the list with
// what was done, or the list again with the refusal beside the form's
// fields (or at the item's top, for a refusal of no one field).
func (s *Site) afterSeller(w http.ResponseWriter, r *http.Request, st *staff, action string, err error) {
	if err == nil {
		http.Redirect(w, r, "/dashboard/sellers?done="+action, http.StatusSeeOther)
		return
	}
	ref, ok := sellers.RefusalOf(err)
	if !ok {
		s.failed(w, r, err)
		return
	}
	if ref.Status == http.StatusNotFound {
		s.render(w, r, http.StatusNotFound, "message", messagePage{Title: "No such item", Message: ref.Detail})
		return
	}
	errs := map[string]string{}
	for _, f := range ref.Fields {
		name, _, _ := strings.Cut(f.Field, "[") // additionalPhotos[2] → additionalPhotos
		ff, ok := formFields[name]
		if !ok {
			continue
		}
		if errs[ff.key] == "" {
			errs[ff.key] = ff.label + " " + f.Message + "."
		}
	}
	if len(errs) == 0 {
		errs[itemKey] = ref.Detail
	}
	status := http.StatusUnprocessableEntity
	if ref.Status == http.StatusConflict {
		status = http.StatusConflict
	}
	s.refusedSeller(w, r, st, status, errs)
}

// refusedSeller shows the list with a form's messages.
func (s *Site) refusedSeller(w http.ResponseWriter, r *http.Request, st *staff, status int, errs map[string]string) {
	s.showSellers(w, r, st, status, &sellerForm{ItemID: r.PathValue("itemId"), Errors: errs, Values: r.PostForm})
}

// sellerAccept accepts the item with the offer typed, in the seller's
// currency the page showed (the API refuses it if the seller's changed
// since), standing until the end of the day chosen (UTC) or the API's
// default.
func (s *Site) sellerAccept(w http.ResponseWriter, r *http.Request, st *staff) {
	errs := map[string]string{}
	currency := r.PostFormValue("currency")
	raw := strings.TrimSpace(r.PostFormValue("amount"))
	amount, err := intake.ParseCents(raw)
	switch {
	case raw == "":
		errs["amount"] = "Type the offer in " + currency + ", such as 100 or 24.99."
	case err != nil:
		errs["amount"] = "Type the offer in " + currency + " as digits with at most two decimals, such as 100 or 24.99."
	}
	var expires time.Time
	if v := strings.TrimSpace(r.PostFormValue("expires")); v != "" {
		day, err := time.Parse(time.DateOnly, v)
		switch {
		case err != nil:
			errs["expires"] = "Give the expiry as a date such as 2024-02-14, or leave it empty for 30 days."
		case day.Before(s.now().UTC().Truncate(24 * time.Hour)):
			errs["expires"] = "The expiry is in the past: choose today or a later day."
		default:
			expires = day.Add(24*time.Hour - time.Second)
		}
	}
	if len(errs) > 0 {
		s.refusedSeller(w, r, st, http.StatusUnprocessableEntity, errs)
		return
	}
	err = s.sellers.Accept(r.Context(), st.actor(), r.PathValue("sellerId"), r.PathValue("id"), r.PathValue("itemId"), amount, currency, expires)
	s.afterSeller(w, r, st, "accept", err)
}

func (s *Site) sellerReject(w http.ResponseWriter, r *http.Request, st *staff) {
	reason := r.PostFormValue("reason")
	switch {
	case reason == "":
		s.refusedSeller(w, r, st, http.StatusUnprocessableEntity, map[string]string{"reason": "Choose the reason to reject the item for."})
		return
	case !slices.Contains(sellers.RejectionReasons, reason):
		s.refusedSeller(w, r, st, http.StatusUnprocessableEntity, map[string]string{"reason": "Choose one of the reasons listed."})
		return
	}
	err := s.sellers.Reject(r.Context(), st.actor(), r.PathValue("sellerId"), r.PathValue("id"), r.PathValue("itemId"), reason)
	s.afterSeller(w, r, st, "reject", err)
}

func (s *Site) sellerMoreInfo(w http.ResponseWriter, r *http.Request, st *staff) {
	var photos []string
	for _, p := range r.PostForm["photo"] {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(photos, p) {
			photos = append(photos, p)
		}
	}
	if len(photos) == 0 {
		s.refusedSeller(w, r, st, http.StatusUnprocessableEntity, map[string]string{"photos": "Tick at least one photo to ask the seller for."})
		return
	}
	err := s.sellers.AskMoreInformation(r.Context(), st.actor(), r.PathValue("sellerId"), r.PathValue("id"), r.PathValue("itemId"), photos)
	s.afterSeller(w, r, st, "more-information", err)
}

func (s *Site) sellerUplift(w http.ResponseWriter, r *http.Request, st *staff) {
	raw := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(r.PostFormValue("percentage")), "%"))
	pct, err := strconv.Atoi(raw)
	if err != nil {
		s.refusedSeller(w, r, st, http.StatusUnprocessableEntity, map[string]string{"percentage": "Type the uplift as a whole percentage of the base offer, such as 10."})
		return
	}
	err = s.sellers.Uplift(r.Context(), st.actor(), r.PathValue("sellerId"), r.PathValue("id"), r.PathValue("itemId"), pct)
	s.afterSeller(w, r, st, "uplift", err)
}
