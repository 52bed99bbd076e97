package public

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/intakebench/intakebench/hub/webhook"
	"github.com/intakebench/intakebench/intake"
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
	var ve validationErrors
	for _, p := range []string{"make", "model", "storage", "carrier"} {
		if strings.TrimSpace(q.Get(p)) == "" {
			ve.add(p, "required", "query parameter %s is required", p)
		}
	}
	if len(ve) > 0 {
		ve.write(w)
		return
	}
	v, err := a.cat.Lookup(r.Context(), q.Get("make"), q.Get("model"), q.Get("storage"), q.Get("carrier"))
	if errors.Is(err, ErrVariantNotFound) {
		writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("no buyback pricing for %s %s %s %s", q.Get("make"), q.Get("model"), q.Get("storage"), q.Get("carrier")))
		return
	}
	if err != nil {
		a.internal(w, r, err)
		return
	}
	table, _, err := a.currentTable(r.Context(), v, kindBuyback)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	p := table.Seed000()
	writeData(w, http.StatusOK, LookupResult{
		SKU: v.SKU, Manufacturer: v.Make, Model: v.Model, Capacity: v.Storage, Carrier: v.Carrier,
		Broken: Dollars(p.Broken), Poor: Dollars(p.Poor), Average: Dollars(p.Average), Excellent: Dollars(p.Excellent), New: Dollars(p.New),
	})
}

// Quote statuses, as seed 000 numbers them.
const (
	StatusDeclined = 0
	StatusApproved = 1
	StatusPending  = 2
)

// Client calculations: what client_value means.
const (
	CalcPercent = 0 // the client keeps client_value percent of each device's value
	CalcFixed   = 1 // the client gets client_value dollars per device
)

