package hubdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/dbtime"
	"github.com/intakebench/intakebench/internal/sqlitedb"
)

// ErrExists is a row whose unique key another row holds already.
var ErrExists = errors.New("already exists")

// HistoryEntry is one status move of a trade-in.
type HistoryEntry struct {
	From   intake.Status `json:"from"`
	To     intake.Status `json:"to"`
	Actor  string        `json:"actor"`
	Reason string        `json:"reason,omitempty"`
	At     time.Time     `json:"at"`
}

// AppendHistory records a status move.
func (tx *Tx) AppendHistory(ctx context.Context, tradeInID string, h HistoryEntry) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO tradein_history (tradein_id, from_status, to_status, actor, reason, at) VALUES (?, ?, ?, ?, ?, ?)`,
		tradeInID, string(h.From), string(h.To), h.Actor, h.Reason, dbtime.Format(h.At))
	if err != nil {
		return fmt.Errorf("record history of %s: %w", tradeInID, err)
	}
	return nil
}

// History lists a trade-in's status moves, oldest first.
func (tx *Tx) History(ctx context.Context, tradeInID string) ([]HistoryEntry, error) {
	return sqlitedb.QueryRows(ctx, tx.tx, "history of "+tradeInID, func(rows *sql.Rows) (HistoryEntry, error) {
		var h HistoryEntry
		var at string
		if err := rows.Scan(&h.From, &h.To, &h.Actor, &h.Reason, &at); err != nil {
			return h, err
		}
		var err error
		h.At, err = dbtime.Parse(at)
		return h, err
	}, `SELECT from_status, to_status, actor, reason, at FROM tradein_history WHERE tradein_id = ? ORDER BY id`, tradeInID)
}

// TradeInByExternalID returns the trade-in imported under an external id,
// or ErrNotFound.
func (tx *Tx) TradeInByExternalID(ctx context.Context, externalID string) (intake.TradeIn, error) {
	ts, err := sqlitedb.QueryDocs[intake.TradeIn](ctx, tx.tx, "trade-in "+externalID, `SELECT doc FROM tradeins WHERE external_id = ?`, externalID)
	if err != nil {
		return intake.TradeIn{}, err
	}
	if len(ts) == 0 {
		return intake.TradeIn{}, fmt.Errorf("trade-in with external id %s: %w", externalID, ErrNotFound)
	}
	return ts[0], nil
}

// TradeInFilter selects trade-ins for the operator's queue and customers'
// lists. After is the last trade-in of the previous page (by updated_at,
// then id, newest first).
type TradeInFilter struct {
	Status     intake.Status // "" for all
	CustomerID string        // "" for all
	Limit      int
	AfterAt    time.Time
	AfterID    string
}

// TradeIns lists trade-ins, most recently changed first.
func (tx *Tx) TradeIns(ctx context.Context, f TradeInFilter) ([]intake.TradeIn, error) {
	q := `SELECT doc FROM tradeins WHERE (? = '' OR status = ?) AND (? = '' OR customer_id = ?)`
	args := []any{string(f.Status), string(f.Status), f.CustomerID, f.CustomerID}
	if f.AfterID != "" {
		q += ` AND (updated_at < ? OR (updated_at = ? AND id < ?))`
		at := dbtime.Format(f.AfterAt)
		args = append(args, at, at, f.AfterID)
	}
	q += ` ORDER BY updated_at DESC, id DESC LIMIT ?`
	args = append(args, max(f.Limit, 1))
	return sqlitedb.QueryDocs[intake.TradeIn](ctx, tx.tx, "trade-ins", q, args...)
}

// StatusCounts counts trade-ins by status.
func (tx *Tx) StatusCounts(ctx context.Context) (map[intake.Status]int, error) {
	type count struct {
		s intake.Status
		n int
	}
	rows, err := sqlitedb.QueryRows(ctx, tx.tx, "status counts", func(rows *sql.Rows) (count, error) {
		var c count
		return c, rows.Scan(&c.s, &c.n)
	}, `SELECT status, count(*) FROM tradeins GROUP BY status`)
	out := map[intake.Status]int{}
	for _, r := range rows {
		out[r.s] = r.n
	}
	return out, err
}

// Customer is a customer account as stored; Profile is the hub's JSON.
type Customer struct {
	ID           string
	Email        string
	PasswordHash string
	Profile      json.RawMessage
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// InsertCustomer adds an account; an e-mail address already registered is
// ErrExists.
func (tx *Tx) InsertCustomer(ctx context.Context, c Customer) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO customers (id, email, password_hash, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		c.ID, c.Email, c.PasswordHash, string(c.Profile), dbtime.Format(c.CreatedAt), dbtime.Format(c.UpdatedAt))
	if uniqueViolation(err) {
		return fmt.Errorf("customer %s: %w", c.Email, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("insert customer: %w", err)
	}
	return nil
}

// SaveCustomerProfile replaces a customer's profile.
func (tx *Tx) SaveCustomerProfile(ctx context.Context, id string, profile json.RawMessage, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE customers SET doc = ?, updated_at = ? WHERE id = ?`, string(profile), dbtime.Format(at), id)
	if err != nil {
		return fmt.Errorf("update customer %s: %w", id, err)
	}
	return nil
}

