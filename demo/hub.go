package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
)

// HubSeed says what SeedHub writes.
type HubSeed struct {
	TradeIns int
	Seed     uint64
}

// SeedSummary counts what a seed wrote.
type SeedSummary struct{ Variants, Operators, TradeIns, Flags int }

// SeedHub fills a hub with the demo catalog, its prices and TACs, the demo
// operators (PINs hashed) and accepted trade-ins with their registry flags,
// dated by the hub's clock.
func SeedHub(ctx context.Context, h *hub.Hub, s HubSeed) (SeedSummary, error) {
	var sum SeedSummary
	var vs []wire.Variant
	for _, v := range Variants() {
		vs = append(vs, wire.Variant{SKU: v.SKU, Make: v.Model.Make, Model: v.Model.Name, Storage: v.Storage, Carrier: v.Carrier, Prices: v.Prices,
			TACs: v.Model.TACs})
	}
	if err := h.PutVariants(ctx, vs); err != nil {
		return sum, fmt.Errorf("seed catalog: %w", err)
	}
	sum.Variants = len(vs)
	var ops []wire.Operator
	for _, o := range Operators() {
		hash, err := intake.HashPIN(o.PIN, intake.DefaultMinPINLength)
		if err != nil {
			return sum, fmt.Errorf("hash the PIN of %s: %w", o.ID, err)
		}
		ops = append(ops, wire.Operator{ID: o.ID, Name: o.Name, Role: o.Role, Badge: o.Badge, PINHash: hash})
	}
	if err := h.PutOperators(ctx, ops); err != nil {
		return sum, fmt.Errorf("seed operators: %w", err)
	}
	sum.Operators = len(ops)
	g := NewGenerator(s.Seed, h.Now())
	const batch = 5000
	for done := 0; done < s.TradeIns; {
		ts := make([]intake.TradeIn, 0, min(batch, s.TradeIns-done))
		var flags []hub.RegistryEntry
		for range cap(ts) {
			t, f := g.Next()
			ts = append(ts, t)
			if f != nil {
				flags = append(flags, hub.RegistryEntry{Flag: *f, Balance: financedBalance(*f, t)})
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

// financedBalance makes a plausible outstanding balance for a financed
// device: the registry knows none for a stolen one.
func financedBalance(f intake.Flag, t intake.TradeIn) intake.Cents {
	if f.Kind != intake.FlagFinanceLocked {
		return 0
	}
	months := 1 + int64(t.UpdatedAt.Unix()/int64(time.Hour))%18
	return t.Prices[intake.ConditionNew].Percent(months * 4)
}