func statusName(s int) string {
	switch s {
	case StatusDeclined:
		return "declined"
	case StatusApproved:
		return "approved"
	case StatusPending:
		return "pending"
	}
	return "unknown"
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

func (a *API) handleCreateQuote(w http.ResponseWriter, r *http.Request) {
	var req createQuoteRequest
	if !a.decode(w, r, &req) {
		return
	}
	var ve validationErrors
	name := strings.TrimSpace(req.Name)
	switch {
	case name == "":
		ve.add("name", "required", "name is required")
	case len(name) > maxQuoteName:
		ve.add("name", "too_long", "name is longer than %d characters", maxQuoteName)
	}
	calc := -1
	switch {
	case req.ClientCalc == nil:
		ve.add("client_calc", "required", "client_calc is required: 0 (percentage split) or 1 (fixed amount per device)")
	case *req.ClientCalc != CalcPercent && *req.ClientCalc != CalcFixed:
		ve.add("client_calc", "invalid_choice", "client_calc must be 0 (percentage split) or 1 (fixed amount per device), not %d", *req.ClientCalc)
	default:
		calc = *req.ClientCalc
	}
	var value intake.Cents
	if req.ClientValue == nil {
		ve.add("client_value", "required", "client_value is required")
	} else if v, err := parseAmount(*req.ClientValue); err != nil {
		ve.add("client_value", "invalid_amount", "client_value: %v", err)
	} else {
		value = v
		switch {
		case v < 0:
			ve.add("client_value", "negative", "client_value must not be negative")
		case calc == CalcPercent && v > 100_00:
			ve.add("client_value", "out_of_range", "client_value is a percentage with client_calc 0: at most 100")
		}
	}
	if len(ve) > 0 {
		ve.write(w)
		return
	}
	var q Quote
	var after []func()
	err := a.inTx(r.Context(), func(tx *sql.Tx) error {
		now := a.now().UnixMilli()
		res, err := tx.ExecContext(r.Context(), `INSERT INTO public_quotes(name, client_value, client_calc, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
			name, int64(value), calc, StatusPending, now, now)
		if err != nil {
			return fmt.Errorf("insert quote: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("insert quote: %w", err)
		}
		if q, err = loadQuote(r.Context(), tx, id); err != nil {
			return err
		}
		return a.publish(r.Context(), tx, webhook.EventQuoteCreated, q, &after)
	})
	if err != nil {
		a.internal(w, r, err)
		return
	}
	runAll(after)
	writeJSON(w, http.StatusCreated, quoteCreated{Success: true, ID: q.ID, Data: q})
}

func runAll(fs []func()) {
	for _, f := range fs {
		f()
	}
}

// quoteID reads the {id} path value, writing a 404 for anything that
// cannot be a quote id.
func quoteID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("quote %q not found", r.PathValue("id")))
		return 0, false
	}
	return id, true
}

var errQuoteNotFound = errors.New("quote not found")

func (a *API) handleGetQuote(w http.ResponseWriter, r *http.Request) {
	id, ok := quoteID(w, r)
	if !ok {
		return
	}
	q, err := loadQuote(r.Context(), a.db, id)
	if errors.Is(err, errQuoteNotFound) {
		writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("quote %d not found", id))
		return
	}
	if err != nil {
		a.internal(w, r, err)
		return
	}
	writeData(w, http.StatusOK, q)
}

type addItemRequest struct {
	SKU         string       `json:"sku"`
	Grade       string       `json:"grade"`
	Sim         *string      `json:"sim"`
	Quantity    *int64       `json:"quantity"`
	Value       *json.Number `json:"value"`
	ClientShare *json.Number `json:"client_share"`
}

const maxQuantity = 100_000

// handleAddItem adds a line to a pending quote. value (per device)
// defaults to the catalog's current price for the grade and may be set to
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
	if !a.decode(w, r, &req) {
		return
	}
	ctx := r.Context()
	var ve validationErrors
	var variant Variant
	var known bool
	if strings.TrimSpace(req.SKU) == "" {
		ve.add("sku", "required", "sku is required")
	} else if v, err := a.cat.BySKU(ctx, req.SKU); errors.Is(err, ErrVariantNotFound) {
		ve.add("sku", "unknown_sku", "unknown sku %q", req.SKU)
	} else if err != nil {
		a.internal(w, r, err)
		return
	} else {
		variant, known = v, true
	}
	cond, gradeOK := gradeCondition(req.Grade)
	if !gradeOK {
		if req.Grade == "" {
			ve.add("grade", "required", "grade is required: one of %s", strings.Join(gradeColumns, ", "))
		} else {
			ve.add("grade", "invalid_grade", "grade %q is not one of %s", req.Grade, strings.Join(gradeColumns, ", "))
		}
	}
	sim := ""
	if req.Sim != nil {
		sim = strings.TrimSpace(*req.Sim)
	}
	if known {
		if sim == "" {
			sim = variant.Carrier
		} else if !strings.EqualFold(sim, variant.Carrier) {
			ve.add("sim", "sim_mismatch", "sim %q does not match sku %s, which is %s", sim, variant.SKU, variant.Carrier)
		}
	}
	var qty int64
	switch {
	case req.Quantity == nil:
		ve.add("quantity", "required", "quantity is required")
	case *req.Quantity < 1 || *req.Quantity > maxQuantity:
		ve.add("quantity", "out_of_range", "quantity must be between 1 and %d, not %d", maxQuantity, *req.Quantity)
	default:
		qty = *req.Quantity
	}
	var list intake.Cents
	if known && gradeOK {
		table, _, err := a.currentTable(ctx, variant, kindBuyback)
		if err != nil {
			a.internal(w, r, err)
			return
		}
		list = table[cond]
	}
	value := list
	if req.Value != nil {
		v, err := parseAmount(*req.Value)
		switch {
		case err != nil:
			ve.add("value", "invalid_amount", "value: %v", err)
		case v < 0:
			ve.add("value", "negative", "value must not be negative")
		default:
			value = v
		}
	}
	var sentShare *intake.Cents
	if req.ClientShare != nil {
		if v, err := parseAmount(*req.ClientShare); err != nil {
			ve.add("client_share", "invalid_amount", "client_share: %v", err)
		} else {
			sentShare = &v
		}
	}
	if len(ve) > 0 {
		ve.write(w)
		return
	}

	var q Quote
	var conflict string
	err := a.inTx(ctx, func(tx *sql.Tx) error {
		var calc, status int
		var clientValue intake.Cents
		err := tx.QueryRowContext(ctx, `SELECT client_calc, client_value, status FROM public_quotes WHERE id = ?`, id).Scan(&calc, &clientValue, &status)
		if errors.Is(err, sql.ErrNoRows) {
			return errQuoteNotFound
		}
		if err != nil {
			return fmt.Errorf("read quote %d: %w", id, err)
		}
		if status != StatusPending {
			conflict = fmt.Sprintf("quote %d is %s; items can only be added while it is pending", id, statusName(status))
			return nil
		}
		share := clientShare(calc, clientValue, value)
		if calc == CalcFixed && share > value {
			ve.add("client_share", "exceeds_value", "the fixed client share %s per device is more than the value %s", share, value)
			return nil
		}
		if sentShare != nil && *sentShare != share {
			how := fmt.Sprintf("%s%% of %s", clientValue, value)
			if calc == CalcFixed {
				how = "the quote's fixed amount per device"
			}
			ve.add("client_share", "client_share_mismatch", "client_share %s does not match %s (%s)", *sentShare, share, how)
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO public_quote_items(quote_id, sku, grade, sim, quantity, value, client_share, list_value, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, variant.SKU, intake.Seed000Columns[cond], sim, qty, int64(value), int64(share), int64(list), a.now().UnixMilli()); err != nil {
			return fmt.Errorf("insert quote item: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE public_quotes SET updated_at = ? WHERE id = ?`, a.now().UnixMilli(), id); err != nil {
			return fmt.Errorf("touch quote: %w", err)
		}
		q, err = loadQuote(ctx, tx, id)
		return err
	})
	switch {
	case errors.Is(err, errQuoteNotFound):
		writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("quote %d not found", id))
	case err != nil:
		a.internal(w, r, err)
	case conflict != "":
		writeError(w, http.StatusConflict, codeConflict, conflict)
	case len(ve) > 0:
		ve.write(w)
	default:
		writeData(w, http.StatusCreated, q.Items[len(q.Items)-1])
	}
}