func scanCustomer(rows interface{ Scan(...any) error }) (Customer, error) {
	var c Customer
	var doc, created, updated string
	if err := rows.Scan(&c.ID, &c.Email, &c.PasswordHash, &doc, &created, &updated); err != nil {
		return c, err
	}
	c.Profile = json.RawMessage(doc)
	var err error
	if c.CreatedAt, err = dbtime.Parse(created); err != nil {
		return c, err
	}
	c.UpdatedAt, err = dbtime.Parse(updated)
	return c, err
}

const customerColumns = `SELECT id, email, password_hash, doc, created_at, updated_at FROM customers`

// CustomerByEmail returns the account of an e-mail address, or ErrNotFound.
func (tx *Tx) CustomerByEmail(ctx context.Context, email string) (Customer, error) {
	c, err := scanCustomer(tx.tx.QueryRowContext(ctx, customerColumns+` WHERE email = ?`, email))
	return c, notFound(err, "customer")
}

// Customer returns an account, or ErrNotFound.
func (tx *Tx) Customer(ctx context.Context, id string) (Customer, error) {
	c, err := scanCustomer(tx.tx.QueryRowContext(ctx, customerColumns+` WHERE id = ?`, id))
	return c, notFound(err, "customer %s", id)
}

// Customers lists accounts by id, after the id given.
func (tx *Tx) Customers(ctx context.Context, after string, limit int) ([]Customer, error) {
	return sqlitedb.QueryRows(ctx, tx.tx, "customers", func(rows *sql.Rows) (Customer, error) { return scanCustomer(rows) },
		customerColumns+` WHERE id > ? ORDER BY id LIMIT ?`, after, max(limit, 1))
}

// CustomerCount counts customer accounts.
func (tx *Tx) CustomerCount(ctx context.Context) (n int, err error) {
	err = tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM customers`).Scan(&n)
	return n, err
}

// InsertSession records a customer's login under its token's hash.
func (tx *Tx) InsertSession(ctx context.Context, tokenHash, customerID string, created, expires time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO customer_sessions (token_hash, customer_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		tokenHash, customerID, dbtime.Format(created), dbtime.Format(expires))
	if err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	return nil
}

// Session returns the customer of a live session (not revoked, not
// expired at now), or ErrNotFound.
func (tx *Tx) Session(ctx context.Context, tokenHash string, now time.Time) (customerID string, err error) {
	err = tx.tx.QueryRowContext(ctx, `SELECT customer_id FROM customer_sessions
		WHERE token_hash = ? AND revoked_at IS NULL AND expires_at > ?`, tokenHash, dbtime.Format(now)).Scan(&customerID)
	return customerID, notFound(err, "session")
}

// RevokeSession ends a session.
func (tx *Tx) RevokeSession(ctx context.Context, tokenHash string, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE customer_sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL`,
		dbtime.Format(at), tokenHash)
	if err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	return nil
}

