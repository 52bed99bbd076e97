package store

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

// receivedElsewhere is a trade-in as the hub's feed brings it after another
// bench received it: with that bench's receipt and its event key.
func receivedElsewhere(id, imei, key string) intake.TradeIn {
	t := sampleTradeIn(id, imei)
	t.Status = intake.StatusReceived
	t.Receipt = &intake.Receipt{TradeInID: id, IMEI: imei, Operator: "op-tech-2", Bench: "bench-b",
		At: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), EventKey: key}
	return t
}

// A unit label printed at another bench finds its trade-in here: the id
// is made of the receipt's event key, which the feed carries.
func TestTradeInByUnitLabelPrintedAtAnotherBench(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{
		receivedElsewhere("1", "356938035643809", "0b9f3e2a-1c4d-4e5f-8a6b-7c8d9e0f1a2b"),
		receivedElsewhere("2", "490154203237518", "key-1"),
		sampleTradeIn("3", "353918057261454"), // not received: no label
	}}, "c1"))

	for _, tt := range []struct{ label, want string }{
		{"U-5936715130527394", "1"},
		{"U-0068609408775028", "2"},
	} {
		got, err := s.TradeInByUnitLabel(ctx, tt.label)
		require.NoError(t, err, tt.label)
		assert.Equal(t, tt.want, got.ID)
	}
	_, err := s.TradeInByUnitLabel(ctx, "U-1234567890123452")
	assert.ErrorIs(t, err, intake.ErrNotFound)

	// Received again under another key (a reversal and a new receipt): the
	// old label no longer names it.
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{
		receivedElsewhere("2", "490154203237518", "0b9f3e2a-1c4d-4e5f-8a6b-7c8d9e0f1a2b-2"),
	}}, "c2"))
	_, err = s.TradeInByUnitLabel(ctx, "U-0068609408775028")
	assert.ErrorIs(t, err, intake.ErrNotFound)
}

// A cache from before migration 0010 gets its labels once, at Open.
func TestUnitLabelsBackfilledOnceAtOpen(t *testing.T) {
	s, path := openTemp(t)
	ctx := context.Background()
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{
		receivedElsewhere("1", "356938035643809", "0b9f3e2a-1c4d-4e5f-8a6b-7c8d9e0f1a2b"),
		sampleTradeIn("3", "353918057261454"),
	}}, "c1"))
	// As the migration leaves a cache written before it.
	for _, q := range []string{`UPDATE tradeins SET unit_label = NULL`,
		`INSERT INTO meta (key, value) VALUES ('backfill unit labels', '')`} {
		_, err := s.write.ExecContext(ctx, q)
		require.NoError(t, err)
	}
	_, err := s.TradeInByUnitLabel(ctx, "U-5936715130527394")
	require.ErrorIs(t, err, intake.ErrNotFound)
	require.NoError(t, s.Close())

	s, err = Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	got, err := s.TradeInByUnitLabel(ctx, "U-5936715130527394")
	require.NoError(t, err)
	assert.Equal(t, "1", got.ID)
	var labelled, asked int
	require.NoError(t, s.read.QueryRowContext(ctx, `SELECT count(unit_label), (SELECT count(*) FROM meta WHERE key = 'backfill unit labels') FROM tradeins`).
		Scan(&labelled, &asked))
	assert.Equal(t, 1, labelled, "the received one only")
	assert.Zero(t, asked, "done once")
}
