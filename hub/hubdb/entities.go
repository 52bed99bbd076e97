package hubdb

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/dbtime"
	"github.com/intakebench/intakebench/internal/sqlitedb"
)

// The entity tables keep each entity's wire JSON in doc, so a page of
// changes is served without re-encoding; the other columns exist to be
// queried. Every write of an entity appends its change to the log in the
// same transaction.

// upsertAll writes rows with one prepared statement and logs each one's
// change.
func upsertAll[T any](ctx context.Context, tx *Tx, items []T, entity wire.Entity, at time.Time, query string,
	row func(T) (id string, args []any, err error)) error {
	stmt, err := tx.tx.PrepareContext(ctx, query)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, it := range items {
		id, args, err := row(it)
		if err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("write %s %s: %w", entity, id, err)
		}
		if err := tx.AppendChange(ctx, entity, id, wire.OpUpsert, at); err != nil {
			return err
		}
	}
	return nil
}

// PutVariants adds or replaces catalog variants as they are given.
func (tx *Tx) PutVariants(ctx context.Context, vs []wire.Variant, at time.Time) error {
	return upsertAll(ctx, tx, vs, wire.EntityVariant, at, `INSERT INTO variants (sku, make, model, storage, carrier, doc, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sku) DO UPDATE SET make = excluded.make, model = excluded.model,
		storage = excluded.storage, carrier = excluded.carrier, doc = excluded.doc, updated_at = excluded.updated_at`,
		func(v wire.Variant) (string, []any, error) {
			doc, err := json.Marshal(v)
			return v.SKU, []any{v.SKU, v.Make, v.Model, v.Storage, v.Carrier, doc, dbtime.Format(at)}, err
		})
}

// Variants returns the whole catalog, by SKU.
func (tx *Tx) Variants(ctx context.Context) ([]wire.Variant, error) {
	return sqlitedb.QueryDocs[wire.Variant](ctx, tx.tx, "catalog variants", `SELECT doc FROM variants ORDER BY sku`)
}

// Variant returns the catalog variant of a SKU, or ErrNotFound.
func (tx *Tx) Variant(ctx context.Context, sku string) (wire.Variant, error) {
	vs, err := sqlitedb.QueryDocs[wire.Variant](ctx, tx.tx, "catalog variant "+sku, `SELECT doc FROM variants WHERE sku = ?`, sku)
	if err != nil {
		return wire.Variant{}, err
	}
	if len(vs) == 0 {
		return wire.Variant{}, fmt.Errorf("variant %s: %w", sku, ErrNotFound)
	}
	return vs[0], nil
}

// FindVariant returns the variant of a make, model, storage and carrier,
// compared without regard to case, or ErrNotFound.
func (tx *Tx) FindVariant(ctx context.Context, make, model, storage, carrier string) (wire.Variant, error) {
	vs, err := sqlitedb.QueryDocs[wire.Variant](ctx, tx.tx, "catalog variants", `SELECT doc FROM variants
		WHERE lower(make) = lower(?) AND lower(model) = lower(?) AND lower(storage) = lower(?) AND lower(carrier) = lower(?)
		ORDER BY sku LIMIT 1`, make, model, storage, carrier)
	if err != nil {
		return wire.Variant{}, err
	}
	if len(vs) == 0 {
		return wire.Variant{}, fmt.Errorf("variant %s %s %s %s: %w", make, model, storage, carrier, ErrNotFound)
	}
	return vs[0], nil
}

// tradeInRow is a trade-in's columns, in tradeInColumns' order.
func tradeInRow(t intake.TradeIn) ([]any, error) {
	doc, err := json.Marshal(t)
	created := t.CreatedAt
	if created.IsZero() {
		created = t.UpdatedAt
	}
	return []any{t.ID, string(t.Status), dbtime.Nullable(t.IMEI), dbtime.Nullable(t.IMEI2), doc, dbtime.Format(t.UpdatedAt),
		string(cmp.Or(t.Source, intake.SourceDemo)), dbtime.Nullable(t.ExternalID), dbtime.Nullable(t.CustomerID), dbtime.Format(created)}, err
}

