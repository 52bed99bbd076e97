package hubdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/intakebench/intakebench/internal/dbtime"
	"github.com/intakebench/intakebench/internal/sqlitedb"
)

// Seed 004's sellers, their submissions, items, offers and webhook
// endpoints. What is the seller's own (constraints, customer, files) is a
// JSON doc package sellers reads; the rows hold what is looked up by.

// Seller is a retail partner with its own key and constraints.
type Seller struct {
	ID        string
	KeyHash   string
	Doc       json.RawMessage
	CreatedAt time.Time
	UpdatedAt time.Time
}

// InsertSeller adds a seller; an id or key hash already held is ErrExists.
func (tx *Tx) InsertSeller(ctx context.Context, s Seller) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO sellers (id, key_hash, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
		s.ID, s.KeyHash, string(s.Doc), dbtime.Format(s.CreatedAt), dbtime.Format(s.UpdatedAt))
	if uniqueViolation(err) {
		return fmt.Errorf("seller %s: %w", s.ID, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("insert seller %s: %w", s.ID, err)
	}
	return nil
}

// UpdateSeller replaces a seller's doc and, when keyHash is not empty,
// its key.
func (tx *Tx) UpdateSeller(ctx context.Context, id, keyHash string, doc json.RawMessage, at time.Time) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE sellers SET doc = ?, key_hash = CASE WHEN ? = '' THEN key_hash ELSE ? END, updated_at = ? WHERE id = ?`,
		string(doc), keyHash, keyHash, dbtime.Format(at), id)
	if err != nil {
		return fmt.Errorf("update seller %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("seller %s: %w", id, ErrNotFound)
	}
	return nil
}

func scanSeller(row interface{ Scan(...any) error }) (Seller, error) {
	var s Seller
	var doc, created, updated string
	if err := row.Scan(&s.ID, &s.KeyHash, &doc, &created, &updated); err != nil {
		return s, err
	}
	s.Doc = json.RawMessage(doc)
	var err error
	if s.CreatedAt, err = dbtime.Parse(created); err != nil {
		return s, err
	}
	s.UpdatedAt, err = dbtime.Parse(updated)
	return s, err
}

const sellerColumns = `SELECT id, key_hash, doc, created_at, updated_at FROM sellers`

// Seller returns a seller, or ErrNotFound.
func (tx *Tx) Seller(ctx context.Context, id string) (Seller, error) {
	s, err := scanSeller(tx.tx.QueryRowContext(ctx, sellerColumns+` WHERE id = ?`, id))
	return s, notFound(err, "seller %s", id)
}

// SellerByKey returns the seller whose key hashes to keyHash, or
// ErrNotFound.
func (tx *Tx) SellerByKey(ctx context.Context, keyHash string) (Seller, error) {
	s, err := scanSeller(tx.tx.QueryRowContext(ctx, sellerColumns+` WHERE key_hash = ?`, keyHash))
	return s, notFound(err, "seller by key")
}

// SellerSubmission is one submission of a seller's: one or more items.
type SellerSubmission struct {
	ID        string
	SellerID  string
	Reference string
	Doc       json.RawMessage
	CreatedAt time.Time
}

// InsertSellerSubmission adds a submission.
func (tx *Tx) InsertSellerSubmission(ctx context.Context, s SellerSubmission) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO seller_submissions (id, seller_id, reference, doc, created_at) VALUES (?, ?, ?, ?, ?)`,
		s.ID, s.SellerID, s.Reference, string(s.Doc), dbtime.Format(s.CreatedAt))
	if uniqueViolation(err) {
		return fmt.Errorf("seller submission %s: %w", s.ID, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("insert seller submission %s: %w", s.ID, err)
	}
	return nil
}

// SellerSubmission returns a submission, or ErrNotFound.
func (tx *Tx) SellerSubmission(ctx context.Context, id string) (SellerSubmission, error) {
	var s SellerSubmission
	var doc, created string
	err := tx.tx.QueryRowContext(ctx, `SELECT id, seller_id, reference, doc, created_at FROM seller_submissions WHERE id = ?`, id).
		Scan(&s.ID, &s.SellerID, &s.Reference, &doc, &created)
	if err != nil {
		return s, notFound(err, "seller submission %s", id)
	}
	s.Doc = json.RawMessage(doc)
	s.CreatedAt, err = dbtime.Parse(created)
	return s, err
}

