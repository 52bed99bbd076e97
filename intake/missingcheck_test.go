package intake_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

func TestMissingCheckDigit(t *testing.T) {
	tests := []struct {
		id   intake.Identifier
		want intake.Identifier
		ok   bool
	}{
		{intake.Identifier{Kind: intake.KindSerial, Value: "35693803564380"}, intake.Identifier{Kind: intake.KindIMEI, Value: "356938035643809"}, true},
		{intake.Identifier{Kind: intake.KindSerial, Value: "49015420323751"}, intake.Identifier{Kind: intake.KindIMEI, Value: "490154203237518"}, true},
		{intake.Identifier{Kind: intake.KindSerial, Value: "3569380356438A"}, intake.Identifier{}, false},
		{intake.Identifier{Kind: intake.KindSerial, Value: "3569380356438"}, intake.Identifier{}, false},
		{intake.Identifier{Kind: intake.KindMEID, Value: "35693803564380"}, intake.Identifier{}, false},
		{intake.Identifier{Kind: intake.KindIMEI, Value: "356938035643809"}, intake.Identifier{}, false},
	}
	for _, tt := range tests {
		got, ok := intake.MissingCheckDigit(tt.id)
		assert.Equal(t, tt.ok, ok, tt.id.Value)
		assert.Equal(t, tt.want, got, tt.id.Value)
	}
}

func TestLookupFindsAnIMEITypedWithoutItsCheckDigit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m, err := f.bench.Lookup(ctx, "35693803564380")
	require.NoError(t, err)
	assert.Equal(t, intake.OutcomeMatched, m.Outcome)
	require.NotNil(t, m.TradeIn)
	assert.Equal(t, "TI-1", m.TradeIn.Reference)
	assert.Equal(t, []intake.Identifier{{Kind: intake.KindIMEI, Value: "356938035643809"}}, m.Identifiers)

	r, err := f.bench.Receive(ctx, tech, "35693803564380\r")
	require.NoError(t, err)
	assert.Equal(t, "356938035643809", r.IMEI, "received as the whole IMEI")

	m, err = f.bench.Lookup(ctx, "12345678901234")
	require.NoError(t, err)
	assert.Equal(t, intake.OutcomeUnknown, m.Outcome, "14 digits that are no known IMEI stay unknown")
}
