package hub

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/sqlitedb"
)

// ErrNotFound is an entity the hub does not hold.
var ErrNotFound = errors.New("not found")

// RegistryEntry is a device registry flag with the outstanding balance of a
// financed or unpaid device, when known.
type RegistryEntry struct {
	intake.Flag
	Balance intake.Cents
}

// recordChange appends an entity's change to the log, replacing its earlier
// entry: the log keeps the latest change per entity, at a new sequence number.
func (h *Hub) recordChange(ctx context.Context, tx *sql.Tx, entity wire.Entity, id string, op wire.Op) error {
	_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO changes (entity, entity_id, op, at) VALUES (?, ?, ?, ?)`,
		string(entity), id, string(op), formatTime(h.now()))
	if err != nil {
		return fmt.Errorf("log change of %s %s: %w", entity, id, err)
	}
	return nil
}

// upsert writes a batch of entities with their changes in one transaction.
// Each item is validated first: the hub never publishes what a bench would
// refuse.
func upsert[T any](ctx context.Context, h *Hub, items []T, entity wire.Entity, query string,
	row func(T) (id string, args []any, err error)) error {
	return h.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, query)
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
			if err := h.recordChange(ctx, tx, entity, id, wire.OpUpsert); err != nil {
				return err
			}
		}
		return nil
	})
}

// PutVariants adds or updates catalog variants, with the TACs of their
// models: benches pull both with the variant. A variant's TACs replace
// those it had; they are kept sorted and without duplicates.
func (h *Hub) PutVariants(ctx context.Context, vs []wire.Variant) error {
	return upsert(ctx, h, vs, wire.EntityVariant, `INSERT INTO variants (sku, make, model, storage, carrier, doc, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sku) DO UPDATE SET make = excluded.make, model = excluded.model,
		storage = excluded.storage, carrier = excluded.carrier, doc = excluded.doc, updated_at = excluded.updated_at`,
		func(v wire.Variant) (string, []any, error) {
			if err := v.Validate(); err != nil {
				return "", nil, err
			}
			if len(v.TACs) > 0 {
				v.TACs = slices.Compact(slices.Sorted(slices.Values(v.TACs)))
			}
			doc, err := json.Marshal(v)
			return v.SKU, []any{v.SKU, v.Make, v.Model, v.Storage, v.Carrier, doc, formatTime(h.now())}, err
		})
}

// PutTradeIns adds or replaces trade-ins as the platform sends them.
func (h *Hub) PutTradeIns(ctx context.Context, ts []intake.TradeIn) error {
	return upsert(ctx, h, ts, wire.EntityTradeIn, `INSERT INTO tradeins (id, status, imei, imei2, doc, updated_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET status = excluded.status, imei = excluded.imei,
		imei2 = excluded.imei2, doc = excluded.doc, updated_at = excluded.updated_at`,
		func(t intake.TradeIn) (string, []any, error) {
			if t.UpdatedAt.IsZero() {
				t.UpdatedAt = h.now().UTC()
			}
			if err := wire.ValidateTradeIn(t); err != nil {
				return "", nil, err
			}
			doc, err := json.Marshal(t)
			return t.ID, []any{t.ID, string(t.Status), nullable(t.IMEI), nullable(t.IMEI2), doc, formatTime(t.UpdatedAt)}, err
		})
}

// PutFlags adds or updates device registry flags.
func (h *Hub) PutFlags(ctx context.Context, fs []RegistryEntry) error {
	return upsert(ctx, h, fs, wire.EntityFlag, `INSERT INTO imei_flags (imei, kind, balance, doc) VALUES (?, ?, ?, ?)
		ON CONFLICT (imei) DO UPDATE SET kind = excluded.kind, balance = excluded.balance, doc = excluded.doc`,
		func(f RegistryEntry) (string, []any, error) {
			if err := wire.ValidateFlag(f.Flag); err != nil {
				return "", nil, err
			}
			if f.Balance < 0 {
				return "", nil, fmt.Errorf("flag %s: negative balance", f.IMEI)
			}
			doc, err := json.Marshal(f.Flag)
			return f.IMEI, []any{f.IMEI, string(f.Kind), int64(f.Balance), doc}, err
		})
}

// PutOperators adds or updates operators. Their PINs arrive hashed.
func (h *Hub) PutOperators(ctx context.Context, ops []wire.Operator) error {
	return upsert(ctx, h, ops, wire.EntityOperator, `INSERT INTO operators (id, role, doc) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET role = excluded.role, doc = excluded.doc`,
		func(o wire.Operator) (string, []any, error) {
			if err := o.Validate(); err != nil {
				return "", nil, err
			}
			doc, err := json.Marshal(o)
			return o.ID, []any{o.ID, string(o.Role), doc}, err
		})
}

// ClearFlags removes registry flags, e.g. a stolen phone found again.
func (h *Hub) ClearFlags(ctx context.Context, imeis []string) error {
	return h.deleteEntities(ctx, wire.EntityFlag, `DELETE FROM imei_flags WHERE imei = ?`, imeis)
}

// DeleteOperators removes operators: benches drop them on their next pull.
func (h *Hub) DeleteOperators(ctx context.Context, ids []string) error {
	return h.deleteEntities(ctx, wire.EntityOperator, `DELETE FROM operators WHERE id = ?`, ids)
}

func (h *Hub) deleteEntities(ctx context.Context, entity wire.Entity, query string, ids []string) error {
	return h.inTx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			res, err := tx.ExecContext(ctx, query, id)
			if err != nil {
				return fmt.Errorf("delete %s %s: %w", entity, id, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			if err := h.recordChange(ctx, tx, entity, id, wire.OpDelete); err != nil {
				return err
			}
		}
		return nil
	})
}

// TradeIn returns the hub's state of a trade-in, or ErrNotFound.
func (h *Hub) TradeIn(ctx context.Context, id string) (intake.TradeIn, error) {
	return tradeIn(ctx, h.read, id)
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func tradeIn(ctx context.Context, q queryRower, id string) (intake.TradeIn, error) {
	var doc []byte
	err := q.QueryRowContext(ctx, `SELECT doc FROM tradeins WHERE id = ?`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return intake.TradeIn{}, fmt.Errorf("trade-in %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return intake.TradeIn{}, fmt.Errorf("read trade-in %s: %w", id, err)
	}
	var t intake.TradeIn
	if err := json.Unmarshal(doc, &t); err != nil {
		return intake.TradeIn{}, fmt.Errorf("decode trade-in %s: %w", id, err)
	}
	return t, nil
}

// Variants returns the whole catalog, by SKU.
func (h *Hub) Variants(ctx context.Context) ([]wire.Variant, error) {
	return h.variants(ctx, `SELECT doc FROM variants ORDER BY sku`)
}

// FindVariant returns the variant of a make, model, storage and carrier
// (exact, case-insensitive), or ErrNotFound.
func (h *Hub) FindVariant(ctx context.Context, make, model, storage, carrier string) (wire.Variant, error) {
	vs, err := h.variants(ctx, `SELECT doc FROM variants WHERE make = ? COLLATE NOCASE AND model = ? COLLATE NOCASE
		AND storage = ? COLLATE NOCASE AND carrier = ? COLLATE NOCASE ORDER BY sku LIMIT 1`, make, model, storage, carrier)
	if err != nil {
		return wire.Variant{}, err
	}
	if len(vs) == 0 {
		return wire.Variant{}, fmt.Errorf("variant %s %s %s %s: %w", make, model, storage, carrier, ErrNotFound)
	}
	return vs[0], nil
}

func (h *Hub) variants(ctx context.Context, query string, args ...any) ([]wire.Variant, error) {
	return sqlitedb.QueryDocs[wire.Variant](ctx, h.read, "catalog variants", query, args...)
}