// SellerItem is one item of a seller's submission, and the trade-in it is.
type SellerItem struct {
	ID           string
	SubmissionID string
	TradeInID    string
	Position     int
	Status       string
	Doc          json.RawMessage
	UpdatedAt    time.Time
}

// InsertSellerItem adds an item.
func (tx *Tx) InsertSellerItem(ctx context.Context, it SellerItem) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO seller_items (id, submission_id, tradein_id, position, status, doc, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		it.ID, it.SubmissionID, it.TradeInID, it.Position, it.Status, string(it.Doc), dbtime.Format(it.UpdatedAt))
	if uniqueViolation(err) {
		return fmt.Errorf("seller item %s: %w", it.ID, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("insert seller item %s: %w", it.ID, err)
	}
	return nil
}

// SaveSellerItem writes an item's status and doc.
func (tx *Tx) SaveSellerItem(ctx context.Context, id, status string, doc json.RawMessage, at time.Time) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE seller_items SET status = ?, doc = ?, updated_at = ? WHERE id = ?`, status, string(doc), dbtime.Format(at), id)
	if err != nil {
		return fmt.Errorf("update seller item %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("seller item %s: %w", id, ErrNotFound)
	}
	return nil
}

func scanSellerItem(row interface{ Scan(...any) error }) (SellerItem, error) {
	var it SellerItem
	var doc, updated string
	if err := row.Scan(&it.ID, &it.SubmissionID, &it.TradeInID, &it.Position, &it.Status, &doc, &updated); err != nil {
		return it, err
	}
	it.Doc = json.RawMessage(doc)
	var err error
	it.UpdatedAt, err = dbtime.Parse(updated)
	return it, err
}

const sellerItemColumns = `SELECT id, submission_id, tradein_id, position, status, doc, updated_at FROM seller_items`

// SellerItem returns an item, or ErrNotFound.
func (tx *Tx) SellerItem(ctx context.Context, id string) (SellerItem, error) {
	it, err := scanSellerItem(tx.tx.QueryRowContext(ctx, sellerItemColumns+` WHERE id = ?`, id))
	return it, notFound(err, "seller item %s", id)
}

// SellerItemOfTradeIn returns the item a trade-in is, or ErrNotFound for a
// trade-in of another source.
func (tx *Tx) SellerItemOfTradeIn(ctx context.Context, tradeInID string) (SellerItem, error) {
	it, err := scanSellerItem(tx.tx.QueryRowContext(ctx, sellerItemColumns+` WHERE tradein_id = ?`, tradeInID))
	return it, notFound(err, "seller item of trade-in %s", tradeInID)
}

// SellerTradeInsWaiting lists the trade-ins of seller items that wait for
// our buyers: an item in one of reviewStatuses whose trade-in is
// submitted, or in offeredStatus whose trade-in is offered; the newest
// submission first, its items in the seller's order.
func (tx *Tx) SellerTradeInsWaiting(ctx context.Context, reviewStatuses []string, offeredStatus string, limit int) ([]string, error) {
	args := make([]any, 0, len(reviewStatuses)+2)
	for _, st := range reviewStatuses {
		args = append(args, st)
	}
	args = append(args, offeredStatus, max(limit, 1))
	return sqlitedb.QueryStrings(ctx, tx.tx, "seller items waiting", `SELECT i.tradein_id FROM seller_items i
		JOIN tradeins t ON t.id = i.tradein_id
		JOIN seller_submissions s ON s.id = i.submission_id
		WHERE (i.status IN (?`+strings.Repeat(`, ?`, max(len(reviewStatuses)-1, 0))+`) AND t.status = 'submitted')
		   OR (i.status = ? AND t.status = 'offered')
		ORDER BY s.created_at DESC, s.id, i.position LIMIT ?`, args...)
}

// SellerItems lists a submission's items in the order they were sent.
func (tx *Tx) SellerItems(ctx context.Context, submissionID string) ([]SellerItem, error) {
	return sqlitedb.QueryRows(ctx, tx.tx, "items of "+submissionID, func(rows *sql.Rows) (SellerItem, error) { return scanSellerItem(rows) },
		sellerItemColumns+` WHERE submission_id = ? ORDER BY position`, submissionID)
}

// SellerOffer is an offer to a seller's item: its base price and the
// buyers' uplifts (a JSON list); the offers row holds the total.
type SellerOffer struct {
	OfferID    string
	ItemID     string
	BaseAmount int64
	Promotions json.RawMessage
}

// InsertSellerOffer records the seller's side of an offer.
func (tx *Tx) InsertSellerOffer(ctx context.Context, o SellerOffer) error {
	promos := string(o.Promotions)
	if promos == "" {
		promos = "[]"
	}
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO seller_offers (offer_id, item_id, base_amount, promotions) VALUES (?, ?, ?, ?)`,
		o.OfferID, o.ItemID, o.BaseAmount, promos); err != nil {
		return fmt.Errorf("insert seller offer %s: %w", o.OfferID, err)
	}
	return nil
}

