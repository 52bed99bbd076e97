package upgrade

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/httpx"
)

// The programme's admin side: valuations (seed 003's base values per
// product), customers, the dashboard's figures, and the operator's queue.

type valuationBody struct {
	ProductID string          `json:"product_id"`
	BaseValue json.RawMessage `json:"base_value"`
}

func readValuation(w http.ResponseWriter, r *http.Request) (hub.ValuationInput, error) {
	var in valuationBody
	if err := readJSON(w, r, &in, false); err != nil {
		return hub.ValuationInput{}, err
	}
	var f fields
	if strings.TrimSpace(in.ProductID) == "" {
		f.add("product_id", "is required")
	}
	base := f.money("base_value", in.BaseValue, true)
	return hub.ValuationInput{ProductID: strings.TrimSpace(in.ProductID), BaseValue: base}, f.err()
}

func valuationID(r *http.Request) (string, error) {
	return pathID(r, hub.CodeValuationNotFound, "valuation")
}

func (a *API) handleListValuations(w http.ResponseWriter, r *http.Request, _ caller) error {
	vs, err := a.hub.Valuations(r.Context())
	if err != nil {
		return err
	}
	out := make([]valuationJSON, 0, len(vs))
	for _, v := range vs {
		out = append(out, valuationOf(v))
	}
	httpx.WriteJSON(w, http.StatusOK, listJSON[valuationJSON]{Items: out})
	return nil
}

func (a *API) handleCreateValuation(w http.ResponseWriter, r *http.Request, _ caller) error {
	in, err := readValuation(w, r)
	if err != nil {
		return err
	}
	v, err := a.hub.CreateValuation(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", a.prefix+"/admin/valuations/"+v.ID)
	httpx.WriteJSON(w, http.StatusCreated, valuationOf(v))
	return nil
}

func (a *API) handleGetValuation(w http.ResponseWriter, r *http.Request, _ caller) error {
	id, err := valuationID(r)
	if err != nil {
		return err
	}
	v, err := a.hub.Valuation(r.Context(), id)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, valuationOf(v))
	return nil
}

func (a *API) handleUpdateValuation(w http.ResponseWriter, r *http.Request, _ caller) error {
	id, err := valuationID(r)
	if err != nil {
		return err
	}
	in, err := readValuation(w, r)
	if err != nil {
		return err
	}
	v, err := a.hub.UpdateValuation(r.Context(), id, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, valuationOf(v))
	return nil
}

func (a *API) handleDeleteValuation(w http.ResponseWriter, r *http.Request, _ caller) error {
	id, err := valuationID(r)
	if err != nil {
		return err
	}
	if err := a.hub.DeleteValuation(r.Context(), id); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleListCustomers pages through the customer accounts by id.
func (a *API) handleListCustomers(w http.ResponseWriter, r *http.Request, _ caller) error {
	limit, cursor, err := page(r, defaultPage, maxPage)
	if err != nil {
		return err
	}
	cs, err := a.hub.Customers(r.Context(), cursor, limit+1)
	if err != nil {
		return err
	}
	out := listJSON[customerJSON]{Items: make([]customerJSON, 0, min(len(cs), limit))}
	for i, c := range cs {
		if i == limit {
			out.NextCursor = cs[i-1].ID
			break
		}
		out.Items = append(out.Items, customerOf(c))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

type statsJSON struct {
	TradeIns  map[intake.Status]int        `json:"trade_ins"`
	Payouts   map[intake.PayoutState]money `json:"payouts"`
	Customers int                          `json:"customers"`
}

// handleStats answers the dashboard's figures: trade-ins by status, payout
// sums by where they stand, the number of customers.
func (a *API) handleStats(w http.ResponseWriter, r *http.Request, _ caller) error {
	s, err := a.hub.Stats(r.Context())
	if err != nil {
		return err
	}
	out := statsJSON{TradeIns: map[intake.Status]int{}, Payouts: map[intake.PayoutState]money{}, Customers: s.Customers}
	for _, st := range intake.Statuses {
		out.TradeIns[st] = 0
	}
	for st, n := range s.TradeIns {
		out.TradeIns[st] = n
	}
	for st, sum := range s.Payouts {
		out.Payouts[st] = money(sum)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

type queueJSON struct {
	Counts     map[intake.Status]int `json:"counts"`
	Items      []submissionJSON      `json:"items"`
	NextCursor string                `json:"next_cursor,omitempty"`
}

// handleQueue is the operator's queue: the trade-ins of a status (all
// without ?status=), most recently changed first, with the count of
// every status.
func (a *API) handleQueue(w http.ResponseWriter, r *http.Request, c caller) error {
	status, err := statusFilter(r)
	if err != nil {
		return err
	}
	limit, cursor, err := page(r, defaultPage, maxPage)
	if err != nil {
		return err
	}
	q, err := a.hub.Queue(r.Context(), status, limit, cursor)
	if err != nil {
		return err
	}
	items, err := a.details(r.Context(), c, q.Items)
	if err != nil {
		return err
	}
	counts := make(map[intake.Status]int, len(intake.Statuses))
	for _, st := range intake.Statuses {
		counts[st] = 0
	}
	for st, n := range q.Counts {
		counts[st] = n
	}
	httpx.WriteJSON(w, http.StatusOK, queueJSON{Counts: counts, Items: items, NextCursor: q.NextCursor})
	return nil
}
