package hub

import (
	"context"
	"fmt"
	"time"

	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/sync/wire"
)

// DemoSeed is what SeedDemo writes.
type DemoSeed struct {
	TradeIns int
	Seed     uint64
}

// SeedSummary counts what a seed wrote.
type SeedSummary struct{ Variants, Operators, TradeIns, Flags int }

// SeedDemo fills the hub with the demo catalog, its prices and TACs, the demo
// operators (PINs hashed) and accepted trade-ins with their registry flags.
func (h *Hub) SeedDemo(ctx context.Context, s DemoSeed) (SeedSummary, error) {
	var sum SeedSummary
	var vs []wire.Variant
	for _, v := range demo.Variants() {
		vs = append(vs, wire.Variant{SKU: v.SKU, Make: v.Model.Make, Model: v.Model.Name, Storage: v.Storage, Carrier: v.Carrier, Prices: v.Prices,
			TACs: v.Model.TACs})
	}
	if err := h.PutVariants(ctx, vs); err != nil {
		return sum, fmt.Errorf("seed catalog: %w", err)
	}
	sum.Variants = len(vs)
	var ops []wire.Operator
	for _, o := range demo.Operators() {
		hash, err := intake.HashPIN(o.PIN)
		if err != nil {
			return sum, fmt.Errorf("hash the PIN of %s: %w", o.ID, err)
		}
		ops = append(ops, wire.Operator{ID: o.ID, Name: o.Name, Role: o.Role, Badge: o.Badge, PINHash: hash})
	}
	if err := h.PutOperators(ctx, ops); err != nil {
		return sum, fmt.Errorf("seed operators: %w", err)
	}
	sum.Operators = len(ops)
	g := demo.NewGenerator(s.Seed, h.now())
	const batch = 5000
	for done := 0; done < s.TradeIns; {
		ts := make([]intake.TradeIn, 0, min(batch, s.TradeIns-done))
		var flags []RegistryEntry
		for range cap(ts) {
			t, f := g.Next()
			ts = append(ts, t)
			if f != nil {
				flags = append(flags, RegistryEntry{Flag: *f, Balance: demoBalance(*f, t)})
			}
		}
		if err := h.PutTradeIns(ctx, ts); err != nil {
			return sum, fmt.Errorf("seed trade-ins: %w", err)
		}
		if err := h.PutFlags(ctx, flags); err != nil {
			return sum, fmt.Errorf("seed flags: %w", err)
		}
		done += len(ts)
		sum.TradeIns, sum.Flags = done, sum.Flags+len(flags)
	}
	return sum, nil
}

// demoBalance makes a plausible outstanding balance for a financed device:
// the registry knows none for a stolen one.
func demoBalance(f intake.Flag, t intake.TradeIn) intake.Cents {
	if f.Kind != intake.FlagFinanceLocked {
		return 0
	}
	months := 1 + int64(t.UpdatedAt.Unix()/int64(time.Hour))%18
	return t.Prices[intake.ConditionNew].Percent(months * 4)
}
