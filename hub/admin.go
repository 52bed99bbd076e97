package hub

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/shipping"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/dbtime"
)

// SubmissionView is everything the hub holds of one trade-in: what the
// operator's queue and the customer's page show.
type SubmissionView struct {
	TradeIn   intake.TradeIn        `json:"trade_in"`
	Offers    []hubdb.Offer         `json:"offers"`
	IMEICheck *intake.IMEICheck     `json:"imei_check,omitempty"`
	History   []hubdb.HistoryEntry  `json:"history"`
	Payout    intake.PayoutStanding `json:"payout"`
	Shipment  *shipping.Arrangement `json:"shipment,omitempty"`
	Unit      *hubdb.Unit           `json:"unit,omitempty"`
}

// Submission returns a trade-in with its offers, check, history, payout,
// shipment and unit: a customer's own (customerID set) or any (admin).
func (h *Hub) Submission(ctx context.Context, customerID, id string) (v SubmissionView, err error) {
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		if v.TradeIn, err = customerTradeIn(ctx, tx, customerID, id); err != nil {
			return err
		}
		if v.Offers, err = tx.Offers(ctx, id); err != nil {
			return err
		}
		switch c, err := tx.LatestIMEICheck(ctx, id); {
		case err == nil:
			v.IMEICheck = &c
		case !errors.Is(err, hubdb.ErrNotFound):
			return err
		}
		if v.History, err = tx.History(ctx, id); err != nil {
			return err
		}
		if _, v.Payout, err = tx.PayoutLedger(ctx, id); err != nil {
			return err
		}
		switch doc, err := tx.Shipment(ctx, id); {
		case err == nil:
			var a shipping.Arrangement
			if err := json.Unmarshal(doc, &a); err != nil {
				return err
			}
			v.Shipment = &a
		case !errors.Is(err, hubdb.ErrNotFound):
			return err
		}
		switch u, err := tx.UnitOf(ctx, id); {
		case err == nil:
			v.Unit = &u
		case !errors.Is(err, hubdb.ErrNotFound):
			return err
		}
		return nil
	})
	return v, err
}

// pageCursor is where a page of trade-ins ends: opaque to clients.
func pageCursor(t intake.TradeIn) string {
	return base64.RawURLEncoding.EncodeToString([]byte(dbtime.Format(t.UpdatedAt) + "|" + t.ID))
}

func parsePageCursor(c string) (time.Time, string, error) {
	if c == "" {
		return time.Time{}, "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	at, id, ok := strings.Cut(string(b), "|")
	if err != nil || !ok || id == "" {
		return time.Time{}, "", refuse(KindInvalid, CodeInvalid, "cursor is not one the hub gave.")
	}
	t, err := dbtime.Parse(at)
	if err != nil {
		return time.Time{}, "", refuse(KindInvalid, CodeInvalid, "cursor is not one the hub gave.")
	}
	return t, id, nil
}

// Submissions lists trade-ins, most recently changed first: a customer's
// own, or all (customerID ""), of one status or all.
func (h *Hub) Submissions(ctx context.Context, customerID string, status intake.Status, limit int, cursor string) (items []intake.TradeIn, next string, err error) {
	if status != "" && !status.Valid() {
		return nil, "", refuse(KindInvalid, CodeInvalid, "%s.", mustErr(intake.ParseStatus(string(status))))
	}
	at, after, err := parsePageCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	limit = min(max(limit, 1), 500)
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		items, err = tx.TradeIns(ctx, hubdb.TradeInFilter{Status: status, CustomerID: customerID, Limit: limit + 1, AfterAt: at, AfterID: after})
		return err
	})
	if len(items) > limit {
		items = items[:limit]
		next = pageCursor(items[limit-1])
	}
	return items, next, err
}

func mustErr(_ intake.Status, err error) string { return err.Error() }

// Queue is the operator's queue: trade-ins of a status, and how many
// there are of each.
type Queue struct {
	Counts     map[intake.Status]int `json:"counts"`
	Items      []intake.TradeIn      `json:"items"`
	NextCursor string                `json:"next_cursor,omitempty"`
}

// Queue lists trade-ins by status, with the counts of every status.
func (h *Hub) Queue(ctx context.Context, status intake.Status, limit int, cursor string) (q Queue, err error) {
	if q.Items, q.NextCursor, err = h.Submissions(ctx, "", status, limit, cursor); err != nil {
		return q, err
	}
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		q.Counts, err = tx.StatusCounts(ctx)
		return err
	})
	for _, s := range intake.Statuses {
		q.Counts[s] += 0
	}
	return q, err
}

// Stats are the programme's figures for the admin dashboard.
type Stats struct {
	TradeIns  map[intake.Status]int               `json:"trade_ins"`
	Payouts   map[intake.PayoutState]intake.Cents `json:"payouts"`
	Customers int                                 `json:"customers"`
}

