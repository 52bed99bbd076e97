package hub

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// RegistryEntry is a device registry flag with the outstanding balance of a
// financed or unpaid device, when known.
type RegistryEntry = hubdb.Flag

// validateAll checks every item before anything is written: the hub never
// publishes what a bench would refuse.
func validateAll[T any](items []T, check func(T) (T, error)) ([]T, error) {
	out := make([]T, len(items))
	for i, it := range items {
		v, err := check(it)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// PutVariants adds or updates catalog variants, with the TACs of their
// models: benches pull both with the variant. A variant's TACs replace
// those it had; they are kept sorted and without duplicates.
func (h *Hub) PutVariants(ctx context.Context, vs []wire.Variant) error {
	vs, err := validateAll(vs, func(v wire.Variant) (wire.Variant, error) {
		if len(v.TACs) > 0 {
			v.TACs = slices.Compact(slices.Sorted(slices.Values(v.TACs)))
		}
		return v, v.Validate()
	})
	if err != nil {
		return err
	}
	return h.db.InTx(ctx, func(tx *hubdb.Tx) error { return tx.PutVariants(ctx, vs, h.now()) })
}

// PutTradeIns adds or replaces trade-ins as the platform sends them.
func (h *Hub) PutTradeIns(ctx context.Context, ts []intake.TradeIn) error {
	ts, err := validateAll(ts, func(t intake.TradeIn) (intake.TradeIn, error) {
		if t.UpdatedAt.IsZero() {
			t.UpdatedAt = h.now().UTC()
		}
		return t, wire.ValidateTradeIn(t)
	})
	if err != nil {
		return err
	}
	return h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		if err := tx.PutTradeIns(ctx, ts, h.now()); err != nil {
			return err
		}
		// A trade-in the platform sends already accepted enters the
		// ledgers as one accepted here does: its unit is expected, stock
		// counts it, and its payout is owed.
		for _, t := range ts {
			if t.Status != intake.StatusAccepted && t.Status != intake.StatusShipped {
				continue
			}
			switch _, err := tx.UnitOf(ctx, t.ID); {
			case err == nil:
				continue
			case !errors.Is(err, hubdb.ErrNotFound):
				return err
			}
			if err := h.accepted(ctx, tx, t, Actor{Kind: "platform"}); err != nil {
				return err
			}
		}
		return nil
	})
}

// PutFlags adds or updates device registry flags.
func (h *Hub) PutFlags(ctx context.Context, fs []RegistryEntry) error {
	_, err := validateAll(fs, func(f RegistryEntry) (RegistryEntry, error) {
		if err := wire.ValidateFlag(f.Flag); err != nil {
			return f, err
		}
		if f.Balance < 0 {
			return f, fmt.Errorf("flag %s: negative balance", f.IMEI)
		}
		return f, nil
	})
	if err != nil {
		return err
	}
	return h.db.InTx(ctx, func(tx *hubdb.Tx) error { return tx.PutFlags(ctx, fs, h.now()) })
}

// PutOperators adds or updates operators. Their PINs arrive hashed.
func (h *Hub) PutOperators(ctx context.Context, ops []wire.Operator) error {
	_, err := validateAll(ops, func(o wire.Operator) (wire.Operator, error) { return o, o.Validate() })
	if err != nil {
		return err
	}
	return h.db.InTx(ctx, func(tx *hubdb.Tx) error { return tx.PutOperators(ctx, ops, h.now()) })
}

// ClearFlags removes registry flags, e.g. a stolen phone found again.
func (h *Hub) ClearFlags(ctx context.Context, imeis []string) error {
	return h.db.InTx(ctx, func(tx *hubdb.Tx) error { return tx.Delete(ctx, wire.EntityFlag, imeis, h.now()) })
}

// DeleteOperators removes operators: benches drop them on their next pull.
func (h *Hub) DeleteOperators(ctx context.Context, ids []string) error {
	return h.db.InTx(ctx, func(tx *hubdb.Tx) error { return tx.Delete(ctx, wire.EntityOperator, ids, h.now()) })
}

// TradeIn returns the hub's state of a trade-in, or ErrNotFound.
func (h *Hub) TradeIn(ctx context.Context, id string) (t intake.TradeIn, err error) {
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		t, err = tx.TradeIn(ctx, id)
		return err
	})
	return t, err
}

// Variants returns the whole catalog, by SKU.
func (h *Hub) Variants(ctx context.Context) (vs []wire.Variant, err error) {
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		vs, err = tx.Variants(ctx)
		return err
	})
	return vs, err
}

// FindVariant returns the variant of a make, model, storage and carrier
// (exact, case-insensitive), or ErrNotFound.
func (h *Hub) FindVariant(ctx context.Context, make, model, storage, carrier string) (v wire.Variant, err error) {
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		v, err = tx.FindVariant(ctx, make, model, storage, carrier)
		return err
	})
	return v, err
}
