package hubdb

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/intakebench/intakebench/intake"
)

// The public API's buyback quotes (seed 000). Statuses and client
// calculations are seed 000's numbers, which the public package names;
// times are stored as unix milliseconds, so a time read back is the one
// written truncated to the millisecond.

// QuoteTerms is what prices a quote's items: how the client is paid, and
// whether the quote still takes items.
type QuoteTerms struct {
	// ClientValue is cents per device (ClientCalc 1) or hundredths of a
	// percent of each device's value (ClientCalc 0).
	ClientValue intake.Cents
	ClientCalc  int
	Status      int
	// Lines is how many items the quote holds (QuoteTerms sets it).
	Lines int
}

// Quote is a buyback quote with its items, oldest first.
type Quote struct {
	ID   int64
	Name string
	QuoteTerms
	CreatedAt time.Time
	UpdatedAt time.Time
	Items     []QuoteItem
}

// QuoteItem is one line of a quote; its money is per device.
type QuoteItem struct {
	ID          int64
	QuoteID     int64
	SKU         string
	Grade       string // seed 000's column name of the grade
	Sim         string
	Quantity    int64
	Value       intake.Cents
	ClientShare intake.Cents
	ListValue   intake.Cents // the catalog's price when the item was added
	CreatedAt   time.Time
}

// InsertQuote creates a quote created and updated at at, and returns its
// id. Ids are never reused, even after a delete: clients keep them.
func (tx *Tx) InsertQuote(ctx context.Context, name string, terms QuoteTerms, at time.Time) (int64, error) {
	var id int64
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO public_quotes (name, client_value, client_calc, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		name, int64(terms.ClientValue), terms.ClientCalc, terms.Status, at.UnixMilli(), at.UnixMilli()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert quote %q: %w", name, err)
	}
	return id, nil
}

// Quote returns a quote with its items, or ErrNotFound.
func (tx *Tx) Quote(ctx context.Context, id int64) (Quote, error) {
	q := Quote{ID: id}
	var created, updated int64
	err := tx.tx.QueryRowContext(ctx, `SELECT name, client_value, client_calc, status, created_at, updated_at FROM public_quotes WHERE id = ?`, id).
		Scan(&q.Name, &q.ClientValue, &q.ClientCalc, &q.Status, &created, &updated)
	if err := notFound(err, "quote %d", id); err != nil {
		return Quote{}, err
	}
	q.CreatedAt, q.UpdatedAt = publicTime(created), publicTime(updated)
	rows, err := tx.tx.QueryContext(ctx, `SELECT id, quote_id, sku, grade, sim, quantity, value, client_share, list_value, created_at
		FROM public_quote_items WHERE quote_id = ? ORDER BY id`, id)
	if err != nil {
		return Quote{}, fmt.Errorf("items of quote %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var it QuoteItem
		if err := rows.Scan(&it.ID, &it.QuoteID, &it.SKU, &it.Grade, &it.Sim, &it.Quantity, &it.Value, &it.ClientShare, &it.ListValue, &created); err != nil {
			return Quote{}, fmt.Errorf("items of quote %d: %w", id, err)
		}
		it.CreatedAt = publicTime(created)
		q.Items = append(q.Items, it)
	}
	if err := rows.Err(); err != nil {
		return Quote{}, fmt.Errorf("items of quote %d: %w", id, err)
	}
	return q, nil
}

// QuoteTerms returns a quote's terms without its items, or ErrNotFound.
func (tx *Tx) QuoteTerms(ctx context.Context, id int64) (QuoteTerms, error) {
	var t QuoteTerms
	err := tx.tx.QueryRowContext(ctx, `SELECT client_value, client_calc, status,
		(SELECT count(*) FROM public_quote_items WHERE quote_id = q.id) FROM public_quotes q WHERE id = ?`, id).
		Scan(&t.ClientValue, &t.ClientCalc, &t.Status, &t.Lines)
	if err := notFound(err, "quote %d", id); err != nil {
		return QuoteTerms{}, err
	}
	return t, nil
}

// InsertQuoteItem adds an item (its ID is ignored) to quote it.QuoteID,
// which it marks updated at it.CreatedAt, and returns the item as stored.
// It returns ErrNotFound for an unknown quote.
func (tx *Tx) InsertQuoteItem(ctx context.Context, it QuoteItem) (QuoteItem, error) {
	at := it.CreatedAt.UnixMilli()
	if err := tx.touchQuote(ctx, it.QuoteID, `UPDATE public_quotes SET updated_at = ? WHERE id = ?`, at, it.QuoteID); err != nil {
		return QuoteItem{}, fmt.Errorf("add item to %w", err)
	}
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO public_quote_items (quote_id, sku, grade, sim, quantity, value, client_share, list_value, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		it.QuoteID, it.SKU, it.Grade, it.Sim, it.Quantity, int64(it.Value), int64(it.ClientShare), int64(it.ListValue), at).Scan(&it.ID)
	if err != nil {
		return QuoteItem{}, fmt.Errorf("add item to quote %d: %w", it.QuoteID, err)
	}
	it.CreatedAt = publicTime(at)
	return it, nil
}

// SetQuoteStatus sets a quote's status, marking it updated at at. It
// returns ErrNotFound for an unknown quote.
func (tx *Tx) SetQuoteStatus(ctx context.Context, id int64, status int, at time.Time) error {
	if err := tx.touchQuote(ctx, id, `UPDATE public_quotes SET status = ?, updated_at = ? WHERE id = ?`, status, at.UnixMilli(), id); err != nil {
		return fmt.Errorf("set status of %w", err)
	}
	return nil
}

// touchQuote runs an UPDATE of quote id, returning an error that names the
// quote, and ErrNotFound when it matched no row.
func (tx *Tx) touchQuote(ctx context.Context, id int64, update string, args ...any) error {
	res, err := tx.tx.ExecContext(ctx, update, args...)
	if err != nil {
		return fmt.Errorf("quote %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("quote %d: %w", id, err)
	}
	if n == 0 {
		return notFound(sql.ErrNoRows, "quote %d", id)
	}
	return nil
}

// publicTime reads a time the public API's tables store as unix ms.
func publicTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