// CustomerPhoto is a photo a customer uploaded.
type CustomerPhoto struct {
	ID         string
	CustomerID string
	SHA256     string
	MIME       string
	CreatedAt  time.Time
}

// InsertCustomerPhoto records an uploaded photo whose blob is stored.
func (tx *Tx) InsertCustomerPhoto(ctx context.Context, p CustomerPhoto) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO customer_photos (id, customer_id, sha256, mime, created_at) VALUES (?, ?, ?, ?, ?)`,
		p.ID, p.CustomerID, p.SHA256, p.MIME, dbtime.Format(p.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert photo: %w", err)
	}
	return nil
}

// CustomerPhoto returns an uploaded photo's record, or ErrNotFound.
func (tx *Tx) CustomerPhoto(ctx context.Context, id string) (CustomerPhoto, error) {
	var p CustomerPhoto
	var created string
	err := tx.tx.QueryRowContext(ctx, `SELECT id, customer_id, sha256, mime, created_at FROM customer_photos WHERE id = ?`, id).
		Scan(&p.ID, &p.CustomerID, &p.SHA256, &p.MIME, &created)
	if err := notFound(err, "photo %s", id); err != nil {
		return p, err
	}
	p.CreatedAt, err = dbtime.Parse(created)
	return p, err
}

// Offer is a price sent to a customer for a trade-in.
type Offer struct {
	ID         string     `json:"id"`
	TradeInID  string     `json:"submission_id"`
	Amount     int64      `json:"-"`
	Notes      string     `json:"notes"`
	ExpiresAt  time.Time  `json:"expires_at"`
	Status     string     `json:"status"` // open, accepted, declined, superseded
	Reason     string     `json:"reason,omitempty"`
	CreatedBy  string     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
}

// InsertOffer records a new offer, superseding the trade-in's open one.
func (tx *Tx) InsertOffer(ctx context.Context, o Offer) error {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE offers SET status = 'superseded', answered_at = ? WHERE tradein_id = ? AND status = 'open'`,
		dbtime.Format(o.CreatedAt), o.TradeInID); err != nil {
		return fmt.Errorf("supersede offers of %s: %w", o.TradeInID, err)
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO offers (id, tradein_id, amount, notes, expires_at, status, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, 'open', ?, ?)`, o.ID, o.TradeInID, o.Amount, o.Notes, dbtime.Format(o.ExpiresAt), o.CreatedBy, dbtime.Format(o.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert offer: %w", err)
	}
	return nil
}

// AnswerOffer closes an open offer as accepted or declined.
func (tx *Tx) AnswerOffer(ctx context.Context, id, status, reason string, at time.Time) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE offers SET status = ?, reason = ?, answered_at = ? WHERE id = ? AND status = 'open'`,
		status, reason, dbtime.Format(at), id)
	if err != nil {
		return fmt.Errorf("answer offer %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("open offer %s: %w", id, ErrNotFound)
	}
	return nil
}

func scanOffer(row interface{ Scan(...any) error }) (Offer, error) {
	var o Offer
	var expires, created string
	var answered sql.NullString
	if err := row.Scan(&o.ID, &o.TradeInID, &o.Amount, &o.Notes, &expires, &o.Status, &o.Reason, &o.CreatedBy, &created, &answered); err != nil {
		return o, err
	}
	var err error
	if o.ExpiresAt, err = dbtime.Parse(expires); err != nil {
		return o, err
	}
	if o.CreatedAt, err = dbtime.Parse(created); err != nil {
		return o, err
	}
	if answered.Valid {
		at, err := dbtime.Parse(answered.String)
		if err != nil {
			return o, err
		}
		o.AnsweredAt = &at
	}
	return o, nil
}

const offerColumns = `SELECT id, tradein_id, amount, notes, expires_at, status, reason, created_by, created_at, answered_at FROM offers`

// Offer returns an offer, or ErrNotFound.
func (tx *Tx) Offer(ctx context.Context, id string) (Offer, error) {
	o, err := scanOffer(tx.tx.QueryRowContext(ctx, offerColumns+` WHERE id = ?`, id))
	return o, notFound(err, "offer %s", id)
}