// clientShare is what the client gets per device of the given value.
func clientShare(calc int, clientValue, value intake.Cents) intake.Cents {
	if calc == CalcFixed {
		return clientValue
	}
	// clientValue is hundredths of a percent: value × cv / 10000, rounded
	// half away from zero (value and cv are never negative here).
	return (value*clientValue + 5000) / 10000
}

type statusRequest struct {
	Status *int `json:"status"`
}

// handleSetStatus moves a pending quote to approved or declined. Setting
// the status a quote already has is a no-op that fires no event; leaving
// approved or declined is a conflict, since the seller was already told.
func (a *API) handleSetStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := quoteID(w, r)
	if !ok {
		return
	}
	var req statusRequest
	if !a.decode(w, r, &req) {
		return
	}
	var ve validationErrors
	switch {
	case req.Status == nil:
		ve.add("status", "required", "status is required: 0 (declined), 1 (approved) or 2 (pending)")
	case *req.Status != StatusDeclined && *req.Status != StatusApproved && *req.Status != StatusPending:
		ve.add("status", "invalid_choice", "status must be 0 (declined), 1 (approved) or 2 (pending), not %d", *req.Status)
	}
	if len(ve) > 0 {
		ve.write(w)
		return
	}
	want := *req.Status
	ctx := r.Context()
	var q Quote
	var conflict string
	var after []func()
	err := a.inTx(ctx, func(tx *sql.Tx) error {
		var current int
		err := tx.QueryRowContext(ctx, `SELECT status FROM public_quotes WHERE id = ?`, id).Scan(&current)
		if errors.Is(err, sql.ErrNoRows) {
			return errQuoteNotFound
		}
		if err != nil {
			return fmt.Errorf("read quote %d: %w", id, err)
		}
		if current != want {
			if current != StatusPending {
				conflict = fmt.Sprintf("quote %d is already %s and cannot become %s", id, statusName(current), statusName(want))
				return nil
			}
			if _, err := tx.ExecContext(ctx, `UPDATE public_quotes SET status = ?, updated_at = ? WHERE id = ?`, want, a.now().UnixMilli(), id); err != nil {
				return fmt.Errorf("update quote %d: %w", id, err)
			}
		}
		if q, err = loadQuote(ctx, tx, id); err != nil {
			return err
		}
		if current == want {
			return nil
		}
		kind := webhook.EventQuoteApproved
		if want == StatusDeclined {
			kind = webhook.EventQuoteDeclined
		}
		return a.publish(ctx, tx, kind, q, &after)
	})
	switch {
	case errors.Is(err, errQuoteNotFound):
		writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("quote %d not found", id))
	case err != nil:
		a.internal(w, r, err)
	case conflict != "":
		writeError(w, http.StatusConflict, codeConflict, conflict)
	default:
		runAll(after)
		writeData(w, http.StatusOK, q)
	}
}

// querier is what loadQuote needs from a *sql.DB or *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func loadQuote(ctx context.Context, db querier, id int64) (Quote, error) {
	q := Quote{ID: id, Items: []QuoteItem{}}
	var created, updated int64
	err := db.QueryRowContext(ctx, `SELECT name, client_value, client_calc, status, created_at, updated_at FROM public_quotes WHERE id = ?`, id).
		Scan(&q.Name, &q.ClientValue, &q.ClientCalc, &q.Status, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return Quote{}, errQuoteNotFound
	}
	if err != nil {
		return Quote{}, fmt.Errorf("read quote %d: %w", id, err)
	}
	q.StatusName = statusName(q.Status)
	q.CreatedAt, q.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	rows, err := db.QueryContext(ctx, `SELECT id, sku, grade, sim, quantity, value, client_share, list_value, created_at FROM public_quote_items WHERE quote_id = ? ORDER BY id`, id)
	if err != nil {
		return Quote{}, fmt.Errorf("read quote %d items: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		it := QuoteItem{QuoteID: id}
		if err := rows.Scan(&it.ID, &it.SKU, &it.Grade, &it.Sim, &it.Quantity, &it.Value, &it.ClientShare, &it.ListValue, &created); err != nil {
			return Quote{}, fmt.Errorf("read quote %d items: %w", id, err)
		}
		it.CreatedAt = time.UnixMilli(created).UTC()
		q.Items = append(q.Items, it)
		q.Devices += it.Quantity
		q.TotalValue += it.Value * Dollars(it.Quantity)
		q.TotalClientShare += it.ClientShare * Dollars(it.Quantity)
	}
	if err := rows.Err(); err != nil {
		return Quote{}, fmt.Errorf("read quote %d items: %w", id, err)
	}
	return q, nil
}
