package public

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/webhook"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/httpx"
)

// gradeColumns are seed 000's grade names in the seed's column order;
// intake.Seed000Columns maps them to the bench's conditions.
var gradeColumns = []string{"conditionbrokenprice", "conditionpoorprice", "conditionaverageprice", "conditionexcellentprice", "conditionnewprice"}

func gradeCondition(grade string) (intake.Condition, bool) {
	for c, col := range intake.Seed000Columns {
		if strings.EqualFold(col, grade) {
			return c, true
		}
	}
	return intake.ConditionUnknown, false
}

// LookupResult is seed 000's pricing lookup answer.
type LookupResult struct {
	SKU          string  `json:"sku"`
	Manufacturer string  `json:"manufacturer"`
	Model        string  `json:"model"`
	Capacity     string  `json:"capacity"`
	Carrier      string  `json:"carrier"`
	Broken       Dollars `json:"conditionbrokenprice"`
	Poor         Dollars `json:"conditionpoorprice"`
	Average      Dollars `json:"conditionaverageprice"`
	Excellent    Dollars `json:"conditionexcellentprice"`
	New          Dollars `json:"conditionnewprice"`
}

func (a *API) handleLookup(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var fe httpx.FieldErrors
	for _, p := range []string{"make", "model", "storage", "carrier"} {
		if strings.TrimSpace(q.Get(p)) == "" {
			addf(&fe, p, "required", "query parameter %s is required", p)
		}
	}
	if len(fe) > 0 {
		fe.Write(w)
		return
	}
	ctx := r.Context()
	v, err := a.cat.Lookup(ctx, q.Get("make"), q.Get("model"), q.Get("storage"), q.Get("carrier"))
	if errors.Is(err, ErrVariantNotFound) {
		httpx.WriteError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("no buyback pricing for %s %s %s %s", q.Get("make"), q.Get("model"), q.Get("storage"), q.Get("carrier")))
		return
	}
	if err != nil {
		a.internal(w, r, err)
		return
	}
	var cur currentPrices
	err = a.db.View(ctx, func(tx *hubdb.Tx) error {
		var err error
		cur, err = loadCurrent(ctx, tx, v, hubdb.PriceBuyback, a.now())
		return err
	})
	if err != nil {
		a.internal(w, r, err)
		return
	}
	p := cur.table.Seed000()
	httpx.WriteData(w, http.StatusOK, LookupResult{
		SKU: v.SKU, Manufacturer: v.Make, Model: v.Model, Capacity: v.Storage, Carrier: v.Carrier,
		Broken: Dollars(p.Broken), Poor: Dollars(p.Poor), Average: Dollars(p.Average), Excellent: Dollars(p.Excellent), New: Dollars(p.New),
	})
}

// Quote is a buyback quote with its items and totals.
type Quote struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// ClientValue is a percentage (CalcPercent, e.g. 85.00) or dollars per
	// device (CalcFixed).
	ClientValue      Dollars     `json:"client_value"`
	ClientCalc       int         `json:"client_calc"`
	Status           int         `json:"status"`
	StatusName       string      `json:"status_name"`
	Items            []QuoteItem `json:"items"`
	Devices          int64       `json:"devices"`
	TotalValue       Dollars     `json:"total_value"`        // Σ value × quantity
	TotalClientShare Dollars     `json:"total_client_share"` // Σ client_share × quantity
	CreatedAt        time.Time   `json:"created_at"`
	UpdatedAt        time.Time   `json:"updated_at"`
}

// QuoteItem is one line of a quote; Value and ClientShare are per device.
type QuoteItem struct {
	ID          int64   `json:"id"`
	QuoteID     int64   `json:"quote_id"`
	SKU         string  `json:"sku"`
	Grade       string  `json:"grade"`
	Sim         string  `json:"sim"`
	Quantity    int64   `json:"quantity"`
	Value       Dollars `json:"value"`
	ClientShare Dollars `json:"client_share"`
	// ListValue is the catalog's price for the grade when the item was
	// added; Value may differ when the buyer negotiated.
	ListValue Dollars   `json:"list_value"`
	CreatedAt time.Time `json:"created_at"`
}