// Offers lists a trade-in's offers, oldest first.
func (tx *Tx) Offers(ctx context.Context, tradeInID string) ([]Offer, error) {
	return sqlitedb.QueryRows(ctx, tx.tx, "offers of "+tradeInID, func(rows *sql.Rows) (Offer, error) { return scanOffer(rows) },
		offerColumns+` WHERE tradein_id = ? ORDER BY created_at, id`, tradeInID)
}

// InsertIMEICheck records the registry's answer for a trade-in's IMEI.
func (tx *Tx) InsertIMEICheck(ctx context.Context, tradeInID, checkedBy string, c intake.IMEICheck, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO imei_checks (tradein_id, imei, status, reason, carrier, checked_by, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		tradeInID, c.IMEI, string(c.Status), c.Reason, c.Carrier, checkedBy, dbtime.Format(at))
	if err != nil {
		return fmt.Errorf("record IMEI check of %s: %w", tradeInID, err)
	}
	return nil
}

// LatestIMEICheck returns the last IMEI check of a trade-in, or ErrNotFound.
func (tx *Tx) LatestIMEICheck(ctx context.Context, tradeInID string) (intake.IMEICheck, error) {
	var c intake.IMEICheck
	var at string
	err := tx.tx.QueryRowContext(ctx, `SELECT imei, status, reason, carrier, checked_at FROM imei_checks WHERE tradein_id = ? ORDER BY id DESC LIMIT 1`,
		tradeInID).Scan(&c.IMEI, &c.Status, &c.Reason, &c.Carrier, &at)
	if err := notFound(err, "IMEI check of %s", tradeInID); err != nil {
		return c, err
	}
	c.CheckedAt, err = dbtime.Parse(at)
	return c, err
}