const tradeInColumns = `(id, status, imei, imei2, doc, updated_at, source, external_id, customer_id, created_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// PutTradeIns adds or replaces trade-ins as they are given.
func (tx *Tx) PutTradeIns(ctx context.Context, ts []intake.TradeIn, at time.Time) error {
	return upsertAll(ctx, tx, ts, wire.EntityTradeIn, at, `INSERT INTO tradeins `+tradeInColumns+`
		ON CONFLICT (id) DO UPDATE SET status = excluded.status, imei = excluded.imei,
		imei2 = excluded.imei2, doc = excluded.doc, updated_at = excluded.updated_at, source = excluded.source,
		external_id = excluded.external_id, customer_id = excluded.customer_id`,
		func(t intake.TradeIn) (string, []any, error) {
			row, err := tradeInRow(t)
			return t.ID, row, err
		})
}

// InsertTradeIn adds a trade-in that must be new.
func (tx *Tx) InsertTradeIn(ctx context.Context, t intake.TradeIn) error {
	row, err := tradeInRow(t)
	if err != nil {
		return err
	}
	if _, err := tx.tx.ExecContext(ctx, `INSERT INTO tradeins `+tradeInColumns, row...); err != nil {
		return fmt.Errorf("insert trade-in %s: %w", t.ID, err)
	}
	return tx.AppendChange(ctx, wire.EntityTradeIn, t.ID, wire.OpUpsert, t.UpdatedAt)
}

// SaveTradeIn writes a trade-in's new state.
func (tx *Tx) SaveTradeIn(ctx context.Context, t intake.TradeIn) error {
	doc, err := json.Marshal(t)
	if err != nil {
		return err
	}
	if _, err := tx.tx.ExecContext(ctx, `UPDATE tradeins SET status = ?, imei = ?, imei2 = ?, doc = ?, updated_at = ?, customer_id = ? WHERE id = ?`,
		string(t.Status), dbtime.Nullable(t.IMEI), dbtime.Nullable(t.IMEI2), doc, dbtime.Format(t.UpdatedAt), dbtime.Nullable(t.CustomerID), t.ID); err != nil {
		return fmt.Errorf("update trade-in %s: %w", t.ID, err)
	}
	return tx.AppendChange(ctx, wire.EntityTradeIn, t.ID, wire.OpUpsert, t.UpdatedAt)
}

// TradeIn returns a trade-in, or ErrNotFound.
func (tx *Tx) TradeIn(ctx context.Context, id string) (intake.TradeIn, error) {
	var doc []byte
	err := tx.tx.QueryRowContext(ctx, `SELECT doc FROM tradeins WHERE id = ?`, id).Scan(&doc)
	if err := notFound(err, "trade-in %s", id); err != nil {
		return intake.TradeIn{}, err
	}
	var t intake.TradeIn
	if err := json.Unmarshal(doc, &t); err != nil {
		return intake.TradeIn{}, fmt.Errorf("decode trade-in %s: %w", id, err)
	}
	return t, nil
}

// TradeInsOfIMEI returns the trade-ins whose first or second IMEI is imei,
// other than the one called except.
func (tx *Tx) TradeInsOfIMEI(ctx context.Context, imei, except string) ([]intake.TradeIn, error) {
	return sqlitedb.QueryDocs[intake.TradeIn](ctx, tx.tx, "trade-ins of "+imei,
		`SELECT doc FROM tradeins WHERE (imei = ? OR imei2 = ?) AND id <> ? ORDER BY id`, imei, imei, except)
}

// PutFlags adds or replaces device registry flags.
func (tx *Tx) PutFlags(ctx context.Context, fs []Flag, at time.Time) error {
	return upsertAll(ctx, tx, fs, wire.EntityFlag, at, `INSERT INTO imei_flags (imei, kind, balance, doc) VALUES (?, ?, ?, ?)
		ON CONFLICT (imei) DO UPDATE SET kind = excluded.kind, balance = excluded.balance, doc = excluded.doc`,
		func(f Flag) (string, []any, error) {
			doc, err := json.Marshal(f.Flag)
			return f.IMEI, []any{f.IMEI, string(f.Kind), int64(f.Balance), doc}, err
		})
}

// Flag is a registry entry: the flag benches see and the outstanding
// balance of a financed device, which only the hub knows.
type Flag struct {
	intake.Flag
	Balance intake.Cents
}

// Flag returns the registry's flag on imei, or ErrNotFound for a device the
// registry does not flag.
func (tx *Tx) Flag(ctx context.Context, imei string) (Flag, error) {
	var doc []byte
	var balance int64
	err := tx.tx.QueryRowContext(ctx, `SELECT doc, balance FROM imei_flags WHERE imei = ?`, imei).Scan(&doc, &balance)
	if err := notFound(err, "flag of %s", imei); err != nil {
		return Flag{}, err
	}
	f := Flag{Balance: intake.Cents(balance)}
	if err := json.Unmarshal(doc, &f.Flag); err != nil {
		return Flag{}, fmt.Errorf("decode flag of %s: %w", imei, err)
	}
	return f, nil
}

// PutOperators adds or replaces operators.
func (tx *Tx) PutOperators(ctx context.Context, ops []wire.Operator, at time.Time) error {
	return upsertAll(ctx, tx, ops, wire.EntityOperator, at, `INSERT INTO operators (id, role, doc) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET role = excluded.role, doc = excluded.doc`,
		func(o wire.Operator) (string, []any, error) {
			doc, err := json.Marshal(o)
			return o.ID, []any{o.ID, string(o.Role), doc}, err
		})
}

// Operator returns an operator as the hub knows them, or ErrNotFound.
func (tx *Tx) Operator(ctx context.Context, id string) (wire.Operator, error) {
	var doc []byte
	err := tx.tx.QueryRowContext(ctx, `SELECT doc FROM operators WHERE id = ?`, id).Scan(&doc)
	if err := notFound(err, "operator %s", id); err != nil {
		return wire.Operator{}, err
	}
	var o wire.Operator
	if err := json.Unmarshal(doc, &o); err != nil {
		return wire.Operator{}, fmt.Errorf("decode operator %s: %w", id, err)
	}
	return o, nil
}

// deletable names the table and key column of an entity Delete removes.
func deletable(e wire.Entity) (table, key string, ok bool) {
	switch e {
	case wire.EntityFlag:
		return "imei_flags", "imei", true
	case wire.EntityOperator:
		return "operators", "id", true
	}
	return "", "", false
}

// Delete removes entities and logs a tombstone for each one that existed.
func (tx *Tx) Delete(ctx context.Context, entity wire.Entity, ids []string, at time.Time) error {
	table, key, ok := deletable(entity)
	if !ok {
		return fmt.Errorf("delete %s: not an entity the hub deletes", entity)
	}
	for _, id := range ids {
		res, err := tx.tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE `+key+` = ?`, id)
		if err != nil {
			return fmt.Errorf("delete %s %s: %w", entity, id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue
		}
		if err := tx.AppendChange(ctx, entity, id, wire.OpDelete, at); err != nil {
			return err
		}
	}
	return nil
}

// exists reports whether query finds a row.
func (tx *Tx) exists(ctx context.Context, what, query string, args ...any) (bool, error) {
	var found bool
	if err := tx.tx.QueryRowContext(ctx, `SELECT EXISTS (`+query+`)`, args...).Scan(&found); err != nil {
		return false, fmt.Errorf("find %s: %w", what, err)
	}
	return found, nil
}