type createQuoteRequest struct {
	Name        string       `json:"name"`
	ClientValue *json.Number `json:"client_value"`
	ClientCalc  *int         `json:"client_calc"`
}

// quoteCreated is the answer to POST /quotes: the quote in data, and its
// id at the top level too, for clients that read seed 000's "returns a
// { id: 42 }" literally.
type quoteCreated struct {
	Success bool  `json:"success"`
	ID      int64 `json:"id"`
	Data    Quote `json:"data"`
}

const maxQuoteName = 200

// newQuote is a decoded quote creation.
type newQuote struct {
	name        string
	clientValue intake.Cents
	clientCalc  int
}

func decodeCreateQuote(req createQuoteRequest) (newQuote, httpx.FieldErrors) {
	var fe httpx.FieldErrors
	in := newQuote{name: strings.TrimSpace(req.Name), clientCalc: -1}
	switch {
	case in.name == "":
		fe.Add("name", "required", "name is required")
	case len(in.name) > maxQuoteName:
		addf(&fe, "name", "too_long", "name is longer than %d characters", maxQuoteName)
	}
	switch {
	case req.ClientCalc == nil:
		fe.Add("client_calc", "required", "client_calc is required: 0 (percentage split) or 1 (fixed amount per device)")
	case *req.ClientCalc != CalcPercent && *req.ClientCalc != CalcFixed:
		addf(&fe, "client_calc", "invalid_choice", "client_calc must be 0 (percentage split) or 1 (fixed amount per device), not %d", *req.ClientCalc)
	default:
		in.clientCalc = *req.ClientCalc
	}
	if req.ClientValue == nil {
		fe.Add("client_value", "required", "client_value is required")
	} else if v, err := parseAmount(*req.ClientValue); err != nil {
		addf(&fe, "client_value", "invalid_amount", "client_value: %v", err)
	} else {
		in.clientValue = v
		switch {
		case v < 0:
			fe.Add("client_value", "negative", "client_value must not be negative")
		case in.clientCalc == CalcPercent && v > 100_00:
			fe.Add("client_value", "out_of_range", "client_value is a percentage with client_calc 0: at most 100")
		case v > intake.MaxAmount:
			addf(&fe, "client_value", "out_of_range", "client_value is at most %s per device", intake.MaxAmount)
		}
	}
	return in, fe
}