// PutShipment records how a trade-in's device travels (doc is the hub's
// JSON), replacing an earlier arrangement.
func (tx *Tx) PutShipment(ctx context.Context, tradeInID string, doc []byte, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO shipments (tradein_id, doc, created_at) VALUES (?, ?, ?)
		ON CONFLICT (tradein_id) DO UPDATE SET doc = excluded.doc`, tradeInID, string(doc), dbtime.Format(at))
	if err != nil {
		return fmt.Errorf("record shipment of %s: %w", tradeInID, err)
	}
	return nil
}

// Shipment returns a trade-in's shipment doc, or ErrNotFound.
func (tx *Tx) Shipment(ctx context.Context, tradeInID string) ([]byte, error) {
	var doc []byte
	err := tx.tx.QueryRowContext(ctx, `SELECT doc FROM shipments WHERE tradein_id = ?`, tradeInID).Scan(&doc)
	return doc, notFound(err, "shipment of %s", tradeInID)
}

// Unit is a device as stock.
type Unit struct {
	ID        string `json:"id"`
	TradeInID string `json:"trade_in_id"`
	IMEI      string `json:"imei"`
	SKU       string `json:"sku"`
	Status    string `json:"status"` // expected, received, returned (sent back), cancelled (never came)
	// LabelID is the id on the unit label the receiving bench printed
	// (its receipt's; see InsertReceipt); empty before a bench received
	// the device. Read only: it is the receipt's.
	LabelID   string    `json:"label_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// InsertUnit creates a trade-in's unit; a trade-in has one.
func (tx *Tx) InsertUnit(ctx context.Context, u Unit) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO units (id, tradein_id, imei, sku, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.TradeInID, u.IMEI, u.SKU, u.Status, dbtime.Format(u.CreatedAt), dbtime.Format(u.UpdatedAt))
	if uniqueViolation(err) {
		return fmt.Errorf("unit of %s: %w", u.TradeInID, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("insert unit of %s: %w", u.TradeInID, err)
	}
	return nil
}

// SetUnitStatus moves a trade-in's unit, if it has one, to status.
func (tx *Tx) SetUnitStatus(ctx context.Context, tradeInID, status string, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE units SET status = ?, updated_at = ? WHERE tradein_id = ?`, status, dbtime.Format(at), tradeInID)
	if err != nil {
		return fmt.Errorf("update unit of %s: %w", tradeInID, err)
	}
	return nil
}

func scanUnit(row interface{ Scan(...any) error }) (Unit, error) {
	var u Unit
	var created, updated string
	var label sql.NullString
	if err := row.Scan(&u.ID, &u.TradeInID, &u.IMEI, &u.SKU, &u.Status, &label, &created, &updated); err != nil {
		return u, err
	}
	u.LabelID = label.String
	var err error
	if u.CreatedAt, err = dbtime.Parse(created); err != nil {
		return u, err
	}
	u.UpdatedAt, err = dbtime.Parse(updated)
	return u, err
}

const unitColumns = `SELECT u.id, u.tradein_id, u.imei, u.sku, u.status, r.label_id, u.created_at, u.updated_at
	FROM units u LEFT JOIN receipts r ON r.tradein_id = u.tradein_id`

// UnitOf returns a trade-in's unit, or ErrNotFound.
func (tx *Tx) UnitOf(ctx context.Context, tradeInID string) (Unit, error) {
	u, err := scanUnit(tx.tx.QueryRowContext(ctx, unitColumns+` WHERE u.tradein_id = ?`, tradeInID))
	return u, notFound(err, "unit of %s", tradeInID)
}

// EachUnit calls fn with every unit changed at or after since, oldest
// change first.
func (tx *Tx) EachUnit(ctx context.Context, since time.Time, fn func(Unit) error) error {
	return each(ctx, tx, "units", scanUnit, fn, unitColumns+` WHERE u.updated_at >= ? ORDER BY u.updated_at, u.id`, dbtime.Format(since))
}

// each streams a query's rows through scan into fn without holding them
// all: exports run over millions.
func each[T any](ctx context.Context, tx *Tx, what string, scan func(interface{ Scan(...any) error }) (T, error), fn func(T) error, query string, args ...any) error {
	rows, err := tx.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return fmt.Errorf("read %s: %w", what, err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	return nil
}

// AppendPayout appends an entry to a trade-in's payout ledger and returns
// its id. The caller has checked it against the ledger (intake.PayoutOf).
func (tx *Tx) AppendPayout(ctx context.Context, e intake.PayoutEntry) (int64, error) {
	var id int64
	err := tx.tx.QueryRowContext(ctx, `INSERT INTO payout_entries (tradein_id, kind, amount, method, destination, reference, actor, note, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, e.TradeInID, string(e.Kind), int64(e.Amount), string(e.Method), e.Destination, e.Reference,
		e.Actor, e.Note, dbtime.Format(e.At)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("append payout entry of %s: %w", e.TradeInID, err)
	}
	return id, nil
}

func scanPayout(row interface{ Scan(...any) error }) (intake.PayoutEntry, error) {
	var e intake.PayoutEntry
	var at string
	if err := row.Scan(&e.ID, &e.TradeInID, &e.Kind, &e.Amount, &e.Method, &e.Destination, &e.Reference, &e.Actor, &e.Note, &at); err != nil {
		return e, err
	}
	var err error
	e.At, err = dbtime.Parse(at)
	return e, err
}

const payoutColumns = `SELECT id, tradein_id, kind, amount, method, destination, reference, actor, note, at FROM payout_entries`

// PayoutLedger returns a trade-in's payout ledger, oldest first, and where
// its payout stands by it (intake.PayoutOf).
func (tx *Tx) PayoutLedger(ctx context.Context, tradeInID string) ([]intake.PayoutEntry, intake.PayoutStanding, error) {
	entries, err := tx.PayoutEntries(ctx, tradeInID)
	if err != nil {
		return nil, intake.PayoutStanding{}, err
	}
	standing, err := intake.PayoutOf(entries)
	if err != nil {
		return nil, intake.PayoutStanding{}, fmt.Errorf("payout of %s: %w", tradeInID, err)
	}
	return entries, standing, nil
}

// PayoutEntries returns a trade-in's payout ledger, oldest first.
func (tx *Tx) PayoutEntries(ctx context.Context, tradeInID string) ([]intake.PayoutEntry, error) {
	return sqlitedb.QueryRows(ctx, tx.tx, "payouts of "+tradeInID, func(rows *sql.Rows) (intake.PayoutEntry, error) { return scanPayout(rows) },
		payoutColumns+` WHERE tradein_id = ? ORDER BY id`, tradeInID)
}

// EachPayoutEntry calls fn with every payout entry made at or after since,
// in ledger order.
func (tx *Tx) EachPayoutEntry(ctx context.Context, since time.Time, fn func(intake.PayoutEntry) error) error {
	return each(ctx, tx, "payout ledger", scanPayout, fn, payoutColumns+` WHERE at >= ? ORDER BY id`, dbtime.Format(since))
}

// DuePayouts lists trade-ins whose payout is released and nothing since
// (not settled, not failed: a failed one waits for staff to release it
// again), by method, oldest release first.
func (tx *Tx) DuePayouts(ctx context.Context, method intake.PayoutMethod, limit int) ([]string, error) {
	return sqlitedb.QueryStrings(ctx, tx.tx, "due payouts", `SELECT r.tradein_id FROM payout_entries r WHERE r.kind = 'release' AND r.method = ?
		AND NOT EXISTS (SELECT 1 FROM payout_entries s WHERE s.tradein_id = r.tradein_id AND s.id > r.id)
		ORDER BY r.id LIMIT ?`, string(method), max(limit, 1))
}

// FailedPayouts lists trade-ins whose payout the processor declined and
// nobody has released again (the fail is the ledger's last entry), oldest
// failure first.
func (tx *Tx) FailedPayouts(ctx context.Context, limit int) ([]string, error) {
	return sqlitedb.QueryStrings(ctx, tx.tx, "failed payouts", `SELECT f.tradein_id FROM payout_entries f WHERE f.kind = 'fail'
		AND NOT EXISTS (SELECT 1 FROM payout_entries s WHERE s.tradein_id = f.tradein_id AND s.id > f.id)
		ORDER BY f.id LIMIT ?`, max(limit, 1))
}

// PayoutTotals sums the payouts that stand in each state.
func (tx *Tx) PayoutTotals(ctx context.Context) (map[intake.PayoutState]int64, error) {
	// The last entry of each ledger says where it stands, and its amount
	// is what stands there.
	type total struct {
		kind   intake.PayoutEntryKind
		amount int64
	}
	rows, err := sqlitedb.QueryRows(ctx, tx.tx, "payout totals", func(rows *sql.Rows) (total, error) {
		var t total
		return t, rows.Scan(&t.kind, &t.amount)
	}, `SELECT e.kind, CAST(sum(e.amount) AS BIGINT) FROM payout_entries e
		WHERE e.id = (SELECT max(id) FROM payout_entries l WHERE l.tradein_id = e.tradein_id) GROUP BY e.kind`)
	states := map[intake.PayoutEntryKind]intake.PayoutState{intake.PayoutObligation: intake.PayoutOwed, intake.PayoutHold: intake.PayoutHeld,
		intake.PayoutRelease: intake.PayoutDue, intake.PayoutSettle: intake.PayoutSettled, intake.PayoutFail: intake.PayoutFailed,
		intake.PayoutVoid: intake.PayoutVoided}
	out := map[intake.PayoutState]int64{}
	for _, r := range rows {
		out[states[r.kind]] += r.amount
	}
	return out, err
}

// AppendStock appends a movement to a product's stock ledger.
func (tx *Tx) AppendStock(ctx context.Context, e intake.StockEntry) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO stock_entries (sku, delta, reason, tradein_id, unit_id, at) VALUES (?, ?, ?, ?, ?, ?)`,
		e.SKU, e.Delta, string(e.Reason), dbtime.Nullable(e.TradeInID), dbtime.Nullable(e.UnitID), dbtime.Format(e.At))
	if err != nil {
		return fmt.Errorf("append stock entry of %s: %w", e.SKU, err)
	}
	return nil
}

// Stock is a product's stock: the sum of its ledger.
func (tx *Tx) Stock(ctx context.Context, sku string) (int64, error) {
	var n int64
	err := tx.tx.QueryRowContext(ctx, `SELECT CAST(COALESCE(sum(delta), 0) AS BIGINT) FROM stock_entries WHERE sku = ?`, sku).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("stock of %s: %w", sku, err)
	}
	return n, nil
}

func scanStock(row interface{ Scan(...any) error }) (intake.StockEntry, error) {
	var e intake.StockEntry
	var tradeIn, unit sql.NullString
	var at string
	if err := row.Scan(&e.ID, &e.SKU, &e.Delta, &e.Reason, &tradeIn, &unit, &at); err != nil {
		return e, err
	}
	e.TradeInID, e.UnitID = tradeIn.String, unit.String
	var err error
	e.At, err = dbtime.Parse(at)
	return e, err
}

// EachStockEntry calls fn with every stock movement at or after since, in
// ledger order.
func (tx *Tx) EachStockEntry(ctx context.Context, since time.Time, fn func(intake.StockEntry) error) error {
	return each(ctx, tx, "stock ledger", scanStock, fn,
		`SELECT id, sku, delta, reason, tradein_id, unit_id, at FROM stock_entries WHERE at >= ? ORDER BY id`, dbtime.Format(since))
}

// StockEntriesOf lists a trade-in's stock movements, oldest first.
func (tx *Tx) StockEntriesOf(ctx context.Context, tradeInID string) ([]intake.StockEntry, error) {
	return sqlitedb.QueryRows(ctx, tx.tx, "stock of "+tradeInID, func(rows *sql.Rows) (intake.StockEntry, error) { return scanStock(rows) },
		`SELECT id, sku, delta, reason, tradein_id, unit_id, at FROM stock_entries WHERE tradein_id = ? ORDER BY id`, tradeInID)
}

// Valuation is a product's base value (seed 003's admin valuations).
type Valuation struct {
	ID        string
	ProductID string
	BaseValue int64
	Doc       json.RawMessage
	CreatedAt time.Time
	UpdatedAt time.Time
}

// PutValuation adds or replaces a valuation; a product valued under
// another id is ErrExists.
func (tx *Tx) PutValuation(ctx context.Context, v Valuation) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO valuations (id, product_id, base_value, doc, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET product_id = excluded.product_id, base_value = excluded.base_value, doc = excluded.doc,
		updated_at = excluded.updated_at`, v.ID, v.ProductID, v.BaseValue, string(v.Doc), dbtime.Format(v.CreatedAt), dbtime.Format(v.UpdatedAt))
	if uniqueViolation(err) {
		return fmt.Errorf("valuation of %s: %w", v.ProductID, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("write valuation %s: %w", v.ID, err)
	}
	return nil
}

