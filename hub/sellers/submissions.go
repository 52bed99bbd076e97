package sellers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/httpx"
)

// submissionBody is the create-submission request.
type submissionBody struct {
	ExternalID          string     `json:"externalId"`
	CountryCode         string     `json:"countryCode"`
	CustomerInformation customer   `json:"customerInformation"`
	Items               []itemBody `json:"items"`
}

type itemBody struct {
	ExternalID  string          `json:"externalId"`
	CategoryID  string          `json:"categoryId"`
	BrandID     string          `json:"brandId"`
	Model       string          `json:"model"`
	Description string          `json:"description"`
	Price       *priceBody      `json:"price"`
	Attributes  []attributeBody `json:"attributes"`
	Files       []fileBody      `json:"files"`
}

type priceBody struct {
	CurrencyIsoCode string          `json:"currencyIsoCode"`
	Amount          json.RawMessage `json:"amount"`
}

type attributeBody struct {
	ID     string   `json:"id"`
	Values []string `json:"values"` // value ids
}

type fileBody struct {
	Type     string            `json:"type"`
	Location string            `json:"location"`
	Metadata map[string]string `json:"metadata"`
}

// Bounds of a submission.
const (
	maxItems = 50
	maxFiles = 30
	maxText  = 2000
)

// checkURL refuses what is not an http(s) URL.
func checkURL(f *fields, at, loc string) {
	if len(loc) > 2048 || !(strings.HasPrefix(loc, "https://") || strings.HasPrefix(loc, "http://")) || strings.ContainsAny(loc, " \t\r\n") {
		f.add(at, "must be an http or https URL")
	}
}

func checkText(f *fields, at, s string, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		f.add(at, "is required")
	case utf8.RuneCountInString(s) > maxText:
		f.add(at, "is longer than %d characters", maxText)
	}
}

// validate checks a submission against the seller's constraints, field by
// field, and returns the items' docs.
func validate(p Profile, in submissionBody) ([]itemDoc, error) {
	var f fields
	checkText(&f, "externalId", in.ExternalID, false)
	country, ok := p.country(in.CountryCode)
	switch {
	case in.CountryCode == "":
		f.add("countryCode", "is required")
	case !ok:
		f.add("countryCode", "%.10q is not one of the seller's countries", in.CountryCode)
	case !country.HasAvailableBuyers:
		f.add("countryCode", "%s has no available buyers", in.CountryCode)
	}
	c := in.CustomerInformation
	checkText(&f, "customerInformation.name", c.Name, true)
	checkText(&f, "customerInformation.lastName", c.LastName, false)
	// The seller's customer's address is the seller's to check (seed 004's
	// own examples write "Email1"): only its length is bounded here.
	if len(c.Email) > 254 {
		f.add("customerInformation.email", "is longer than 254 characters")
	}
	switch {
	case len(in.Items) == 0:
		f.add("items", "must list at least one item")
	case len(in.Items) > maxItems:
		f.add("items", "lists more than %d items", maxItems)
	}
	docs := make([]itemDoc, 0, len(in.Items))
	for i, it := range in.Items {
		docs = append(docs, validateItem(&f, p, fmt.Sprintf("items[%d]", i), in.CountryCode, it))
	}
	return docs, f.err()
}