// Stats counts trade-ins by status and sums payouts by where they stand.
func (h *Hub) Stats(ctx context.Context) (s Stats, err error) {
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		if s.TradeIns, err = tx.StatusCounts(ctx); err != nil {
			return err
		}
		totals, err := tx.PayoutTotals(ctx)
		if err != nil {
			return err
		}
		s.Payouts = map[intake.PayoutState]intake.Cents{}
		for state, sum := range totals {
			s.Payouts[state] = intake.Cents(sum)
		}
		s.Customers, err = tx.CustomerCount(ctx)
		return err
	})
	return s, err
}

// ValuationInput is seed 003's valuation: a product's base value.
type ValuationInput struct {
	ProductID string
	BaseValue intake.Cents
}

// Valuation is a product's base value with seed 003's condition
// modifiers, which offers are suggested from.
type Valuation struct {
	ID        string           `json:"id"`
	ProductID string           `json:"product_id"`
	BaseValue intake.Cents     `json:"base_value"`
	Modifiers map[string]int64 `json:"modifiers"`
	CreatedAt time.Time        `json:"created_at"`
	UpdatedAt time.Time        `json:"updated_at"`
}

func valuationOf(v hubdb.Valuation) Valuation {
	mods := map[string]int64{}
	for _, c := range []intake.Condition{intake.ConditionExcellent, intake.ConditionGood, intake.ConditionFair, intake.ConditionPoor} {
		mods[c.String()] = intake.ConditionModifier(c)
	}
	return Valuation{ID: v.ID, ProductID: v.ProductID, BaseValue: intake.Cents(v.BaseValue), Modifiers: mods, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
}

// putValuation checks a valuation against the catalog and writes it.
func (h *Hub) putValuation(ctx context.Context, id string, in ValuationInput, create bool) (out Valuation, err error) {
	if in.BaseValue <= 0 || in.BaseValue > intake.MaxAmount {
		return out, refuse(KindUnprocessable, CodeAmountOutOfRange, "base_value %s is not between 0.01 and %s.", in.BaseValue, intake.MaxAmount)
	}
	err = h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		if _, err := tx.Variant(ctx, in.ProductID); errors.Is(err, hubdb.ErrNotFound) {
			return refuse(KindUnprocessable, CodeUnknownProduct, "The catalog has no product %.40q.", in.ProductID)
		} else if err != nil {
			return err
		}
		now := h.now().UTC()
		v := hubdb.Valuation{ID: id, ProductID: in.ProductID, BaseValue: int64(in.BaseValue), Doc: json.RawMessage(`{}`), CreatedAt: now, UpdatedAt: now}
		if !create {
			old, err := tx.Valuation(ctx, id)
			if errors.Is(err, hubdb.ErrNotFound) {
				return refuse(KindNotFound, CodeValuationNotFound, "There is no valuation %.40q.", id)
			}
			if err != nil {
				return err
			}
			v.CreatedAt = old.CreatedAt
		}
		err := tx.PutValuation(ctx, v)
		if errors.Is(err, hubdb.ErrExists) {
			return refuse(KindConflict, CodeProductValuedTwice, "Product %s has a valuation already: update that one.", in.ProductID)
		}
		out = valuationOf(v)
		return err
	})
	return out, err
}

// CreateValuation sets a product's base value.
func (h *Hub) CreateValuation(ctx context.Context, in ValuationInput) (Valuation, error) {
	return h.putValuation(ctx, randomID("val_"), in, true)
}

// UpdateValuation changes a valuation.
func (h *Hub) UpdateValuation(ctx context.Context, id string, in ValuationInput) (Valuation, error) {
	return h.putValuation(ctx, id, in, false)
}

// Valuation returns a valuation.
func (h *Hub) Valuation(ctx context.Context, id string) (out Valuation, err error) {
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		v, err := tx.Valuation(ctx, id)
		if errors.Is(err, hubdb.ErrNotFound) {
			return refuse(KindNotFound, CodeValuationNotFound, "There is no valuation %.40q.", id)
		}
		out = valuationOf(v)
		return err
	})
	return out, err
}

// Valuations lists every valuation by product.
func (h *Hub) Valuations(ctx context.Context) (out []Valuation, err error) {
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		vs, err := tx.Valuations(ctx)
		for _, v := range vs {
			out = append(out, valuationOf(v))
		}
		return err
	})
	return out, err
}

// DeleteValuation removes a valuation.
func (h *Hub) DeleteValuation(ctx context.Context, id string) error {
	return h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		err := tx.DeleteValuation(ctx, id)
		if errors.Is(err, hubdb.ErrNotFound) {
			return refuse(KindNotFound, CodeValuationNotFound, "There is no valuation %.40q.", id)
		}
		return err
	})
}