func scanValuation(row interface{ Scan(...any) error }) (Valuation, error) {
	var v Valuation
	var doc, created, updated string
	if err := row.Scan(&v.ID, &v.ProductID, &v.BaseValue, &doc, &created, &updated); err != nil {
		return v, err
	}
	v.Doc = json.RawMessage(doc)
	var err error
	if v.CreatedAt, err = dbtime.Parse(created); err != nil {
		return v, err
	}
	v.UpdatedAt, err = dbtime.Parse(updated)
	return v, err
}

const valuationColumns = `SELECT id, product_id, base_value, doc, created_at, updated_at FROM valuations`

// Valuation returns a valuation by id, or ErrNotFound.
func (tx *Tx) Valuation(ctx context.Context, id string) (Valuation, error) {
	v, err := scanValuation(tx.tx.QueryRowContext(ctx, valuationColumns+` WHERE id = ?`, id))
	return v, notFound(err, "valuation %s", id)
}

// ValuationOf returns a product's valuation, or ErrNotFound.
func (tx *Tx) ValuationOf(ctx context.Context, productID string) (Valuation, error) {
	v, err := scanValuation(tx.tx.QueryRowContext(ctx, valuationColumns+` WHERE product_id = ?`, productID))
	return v, notFound(err, "valuation of %s", productID)
}