func validateItem(f *fields, p Profile, at, country string, it itemBody) itemDoc {
	d := itemDoc{ExternalID: it.ExternalID, CategoryID: it.CategoryID, BrandID: it.BrandID, Model: strings.TrimSpace(it.Model),
		Description: strings.TrimSpace(it.Description), Attributes: []attributeValues{}, Files: []file{}}
	checkText(f, at+".externalId", it.ExternalID, false)
	checkText(f, at+".model", it.Model, false)
	checkText(f, at+".description", it.Description, false)
	cat, catOK := p.category(it.CategoryID)
	switch {
	case it.CategoryID == "":
		f.add(at+".categoryId", "is required")
	case !catOK:
		f.add(at+".categoryId", "%.40q is not one of the seller's categories", it.CategoryID)
	case !cat.HasAvailableBuyers:
		f.add(at+".categoryId", "%s has no available buyers", cat.Name)
	case country != "" && !cat.takesCountry(country):
		f.add(at+".categoryId", "%s is not taken from %s", cat.Name, country)
	}
	d.CategoryName = cat.Name
	brand, brandOK := p.brand(it.BrandID)
	switch {
	case it.BrandID == "":
		f.add(at+".brandId", "is required")
	case !brandOK:
		f.add(at+".brandId", "%.40q is not one of the seller's brands", it.BrandID)
	case !brand.HasAvailableBuyers:
		f.add(at+".brandId", "%s has no available buyers", brand.Name)
	case catOK && !cat.takesBrand(brand.ID):
		f.add(at+".brandId", "%s is not taken in %s", brand.Name, cat.Name)
	}
	d.BrandName = brand.Name
	// Price: only where the business model is not Buyback, and there it
	// is required.
	buyback := strings.EqualFold(p.BusinessModel, BusinessModelBuyback)
	switch {
	case buyback && it.Price != nil:
		f.add(at+".price", "is not sent under the Buyback business model: our buyers price the item")
	case !buyback && it.Price == nil:
		f.add(at+".price", "is required under the %s business model", p.BusinessModel)
	case it.Price != nil:
		if it.Price.CurrencyIsoCode != p.Currency {
			f.add(at+".price.currencyIsoCode", "must be %s", p.Currency)
		}
		c, err := intake.ParseCents(string(it.Price.Amount))
		if err != nil || c <= 0 || c > intake.MaxAmount {
			f.add(at+".price.amount", "must be a number above 0 with at most two decimals, such as 100 or 24.99")
		}
		cents := int64(c)
		d.Price = &cents
	}
	if !catOK {
		return d
	}
	// Attributes: each known, each value one of its own, the required
	// ones present, one value unless the attribute takes several.
	seen := map[string]bool{}
	for j, ab := range it.Attributes {
		aat := fmt.Sprintf("%s.attributes[%d]", at, j)
		i := slices.IndexFunc(cat.Attributes, func(a Attribute) bool { return a.ID == ab.ID })
		if i < 0 {
			f.add(aat+".id", "%.40q is not an attribute of %s", ab.ID, cat.Name)
			continue
		}
		attr := cat.Attributes[i]
		if seen[attr.ID] {
			f.add(aat+".id", "%s is given twice", attr.Name)
			continue
		}
		seen[attr.ID] = true
		switch {
		case len(ab.Values) == 0:
			f.add(aat+".values", "must name at least one value of %s", attr.Name)
		case len(ab.Values) > 1 && !attr.Multiple:
			f.add(aat+".values", "%s takes one value", attr.Name)
		}
		av := attributeValues{ID: attr.ID, Name: attr.Name, Values: []Value{}}
		for k, vid := range ab.Values {
			vi := slices.IndexFunc(attr.Values, func(v Value) bool { return v.ID == vid })
			if vi < 0 {
				f.add(fmt.Sprintf("%s.values[%d]", aat, k), "%.40q is not a value of %s", vid, attr.Name)
				continue
			}
			av.Values = append(av.Values, attr.Values[vi])
		}
		d.Attributes = append(d.Attributes, av)
	}
	for _, attr := range cat.Attributes {
		if attr.Required && !seen[attr.ID] {
			f.add(at+".attributes", "must give %s (attribute %s)", attr.Name, attr.ID)
		}
	}
	// Files: photos by their template's name; the required ones present.
	templates := cat.photosFor(it.BrandID)
	if len(it.Files) > maxFiles {
		f.add(at+".files", "lists more than %d files", maxFiles)
	}
	sent := map[string]bool{}
	for j, fb := range it.Files {
		fat := fmt.Sprintf("%s.files[%d]", at, j)
		if fb.Type != "Photos" {
			f.add(fat+".type", "must be Photos")
		}
		checkURL(f, fat+".location", fb.Location)
		name := fb.Metadata["name"]
		ti := slices.IndexFunc(templates, func(t TemplatePhoto) bool { return t.Name == name })
		if ti < 0 {
			f.add(fat+".metadata.name", "%.40q is not a template photo of %s", name, cat.Name)
			continue
		}
		t := templates[ti]
		sent[t.Name] = true
		req := "False"
		if t.Required {
			req = "True"
		}
		d.Files = append(d.Files, file{Type: "Photos", Location: fb.Location, Metadata: map[string]string{"name": t.Name, "order": strconv.Itoa(t.Order), "required": req}})
	}
	for _, t := range templates {
		if t.Required && !sent[t.Name] {
			f.add(at+".files", "must include the %s photo", t.Name)
		}
	}
	return d
}

