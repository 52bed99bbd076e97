package store

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

// A page that repeats the cursor the bench already has is skipped only when
// it changes nothing: one that carries a trade-in and any one other change
// applies both, whatever the other change is.
func TestApplyChangesSkipsOnlyAnEmptyPage(t *testing.T) {
	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	before := Changes{
		TradeIns:  []intake.TradeIn{sampleTradeIn("1", "356938035643809")},
		Flags:     []intake.Flag{{IMEI: "353918050000005", Kind: intake.FlagBlacklisted, Reason: "stolen", Since: since}},
		Operators: []OperatorRecord{{Operator: intake.Operator{ID: "op-1", Name: "Tess", Role: intake.RoleTechnician}}},
		Variants:  []intake.Variant{tacVariant("SKU-13", "Apple", "iPhone 13", "35442811")},
	}
	newFlag := intake.Flag{IMEI: "353918050000013", Kind: intake.FlagFinanceLocked, Reason: "unpaid", Since: since}
	newOperator := OperatorRecord{Operator: intake.Operator{ID: "op-2", Name: "Carl", Role: intake.RoleClerk}}
	tests := []struct {
		name  string
		other Changes
		check func(t *testing.T, s *Store)
	}{
		{"a deleted trade-in", Changes{DeletedTradeIns: []string{"1"}}, func(t *testing.T, s *Store) {
			_, err := s.TradeIn(context.Background(), "1")
			assert.ErrorIs(t, err, intake.ErrNotFound)
		}},
		{"a flag", Changes{Flags: []intake.Flag{newFlag}}, func(t *testing.T, s *Store) {
			_, ok, err := s.FlagFor(context.Background(), newFlag.IMEI)
			require.NoError(t, err)
			assert.True(t, ok)
		}},
		{"a cleared flag", Changes{DeletedFlags: []string{"353918050000005"}}, func(t *testing.T, s *Store) {
			_, ok, err := s.FlagFor(context.Background(), "353918050000005")
			require.NoError(t, err)
			assert.False(t, ok)
		}},
		{"an operator", Changes{Operators: []OperatorRecord{newOperator}}, func(t *testing.T, s *Store) {
			_, err := s.CredentialByID(context.Background(), "op-2")
			assert.NoError(t, err)
		}},
		{"a deleted operator", Changes{DeletedOperator: []string{"op-1"}}, func(t *testing.T, s *Store) {
			_, err := s.CredentialByID(context.Background(), "op-1")
			assert.ErrorIs(t, err, intake.ErrNotFound)
		}},
		{"a variant", Changes{Variants: []intake.Variant{tacVariant("SKU-14", "Apple", "iPhone 14", "35313310")}}, func(t *testing.T, s *Store) {
			assert.Equal(t, []intake.DeviceModel{{Make: "Apple", Model: "iPhone 14"}}, models(t, s, "35313310"))
		}},
		{"a deleted variant", Changes{DeletedVariants: []string{"SKU-13"}}, func(t *testing.T, s *Store) {
			assert.Empty(t, models(t, s, "35442811"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTemp(t)
			ctx := context.Background()
			require.NoError(t, s.ApplyChanges(ctx, before, "c1"))
			page := tt.other
			page.TradeIns = []intake.TradeIn{sampleTradeIn("2", "490154203237518")}
			require.NoError(t, s.ApplyChanges(ctx, page, "c1"))
			_, err := s.TradeIn(ctx, "2")
			assert.NoError(t, err, "the trade-in of the page arrived")
			tt.check(t, s)
		})
	}
}

func TestApplyChangesMovesTheCursorOfAnEmptyPage(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	require.NoError(t, s.ApplyChanges(ctx, Changes{}, "c1"))
	c, err := s.Cursor(ctx)
	require.NoError(t, err)
	assert.Equal(t, "c1", c, "a page with nothing in it still moves the cursor on")
}

// A backslash is the LIKE escape character: in a search term it is as
// literal as % and _, with the search index and without it (during an
// initial pull, FindTradeIns scans the cache with LIKE).
func TestSearchByNameTakesWildcardsLiterally(t *testing.T) {
	for _, deferred := range []bool{false, true} {
		s, _ := openTemp(t)
		ctx := context.Background()
		if deferred {
			_, err := s.DeferCacheIndexes(ctx)
			require.NoError(t, err)
		}
		odd := sampleTradeIn("1", "356938035643809")
		odd.Customer.Name = `Ada\Lovelace`
		plain := sampleTradeIn("2", "490154203237518")
		plain.Customer.Name = "Ada%Lovelace"
		under := sampleTradeIn("3", "353918050000005")
		under.Customer.Name = "Adam Lovelace"
		require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{odd, plain, under}}, "c1"))
		for term, want := range map[string][]string{`Ada\`: {"1"}, `ada\l`: {"1"}, "Ada%": {"2"}, "Ad_": nil, "a%l": {"2"}} {
			found, err := s.FindTradeIns(ctx, term, 10)
			require.NoError(t, err)
			var ids []string
			for _, ti := range found {
				ids = append(ids, ti.ID)
			}
			assert.Equal(t, want, ids, "%q, search index deferred: %v", term, deferred)
		}
	}
}
