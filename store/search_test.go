package store

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

// searchable is a cache of three trade-ins with names worth finding.
func searchable(t *testing.T, s *Store) {
	t.Helper()
	ti := func(id, imei, customer, tracking string) intake.TradeIn {
		t := sampleTradeIn(id, imei)
		t.Customer.Name, t.Tracking = customer, tracking
		return t
	}
	require.NoError(t, s.ApplyChanges(context.Background(), Changes{TradeIns: []intake.TradeIn{
		ti("10", "356938035643809", "Ada Lovelace", "1Z999AA10123456784"),
		ti("11", "490154203237518", "Zoë Müller", "9400111899223197428490"),
		ti("12", "353918050000005", "Seán O'Brien-Lovell", ""),
	}}, "c1"))
}

func refs(ts []intake.TradeIn) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, t.Reference)
	}
	return out
}

func TestFindTradeInsByAnyPart(t *testing.T) {
	s, _ := openTemp(t)
	searchable(t, s)
	ctx := context.Background()
	tests := []struct {
		term string
		want []string
	}{
		{"Lovelace", []string{"TI-10"}},
		{"lovel", []string{"TI-10", "TI-12"}},
		{"  OVELACE ", []string{"TI-10"}},
		{"ada lov", []string{"TI-10"}},
		{"Ada Lovell", []string{}},
		{"zoe muller", []string{"TI-11"}},
		{"Müll", []string{"TI-11"}},
		{"o'brien", []string{"TI-12"}},
		{"TI-11", []string{"TI-11"}},
		{"ti-11", []string{"TI-11"}},
		{"7428490", []string{"TI-11"}},
		{"1z999aa", []string{"TI-10"}},
		{"A Lovelace", []string{"TI-10"}}, // the short word is left out
		{`"lovelace" OR NOT`, []string{}}, // no query syntax: "NOT" is a word like any other
		{"Turing", []string{}},
	}
	for _, tt := range tests {
		got, err := s.FindTradeIns(ctx, tt.term, 10)
		require.NoError(t, err, tt.term)
		assert.Equal(t, tt.want, refs(got), tt.term)
	}

	for _, term := range []string{"Li", "  ", "a b c"} {
		_, err := s.FindTradeIns(ctx, term, 10)
		var short *intake.SearchTooShortError
		require.ErrorAs(t, err, &short, term)
	}
	_, err := s.FindTradeIns(ctx, "Li", 10)
	assert.EqualError(t, err, `"Li" is too short to search for: type at least 3 letters or digits of a name, reference or tracking number`)
}

func TestFindTradeInsFollowsThePulls(t *testing.T) {
	s, _ := openTemp(t)
	searchable(t, s)
	ctx := context.Background()
	renamed := sampleTradeIn("10", "356938035643809")
	renamed.Customer.Name = "Augusta King"
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{renamed}, DeletedTradeIns: []string{"11"}}, "c2"))

	for term, want := range map[string][]string{
		"Lovelace": {}, "augusta": {"TI-10"}, "Müller": {}, "lovell": {"TI-12"},
	} {
		got, err := s.FindTradeIns(ctx, term, 10)
		require.NoError(t, err)
		assert.Equal(t, want, refs(got), term)
	}
	require.NoError(t, s.ResetCache(ctx))
	got, err := s.FindTradeIns(ctx, "lovell", 10)
	require.NoError(t, err)
	assert.Empty(t, got, "a reset cache finds nothing")
	require.NoError(t, s.IntegrityCheck(ctx))
}

// The initial pull drops the cache's indexes and makes them again after:
// the search index is kept by triggers all along, and finds what arrived.
func TestFindTradeInsThroughAnInitialPull(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	deferred, err := s.DeferCacheIndexes(ctx)
	require.NoError(t, err)
	require.True(t, deferred)
	searchable(t, s)
	got, err := s.FindTradeIns(ctx, "lovel", 10)
	require.NoError(t, err)
	assert.Equal(t, []string{"TI-10", "TI-12"}, refs(got), "during the pull")
	require.NoError(t, s.BuildCacheIndexes(ctx))
	got, err = s.FindTradeIns(ctx, "lovel", 10)
	require.NoError(t, err)
	assert.Equal(t, []string{"TI-10", "TI-12"}, refs(got), "after it")
	deferred, err = s.SearchIndexing(ctx)
	require.NoError(t, err)
	assert.False(t, deferred, "the search index is back")

	later := sampleTradeIn("13", "490154203237518")
	later.Customer.Name = "Grace Lovelock"
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{later}}, "c2"))
	got, err = s.FindTradeIns(ctx, "lovel", 10)
	require.NoError(t, err)
	assert.Equal(t, []string{"TI-10", "TI-12", "TI-13"}, refs(got), "its triggers keep it up again")
	require.NoError(t, s.IntegrityCheck(ctx))
}