// tradeInOf is the trade-in an item becomes: the device as the catalog
// knows it where it does (make, model, storage, carrier, colour from the
// attributes), the condition the seller disclosed where it is one of the
// hub's, the seller's customer.
func tradeInOf(ctx context.Context, tx *hubdb.Tx, sellerID, itemID string, sub submissionDoc, d itemDoc) (intake.TradeIn, error) {
	t := intake.TradeIn{ID: "sli_" + strings.ReplaceAll(itemID, "-", ""), Source: intake.SourceSeller, ExternalID: "seller:" + sellerID + ":" + itemID,
		Device:      intake.Device{Make: d.BrandName, Model: d.Model, Storage: d.label("Storage"), Carrier: d.label("Carrier"), Colour: d.label("Colour", "Color")},
		Customer:    intake.Customer{Name: strings.TrimSpace(sub.Customer.Name + " " + sub.Customer.LastName), Email: sub.Customer.Email},
		Description: d.Description, Disclosed: intake.ConditionUnknown}
	if sub.Customer.TelephoneNumber != nil {
		t.Customer.Phone = strings.TrimSpace(sub.Customer.TelephoneNumber.CountryCode + " " + sub.Customer.TelephoneNumber.Number)
	}
	if c, err := intake.ParseCondition(d.condition()); err == nil {
		t.Disclosed = c
	}
	v, err := tx.FindVariant(ctx, t.Device.Make, t.Device.Model, t.Device.Storage, t.Device.Carrier)
	switch {
	case err == nil:
		t.Device.SKU, t.Prices = v.SKU, v.Prices
	case !errors.Is(err, hubdb.ErrNotFound):
		return t, err
	}
	return t, nil
}

// handleCreate creates a submission: 201 with it as GET answers it.
func (a *API) handleCreate(w http.ResponseWriter, r *http.Request, s seller) error {
	var in submissionBody
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	docs, err := validate(s.profile, in)
	if err != nil {
		return err
	}
	sub := hubdb.SellerSubmission{ID: a.newID("submission"), SellerID: s.id, Reference: a.newID("reference")}
	doc := submissionDoc{ExternalID: in.ExternalID, CountryOfOrigin: in.CountryCode, Customer: in.CustomerInformation}
	by := hub.Actor{Kind: "seller", ID: s.id}
	var view submissionJSON
	err = a.hub.InSteps(r.Context(), func(st *hub.Steps) error {
		ctx, tx := r.Context(), st.Tx()
		if sub.Reference == "" {
			n, err := tx.NextNumber(ctx, "seller reference")
			if err != nil {
				return err
			}
			sub.Reference = fmt.Sprintf("SB%06d", n)
		}
		sub.CreatedAt = st.Now()
		var err error
		if sub.Doc, err = json.Marshal(doc); err != nil {
			return err
		}
		if err := tx.InsertSellerSubmission(ctx, sub); err != nil {
			return err
		}
		items := make([]hubdb.SellerItem, 0, len(docs))
		for i, d := range docs {
			it := hubdb.SellerItem{ID: a.newID("item"), SubmissionID: sub.ID, Position: i, Status: ItemSubmitted, UpdatedAt: st.Now()}
			t, err := tradeInOf(ctx, tx, s.id, it.ID, doc, d)
			if err != nil {
				return err
			}
			if err := st.Submit(ctx, &t, by); err != nil {
				return err
			}
			it.TradeInID = t.ID
			if it.Doc, err = json.Marshal(d); err != nil {
				return err
			}
			if err := tx.InsertSellerItem(ctx, it); err != nil {
				return err
			}
			items = append(items, it)
		}
		l := loaded{sub: sub, doc: doc, items: items, docs: docs}
		view = l.view()
		return a.publish(ctx, tx, s.id, EventSubmissionCreated, createdOf(st.Now(), l))
	})
	if err != nil {
		return err
	}
	a.outbox.Wake()
	w.Header().Set("Location", "/v2/sellers/"+s.id+"/submissions/"+sub.ID)
	httpx.WriteJSON(w, http.StatusCreated, view)
	return nil
}

// loaded is a submission with its items, read in a transaction.
type loaded struct {
	sub   hubdb.SellerSubmission
	doc   submissionDoc
	items []hubdb.SellerItem
	docs  []itemDoc
}

func (l loaded) view() submissionJSON { return submissionJSONOf(l.sub, l.doc, l.items, l.docs) }

// item finds an item of the submission.
func (l loaded) item(id string) (int, error) {
	i := slices.IndexFunc(l.items, func(it hubdb.SellerItem) bool { return it.ID == id })
	if i < 0 {
		return i, refuse(http.StatusNotFound, CodeItemNotFound, "Submission %s has no item %.40q.", l.sub.ID, id)
	}
	return i, nil
}

