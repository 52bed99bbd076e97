package store

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

func pendingKeys(t *testing.T, s *Store) []string {
	t.Helper()
	pending, err := s.PendingEvents(context.Background(), 100)
	require.NoError(t, err)
	var keys []string
	for _, e := range pending {
		keys = append(keys, e.Key)
	}
	return keys
}

func auditActions(t *testing.T, s *Store) []string {
	t.Helper()
	var actions []string
	for _, e := range auditEntries(t, s) {
		actions = append(actions, e.Action)
	}
	return actions
}

// Every event of one call is queued and audited, not only the first: a
// grading that reroutes records two.
func TestRecordGradingRecordsEveryEvent(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{sampleTradeIn("1", "356938035643809")}}, "c1"))
	receive(t, s, "1", "k1")
	at := time.Date(2026, 11, 24, 9, 5, 0, 0, time.UTC)
	g := intake.Grading{TradeInID: "1", Operator: "op", Bench: "b1", At: at, EventKey: "k2",
		Decision: intake.Decision{Reroute: true, Reason: "arrived poor, disclosed good"}}
	require.NoError(t, s.RecordGrading(ctx, g, []intake.Event{
		{Key: "k2", Kind: intake.EventGraded, TradeInID: "1", Operator: "op", Bench: "b1", At: at, Payload: g},
		{Key: "k3", Kind: intake.EventRerouted, TradeInID: "1", Operator: "op", Bench: "b1", At: at, Reason: "arrived poor, disclosed good", Payload: g.Decision},
	}))
	assert.Equal(t, []string{"k1", "k2", "k3"}, pendingKeys(t, s))
	assert.Equal(t, []string{"tradein.received", "tradein.graded", "tradein.rerouted"}, auditActions(t, s))
	state, err := s.UnitState(ctx, "1")
	require.NoError(t, err)
	assert.Equal(t, intake.UnitRerouted, state)
}

func TestRecordWalkInRecordsItsEvents(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 24, 11, 5, 0, 0, time.UTC)
	ti := sampleTradeIn("w1", "358240051111110")
	ti.Status = intake.StatusReceived
	r := intake.Receipt{TradeInID: "w1", IMEI: "358240051111110", Operator: "op", Bench: "b1", At: at, EventKey: "kw"}
	require.NoError(t, s.RecordWalkIn(ctx, ti, r, []intake.Event{
		{Key: "kw", Kind: intake.EventWalkInAccepted, TradeInID: "w1", Operator: "op", Bench: "b1", At: at, Payload: ti},
	}))
	assert.Equal(t, []string{"kw"}, pendingKeys(t, s))
	assert.Equal(t, []string{"tradein.walkin_accepted"}, auditActions(t, s))
	got, ok, err := s.LocalReceipt(ctx, "w1")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, r, got)
}

// A settlement without a result (the hub's answer had nothing more to say)
// stores no result, rather than an empty one that is not JSON.
func TestSettleWithoutAResult(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{sampleTradeIn("1", "356938035643809")}}, "c1"))
	receive(t, s, "1", "k1")
	require.NoError(t, s.Settle(ctx, []Settlement{{Key: "k1", State: "rejected"}}))
	rejected, err := s.RejectedEvents(ctx)
	require.NoError(t, err)
	require.Len(t, rejected, 1)
	assert.Nil(t, rejected[0].Result)
	var isNull bool
	require.NoError(t, s.read.QueryRowContext(ctx, `SELECT result IS NULL FROM outbox WHERE key = 'k1'`).Scan(&isNull))
	assert.True(t, isNull)
}

// A device received in the first instant of an hour counts in that hour:
// the query's bound must not skip it.
func TestShiftStatsCountsTheFirstInstantOfAnHour(t *testing.T) {
	ctx := context.Background()
	nine := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	s, err := Open(ctx, t.TempDir()+"/bench.db", WithClock(func() time.Time { return nine.Add(30 * time.Minute) }))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{
		sampleTradeIn("1", "356938035643809"), sampleTradeIn("2", "490154203237518")}}, "c1"))
	for id, at := range map[string]time.Time{"1": nine, "2": nine.Add(-time.Nanosecond)} {
		r := intake.Receipt{TradeInID: id, IMEI: "356938035643809", Operator: "op", Bench: "b1", At: at, EventKey: "k" + id}
		require.NoError(t, s.RecordReceipt(ctx, r, []intake.Event{{Key: "k" + id, Kind: intake.EventReceived, TradeInID: id,
			Operator: "op", Bench: "b1", At: at, Payload: r}}))
	}
	st, err := s.ShiftStats(ctx, nine)
	require.NoError(t, err)
	assert.Equal(t, []intake.HourStats{{Start: nine, Received: 1}}, st.Hours, "09:00:00 counts, 08:59:59.999999999 does not")
}