// Valuations lists every valuation by product.
func (tx *Tx) Valuations(ctx context.Context) ([]Valuation, error) {
	return sqlitedb.QueryRows(ctx, tx.tx, "valuations", func(rows *sql.Rows) (Valuation, error) { return scanValuation(rows) },
		valuationColumns+` ORDER BY product_id`)
}

// DeleteValuation removes a valuation, or says ErrNotFound.
func (tx *Tx) DeleteValuation(ctx context.Context, id string) error {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM valuations WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete valuation %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("valuation %s: %w", id, ErrNotFound)
	}
	return nil
}

// Mail is an e-mail waiting in the outbox; Doc is the message as the hub
// wrote it.
type Mail struct {
	ID        int64
	Kind      string
	Recipient string
	Doc       json.RawMessage
	Attempts  int
}

// EnqueueMail adds an e-mail to the outbox, due at once.
func (tx *Tx) EnqueueMail(ctx context.Context, kind, recipient string, doc []byte, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO mail_outbox (kind, recipient, doc, created_at, next_attempt) VALUES (?, ?, ?, ?, ?)`,
		kind, recipient, string(doc), dbtime.Format(at), dbtime.Format(at))
	if err != nil {
		return fmt.Errorf("queue %s mail: %w", kind, err)
	}
	return nil
}

// DueMail lists unsent e-mails whose next attempt is due at now, of any
// kind but except.
func (tx *Tx) DueMail(ctx context.Context, now time.Time, limit int, except ...string) ([]Mail, error) {
	q := `SELECT id, kind, recipient, doc, attempts FROM mail_outbox WHERE sent_at IS NULL AND next_attempt <= ?`
	args := []any{dbtime.Format(now)}
	if len(except) > 0 {
		q += ` AND kind NOT IN (?` + strings.Repeat(`, ?`, len(except)-1) + `)`
		for _, k := range except {
			args = append(args, k)
		}
	}
	return tx.dueMail(ctx, q+` ORDER BY id LIMIT ?`, append(args, max(limit, 1))...)
}

// DueMailOf lists the unsent rows of kind whose next attempt is due at
// now: a kind that waits for what sends it does not wait behind others.
func (tx *Tx) DueMailOf(ctx context.Context, now time.Time, kind string, limit int) ([]Mail, error) {
	return tx.dueMail(ctx, `SELECT id, kind, recipient, doc, attempts FROM mail_outbox WHERE sent_at IS NULL AND next_attempt <= ? AND kind = ? ORDER BY id LIMIT ?`,
		dbtime.Format(now), kind, max(limit, 1))
}

func (tx *Tx) dueMail(ctx context.Context, q string, args ...any) ([]Mail, error) {
	return sqlitedb.QueryRows(ctx, tx.tx, "mail outbox", func(rows *sql.Rows) (Mail, error) {
		var m Mail
		var doc string
		err := rows.Scan(&m.ID, &m.Kind, &m.Recipient, &doc, &m.Attempts)
		m.Doc = json.RawMessage(doc)
		return m, err
	}, q, args...)
}

// ClaimMail takes an unsent row of the outbox for one sender until until:
// it is due no more till then, so another hub process that listed it too
// passes over it (the update's condition is checked again after a
// concurrent one commits, on both databases). It reports whether this
// caller got it. A sender that dies before MailSent or MailFailed leaves
// the row to be tried again at until.
func (tx *Tx) ClaimMail(ctx context.Context, id int64, now, until time.Time) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `UPDATE mail_outbox SET next_attempt = ? WHERE id = ? AND sent_at IS NULL AND next_attempt <= ?`,
		dbtime.Format(until), id, dbtime.Format(now))
	if err != nil {
		return false, fmt.Errorf("claim mail %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("claim mail %d: %w", id, err)
	}
	return n == 1, nil
}

// MailSent marks an e-mail sent.
func (tx *Tx) MailSent(ctx context.Context, id int64, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE mail_outbox SET sent_at = ?, attempts = attempts + 1 WHERE id = ?`, dbtime.Format(at), id)
	return err
}

// MailFailed records a failed attempt and when to try again.
func (tx *Tx) MailFailed(ctx context.Context, id int64, reason string, next time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE mail_outbox SET attempts = attempts + 1, last_error = ?, next_attempt = ? WHERE id = ?`,
		reason, dbtime.Format(next), id)
	return err
}