// load reads a seller's submission: another seller's is not found, so
// that ids cannot be probed.
func load(ctx context.Context, tx *hubdb.Tx, sellerID, id string) (loaded, error) {
	var l loaded
	var err error
	l.sub, err = tx.SellerSubmission(ctx, id)
	if errors.Is(err, hubdb.ErrNotFound) || (err == nil && l.sub.SellerID != sellerID) {
		return l, refuse(http.StatusNotFound, CodeSubmissionNotFound, "Seller %s has no submission %.40q.", sellerID, id)
	}
	if err != nil {
		return l, err
	}
	if err := json.Unmarshal(l.sub.Doc, &l.doc); err != nil {
		return l, fmt.Errorf("decode submission %s: %w", id, err)
	}
	if l.items, err = tx.SellerItems(ctx, id); err != nil {
		return l, err
	}
	for _, it := range l.items {
		var d itemDoc
		if err := json.Unmarshal(it.Doc, &d); err != nil {
			return l, fmt.Errorf("decode item %s: %w", it.ID, err)
		}
		l.docs = append(l.docs, d)
	}
	return l, nil
}

// saveItem writes item i's status and doc.
func (l loaded) saveItem(ctx context.Context, tx *hubdb.Tx, i int, status string, st *hub.Steps) error {
	doc, err := json.Marshal(l.docs[i])
	if err != nil {
		return err
	}
	l.items[i].Status = status
	return tx.SaveSellerItem(ctx, l.items[i].ID, status, doc, st.Now())
}

func (a *API) handleGet(w http.ResponseWriter, r *http.Request, s seller) error {
	var l loaded
	err := a.hub.DB().View(r.Context(), func(tx *hubdb.Tx) (err error) {
		l, err = load(r.Context(), tx, s.id, r.PathValue("id"))
		return err
	})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, l.view())
	return nil
}

// CancelReasons are the reasons a seller cancels an item with.
var CancelReasons = []string{"CustomerChangedMind", "SoldElsewhere", "PriceExpectationNotMet", "DuplicateSubmission", "Other"}

type cancelBody struct {
	Reason string `json:"reason"`
}

// handleCancel cancels an item that has no offer yet, with a reason from
// CancelReasons: its trade-in is declined.
func (a *API) handleCancel(w http.ResponseWriter, r *http.Request, s seller) error {
	var in cancelBody
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	var f fields
	switch {
	case in.Reason == "":
		f.add("reason", "is required: one of %s", strings.Join(CancelReasons, ", "))
	case !slices.Contains(CancelReasons, in.Reason):
		f.add("reason", "%.40q is not one of %s", in.Reason, strings.Join(CancelReasons, ", "))
	}
	if err := f.err(); err != nil {
		return err
	}
	return a.itemStep(w, r, s.id, func(ctx context.Context, st *hub.Steps, l loaded, i int, t *intake.TradeIn) error {
		if t.Status != intake.StatusSubmitted {
			e := refuse(http.StatusConflict, CodeOfferGiven, "Item %s is %s: only an item without an offer can be cancelled.", l.items[i].ID, l.items[i].Status)
			if t.Status == intake.StatusDeclined {
				e.detail = fmt.Sprintf("Item %s is %s already.", l.items[i].ID, l.items[i].Status)
				e.code = hub.CodeInvalidTransition
			}
			return e
		}
		if err := st.Decline(ctx, t, "", hub.Actor{Kind: "seller", ID: s.id}, "cancelled by the seller: "+in.Reason); err != nil {
			return err
		}
		l.docs[i].CancelReason = in.Reason
		return l.saveItem(ctx, st.Tx(), i, ItemCancelled, st)
	})
}

type assetBody struct {
	Type     string            `json:"type"`
	Provider string            `json:"provider"`
	Location string            `json:"location"`
	Metadata map[string]string `json:"metadata"`
}