// SellerOffer returns the seller's side of an offer, or ErrNotFound.
func (tx *Tx) SellerOffer(ctx context.Context, offerID string) (SellerOffer, error) {
	var o SellerOffer
	var promos string
	err := tx.tx.QueryRowContext(ctx, `SELECT offer_id, item_id, base_amount, promotions FROM seller_offers WHERE offer_id = ?`, offerID).
		Scan(&o.OfferID, &o.ItemID, &o.BaseAmount, &promos)
	o.Promotions = json.RawMessage(promos)
	return o, notFound(err, "seller offer %s", offerID)
}

// LatestSellerOffer returns the newest offer to an item, or ErrNotFound.
func (tx *Tx) LatestSellerOffer(ctx context.Context, itemID string) (SellerOffer, Offer, error) {
	var so SellerOffer
	var promos string
	err := tx.tx.QueryRowContext(ctx, `SELECT s.offer_id, s.item_id, s.base_amount, s.promotions FROM seller_offers s JOIN offers o ON o.id = s.offer_id
		WHERE s.item_id = ? ORDER BY o.created_at DESC, o.id DESC LIMIT 1`, itemID).Scan(&so.OfferID, &so.ItemID, &so.BaseAmount, &promos)
	if err != nil {
		return so, Offer{}, notFound(err, "offer of seller item %s", itemID)
	}
	so.Promotions = json.RawMessage(promos)
	o, err := tx.Offer(ctx, so.OfferID)
	return so, o, err
}

// UpliftSellerOffer sets an open offer's promotions and total amount.
func (tx *Tx) UpliftSellerOffer(ctx context.Context, offerID string, promotions json.RawMessage, total int64) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE offers SET amount = ? WHERE id = ? AND status = 'open'`, total, offerID)
	if err != nil {
		return fmt.Errorf("uplift offer %s: %w", offerID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("open offer %s: %w", offerID, ErrNotFound)
	}
	if _, err := tx.tx.ExecContext(ctx, `UPDATE seller_offers SET promotions = ? WHERE offer_id = ?`, string(promotions), offerID); err != nil {
		return fmt.Errorf("uplift seller offer %s: %w", offerID, err)
	}
	return nil
}

// AddSellerWebhook records that a webhook endpoint is a seller's.
func (tx *Tx) AddSellerWebhook(ctx context.Context, endpointID, sellerID string) error {
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO seller_webhooks (endpoint_id, seller_id) VALUES (?, ?)`, endpointID, sellerID); err != nil {
		return fmt.Errorf("add webhook %s of seller %s: %w", endpointID, sellerID, err)
	}
	return nil
}

// SellerWebhooks lists the ids of a seller's webhook endpoints.
func (tx *Tx) SellerWebhooks(ctx context.Context, sellerID string) ([]string, error) {
	return sqlitedb.QueryRows(ctx, tx.tx, "webhooks of seller "+sellerID, func(rows *sql.Rows) (id string, err error) { return id, rows.Scan(&id) },
		`SELECT endpoint_id FROM seller_webhooks WHERE seller_id = ? ORDER BY endpoint_id`, sellerID)
}