func (a *API) handleCreateQuote(w http.ResponseWriter, r *http.Request) {
	var req createQuoteRequest
	if !a.readJSON(w, r, &req) {
		return
	}
	in, fe := decodeCreateQuote(req)
	if len(fe) > 0 {
		fe.Write(w)
		return
	}
	ctx := r.Context()
	var q Quote
	err := a.change(ctx, func(tx *hubdb.Tx, publish publishFunc) error {
		terms := hubdb.QuoteTerms{ClientValue: in.clientValue, ClientCalc: in.clientCalc, Status: StatusPending}
		id, err := tx.InsertQuote(ctx, in.name, terms, a.now())
		if err != nil {
			return err
		}
		row, err := tx.Quote(ctx, id)
		if err != nil {
			return err
		}
		if q, err = quoteFromRow(row); err != nil {
			return err
		}
		return publish(webhook.EventQuoteCreated, q)
	})
	if err != nil {
		a.internal(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, quoteCreated{Success: true, ID: q.ID, Data: q})
}

func (a *API) handleGetQuote(w http.ResponseWriter, r *http.Request) {
	id, ok := quoteID(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	var row hubdb.Quote
	err := a.db.View(ctx, func(tx *hubdb.Tx) error {
		var err error
		row, err = tx.Quote(ctx, id)
		return err
	})
	if err != nil {
		a.quoteError(w, r, id, err)
		return
	}
	q, err := quoteFromRow(row)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	httpx.WriteData(w, http.StatusOK, q)
}

// quoteError answers a failed request about quote id: an unknown quote,
// a broken rule, or an internal error.
func (a *API) quoteError(w http.ResponseWriter, r *http.Request, id int64, err error) {
	var (
		conflict *conflictError
		share    *shareError
		value    *valueError
	)
	switch {
	case errors.Is(err, hubdb.ErrNotFound):
		httpx.WriteError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("quote %d not found", id))
	case errors.As(err, &conflict):
		httpx.WriteError(w, http.StatusConflict, codeConflict, conflict.msg)
	case errors.As(err, &share):
		httpx.FieldErrors{{Field: "client_share", Issue: share.issue, Message: share.msg}}.Write(w)
	case errors.As(err, &value):
		httpx.FieldErrors{{Field: "value", Issue: value.issue, Message: value.msg}}.Write(w)
	default:
		a.internal(w, r, err)
	}
}

type addItemRequest struct {
	SKU         string       `json:"sku"`
	Grade       string       `json:"grade"`
	Sim         *string      `json:"sim"`
	Quantity    *int64       `json:"quantity"`
	Value       *json.Number `json:"value"`
	ClientShare *json.Number `json:"client_share"`
}

// decodeAddItem checks an add-item request against the catalog. The error
// is the catalog failing; a request it rejects has field errors.
func (a *API) decodeAddItem(ctx context.Context, req addItemRequest) (itemInput, httpx.FieldErrors, error) {
	var fe httpx.FieldErrors
	var in itemInput
	known := false
	if strings.TrimSpace(req.SKU) == "" {
		fe.Add("sku", "required", "sku is required")
	} else if v, err := a.cat.BySKU(ctx, req.SKU); errors.Is(err, ErrVariantNotFound) {
		addf(&fe, "sku", "unknown_sku", "unknown sku %q", req.SKU)
	} else if err != nil {
		return itemInput{}, nil, err
	} else {
		in.variant, known = v, true
	}
	cond, ok := gradeCondition(req.Grade)
	switch {
	case ok:
		in.cond = cond
	case req.Grade == "":
		addf(&fe, "grade", "required", "grade is required: one of %s", strings.Join(gradeColumns, ", "))
	default:
		addf(&fe, "grade", "invalid_grade", "grade %q is not one of %s", req.Grade, strings.Join(gradeColumns, ", "))
	}
	if req.Sim != nil {
		in.sim = strings.TrimSpace(*req.Sim)
	}
	if known {
		if in.sim == "" {
			in.sim = in.variant.Carrier
		} else if !strings.EqualFold(in.sim, in.variant.Carrier) {
			addf(&fe, "sim", "sim_mismatch", "sim %q does not match sku %s, which is %s", in.sim, in.variant.SKU, in.variant.Carrier)
		}
	}
	switch {
	case req.Quantity == nil:
		fe.Add("quantity", "required", "quantity is required")
	case *req.Quantity < 1 || *req.Quantity > intake.MaxQuantity:
		addf(&fe, "quantity", "out_of_range", "quantity must be between 1 and %d, not %d", intake.MaxQuantity, *req.Quantity)
	default:
		in.quantity = *req.Quantity
	}
	if req.Value != nil {
		v, err := parseAmount(*req.Value)
		switch {
		case err != nil:
			addf(&fe, "value", "invalid_amount", "value: %v", err)
		case v < 0:
			fe.Add("value", "negative", "value must not be negative")
		case v > intake.MaxAmount:
			addf(&fe, "value", "out_of_range", "value is at most %s per device", intake.MaxAmount)
		default:
			in.value = &v
		}
	}
	if req.ClientShare != nil {
		if v, err := parseAmount(*req.ClientShare); err != nil {
			addf(&fe, "client_share", "invalid_amount", "client_share: %v", err)
		} else if v < 0 || v > intake.MaxAmount {
			addf(&fe, "client_share", "out_of_range", "client_share is between 0 and %s per device", intake.MaxAmount)
		} else {
			in.share = &v
		}
	}
	return in, fe, nil
}

// handleAddItem adds a line to a pending quote. value (per device)
// defaults to the current buyback price for the grade and may be set to
// a negotiated price. client_share (per device) is computed by the server:
// value × client_value% rounded half away from zero to the cent for
// client_calc 0, client_value for client_calc 1. A client may send
// client_share to state what it expects; if it disagrees with the computed
// one the item is refused (client_share_mismatch) rather than silently
// stored with a figure the client did not show its customer.
func (a *API) handleAddItem(w http.ResponseWriter, r *http.Request) {
	id, ok := quoteID(w, r)
	if !ok {
		return
	}
	var req addItemRequest
	if !a.readJSON(w, r, &req) {
		return
	}
	ctx := r.Context()
	in, fe, err := a.decodeAddItem(ctx, req)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	if len(fe) > 0 {
		fe.Write(w)
		return
	}
	var item hubdb.QuoteItem
	err = a.db.InTx(ctx, func(tx *hubdb.Tx) error {
		terms, err := tx.QuoteTerms(ctx, id)
		if err != nil {
			return err
		}
		now := a.now()
		cur, err := loadCurrent(ctx, tx, in.variant, hubdb.PriceBuyback, now)
		if err != nil {
			return err
		}
		p, err := priceItem(id, terms, cur.table, in, a.maxMultiple)
		if err != nil {
			return err
		}
		item, err = tx.InsertQuoteItem(ctx, hubdb.QuoteItem{
			QuoteID: id, SKU: in.variant.SKU, Grade: intake.Seed000Columns[in.cond], Sim: in.sim, Quantity: in.quantity,
			Value: p.value, ClientShare: p.share, ListValue: p.list, CreatedAt: now,
		})
		return err
	})
	if err != nil {
		a.quoteError(w, r, id, err)
		return
	}
	httpx.WriteData(w, http.StatusCreated, itemFromRow(item))
}

type statusRequest struct {
	Status *int `json:"status"`
}

func decodeStatus(req statusRequest) (int, httpx.FieldErrors) {
	var fe httpx.FieldErrors
	switch {
	case req.Status == nil:
		fe.Add("status", "required", "status is required: 0 (declined), 1 (approved) or 2 (pending)")
	case *req.Status != StatusDeclined && *req.Status != StatusApproved && *req.Status != StatusPending:
		addf(&fe, "status", "invalid_choice", "status must be 0 (declined), 1 (approved) or 2 (pending), not %d", *req.Status)
	default:
		return *req.Status, nil
	}
	return 0, fe
}

// handleSetStatus moves a pending quote to approved or declined (see
// statusEvent), publishing the event of the move.
func (a *API) handleSetStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := quoteID(w, r)
	if !ok {
		return
	}
	var req statusRequest
	if !a.readJSON(w, r, &req) {
		return
	}
	want, fe := decodeStatus(req)
	if len(fe) > 0 {
		fe.Write(w)
		return
	}
	ctx := r.Context()
	var q Quote
	err := a.change(ctx, func(tx *hubdb.Tx, publish publishFunc) error {
		terms, err := tx.QuoteTerms(ctx, id)
		if err != nil {
			return err
		}
		event, err := statusEvent(id, terms.Status, want)
		if err != nil {
			return err
		}
		if event != "" {
			if err := tx.SetQuoteStatus(ctx, id, want, a.now()); err != nil {
				return err
			}
		}
		row, err := tx.Quote(ctx, id)
		if err != nil {
			return err
		}
		if q, err = quoteFromRow(row); err != nil {
			return err
		}
		if event == "" {
			return nil
		}
		return publish(event, q)
	})
	if err != nil {
		a.quoteError(w, r, id, err)
		return
	}
	httpx.WriteData(w, http.StatusOK, q)
}