// handleAssets adds a photo a buyer asked for: type Photos, provider
// ExternalUrl, its URL, and metadata PhotoType and PhotoSubtype. Once
// every photo asked for has come, the item is back with the buyers.
func (a *API) handleAssets(w http.ResponseWriter, r *http.Request, s seller) error {
	var in assetBody
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	var f fields
	if in.Type != "Photos" {
		f.add("type", "must be Photos")
	}
	if in.Provider != "ExternalUrl" {
		f.add("provider", "must be ExternalUrl")
	}
	checkURL(&f, "location", in.Location)
	if in.Metadata["PhotoType"] == "" {
		f.add("metadata.PhotoType", "is required")
	}
	if in.Metadata["PhotoSubtype"] == "" {
		f.add("metadata.PhotoSubtype", "is required")
	}
	for k := range in.Metadata {
		if k != "PhotoType" && k != "PhotoSubtype" {
			f.add("metadata."+k, "is not PhotoType or PhotoSubtype")
		}
	}
	if err := f.err(); err != nil {
		return err
	}
	return a.itemStep(w, r, s.id, func(ctx context.Context, st *hub.Steps, l loaded, i int, t *intake.TradeIn) error {
		if l.items[i].Status != ItemMoreInfo {
			return refuse(http.StatusConflict, CodeNoInfoAsked, "Item %s is %s: no buyer asked for more information.", l.items[i].ID, l.items[i].Status)
		}
		d := &l.docs[i]
		if len(d.Files) >= maxFiles {
			return refuse(http.StatusConflict, CodeValidation, "Item %s has %d files already.", l.items[i].ID, maxFiles)
		}
		d.Files = append(d.Files, file{Type: "Photos", Location: in.Location, Metadata: map[string]string{"type": in.Metadata["PhotoType"], "subType": in.Metadata["PhotoSubtype"]}})
		d.AdditionalPhotos = slices.DeleteFunc(d.AdditionalPhotos, func(p string) bool { return strings.EqualFold(p, in.Metadata["PhotoSubtype"]) })
		status := ItemMoreInfo
		if len(d.AdditionalPhotos) == 0 {
			status = ItemSubmitted
		}
		return l.saveItem(ctx, st.Tx(), i, status, st)
	})
}

type answerBody struct {
	Action string `json:"action"`
}

// handleAnswer is the customer's answer to the item's offer, relayed by
// the seller (ours: seed 004 leaves the answer to the platform's own
// page): Accept or Reject.
func (a *API) handleAnswer(w http.ResponseWriter, r *http.Request, s seller) error {
	var in answerBody
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	if in.Action != "Accept" && in.Action != "Reject" {
		var f fields
		f.add("action", "must be Accept or Reject")
		return f.err()
	}
	return a.itemStep(w, r, s.id, func(ctx context.Context, st *hub.Steps, l loaded, i int, t *intake.TradeIn) error {
		_, o, err := st.Tx().LatestSellerOffer(ctx, l.items[i].ID)
		if errors.Is(err, hubdb.ErrNotFound) {
			return refuse(http.StatusConflict, CodeNoOffer, "Item %s has no offer to answer.", l.items[i].ID)
		}
		if err != nil {
			return err
		}
		by := hub.Actor{Kind: "seller", ID: s.id}
		if in.Action == "Accept" {
			if err := st.AcceptOffer(ctx, t, o.ID, by); err != nil {
				return err
			}
			return errors.Join(st.Tx().SkipSteps(ctx, o.ID, st.Now()), l.saveItem(ctx, st.Tx(), i, ItemOfferAccepted, st))
		}
		if err := st.Decline(ctx, t, o.ID, by, "the customer rejected the offer"); err != nil {
			return err
		}
		return errors.Join(st.Tx().SkipSteps(ctx, o.ID, st.Now()), l.saveItem(ctx, st.Tx(), i, ItemOfferRejected, st))
	})
}

// itemStep runs step on an item of the path's submission in one
// transaction, then answers the submission as it stands.
func (a *API) itemStep(w http.ResponseWriter, r *http.Request, sellerID string, step itemStepFunc) error {
	l, err := a.runItem(r.Context(), sellerID, r.PathValue("id"), r.PathValue("itemId"), step)
	return a.answerItem(w, l, err)
}

// runItem runs step on an item of a seller's submission in one
// transaction and, once committed, wakes the outbox and the scheduler. It
// returns the submission as it stands after the step.
func (a *API) runItem(ctx context.Context, sellerID, submissionID, itemID string, step itemStepFunc) (loaded, error) {
	var l loaded
	err := a.hub.InSteps(ctx, func(st *hub.Steps) error {
		var err error
		if l, err = load(ctx, st.Tx(), sellerID, submissionID); err != nil {
			return err
		}
		i, err := l.item(itemID)
		if err != nil {
			return err
		}
		t, err := st.TradeIn(ctx, l.items[i].TradeInID)
		if err != nil {
			return err
		}
		return step(ctx, st, l, i, &t)
	})
	if err != nil {
		return l, err
	}
	a.outbox.Wake()
	a.wakeStep()
	return l, nil
}

// publish writes a seed 004 event for the seller's endpoints.
func (a *API) publish(ctx context.Context, tx *hubdb.Tx, sellerID, kind string, result any) error {
	token := a.newID("token")
	body, err := json.Marshal(envelope{Type: kind, Token: token, Result: result})
	if err != nil {
		return err
	}
	eps, err := tx.SellerWebhooks(ctx, sellerID)
	if err != nil {
		return err
	}
	return a.outbox.PublishEnvelopeTx(ctx, tx, kind, token, body, eps)
}
