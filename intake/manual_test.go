package intake_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/store"
)

const (
	unknownIMEI  = "358240051111110" // no trade-in holds it
	unknownIMEI2 = "358240052222221" // nor this one
	// flaggedStray is flagged by the registry but held by no trade-in.
	flaggedStray = "358240053333332"
)

func pendingEvents(t *testing.T, f *fixture) []store.OutboxEvent {
	t.Helper()
	evs, err := f.store.PendingEvents(context.Background(), 100)
	require.NoError(t, err)
	return evs
}

func TestReceiveByTradeInLinksAnUnknownDeviceByHand(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const scan = "IMEI: 358240051111110\r\n"
	r, err := f.bench.ReceiveByTradeIn(ctx, tech, "1", scan, "  IMEI label torn, reference TI-1 on the packing slip ")
	require.NoError(t, err)
	want := intake.Receipt{TradeInID: "1", IMEI: unknownIMEI, Operator: tech.ID, Bench: "bench-7", At: f.now, EventKey: "key-1",
		Link: &intake.HandLink{Scan: "IMEI: 358240051111110", Identifiers: []intake.Identifier{{Kind: intake.KindIMEI, Value: unknownIMEI}},
			Reason: "IMEI label torn, reference TI-1 on the packing slip"}}
	assert.Equal(t, want, r, "the receipt names the device in hand, and how it was linked")

	local, ok, err := f.store.LocalReceipt(ctx, "1")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, want, local, "the link is stored with the unit")

	evs := pendingEvents(t, f)
	require.Len(t, evs, 1)
	assert.Equal(t, string(intake.EventReceived), evs[0].Kind, "a receipt like any other, for the hub")
	assert.Equal(t, "1", evs[0].TradeInID)
	var payload intake.Receipt
	require.NoError(t, json.Unmarshal(evs[0].Payload, &payload))
	assert.Equal(t, want, payload, "the hub sees the scan and the reason")

	m, err := f.bench.Lookup(ctx, unknownIMEI)
	require.NoError(t, err)
	assert.Equal(t, intake.OutcomeAlreadyReceived, m.Outcome, "scanned again, the device is found by the identity it was received under")
	require.NotNil(t, m.TradeIn)
	assert.Equal(t, "TI-1", m.TradeIn.Reference)

	_, err = f.bench.ReceiveByTradeIn(ctx, tech, "2", unknownIMEI, "second try")
	var already *intake.AlreadyReceivedError
	require.ErrorAs(t, err, &already, "the same device cannot be linked to a second trade-in")
	assert.Equal(t, "1", already.Receipt.TradeInID)
	assert.Len(t, pendingEvents(t, f), 1)

	_, err = f.bench.RecordGrading(ctx, tech, "1", cleanInspection())
	assert.NoError(t, err, "a device linked by hand is graded like any other")
}

// asNotReceivable requires err to be a *NotReceivableError and returns it.
func asNotReceivable(t *testing.T, err error) *intake.NotReceivableError {
	t.Helper()
	var nr *intake.NotReceivableError
	require.ErrorAs(t, err, &nr)
	return nr
}

// notReceivable checks a refusal for this outcome.
func notReceivable(outcome intake.Outcome) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		assert.Equal(t, outcome, asNotReceivable(t, err).Outcome)
	}
}

func TestReceiveByTradeInRefusals(t *testing.T) {
	ctx := context.Background()
	nobody := intake.Operator{ID: "op-x", Name: "Xavier", Role: "visitor"}
	tests := []struct {
		name    string
		prepare func(t *testing.T, f *fixture)
		op      intake.Operator
		tradeIn string
		scan    string
		reason  string
		check   func(t *testing.T, err error)
	}{
		{name: "no reason", tradeIn: "1", scan: unknownIMEI, reason: " \t",
			check: func(t *testing.T, err error) { assert.ErrorIs(t, err, intake.ErrNoReason) }},
		{name: "a reason on several lines", tradeIn: "1", scan: unknownIMEI, reason: "slip says TI-1\nprobably",
			check: func(t *testing.T, err error) { assert.ErrorContains(t, err, "control characters") }},
		{name: "no trade-in picked", tradeIn: "", scan: unknownIMEI, reason: "slip",
			check: func(t *testing.T, err error) { assert.ErrorContains(t, err, "pick the trade-in") }},
		{name: "a trade-in the bench does not hold", tradeIn: "99", scan: unknownIMEI, reason: "slip",
			check: func(t *testing.T, err error) { assert.ErrorIs(t, err, intake.ErrNotFound) }},
		{name: "a role that may not receive", op: nobody, tradeIn: "1", scan: unknownIMEI, reason: "slip",
			check: func(t *testing.T, err error) {
				var perm *intake.PermissionError
				assert.ErrorAs(t, err, &perm)
			}},
		{name: "a scan without a device identifier", tradeIn: "1", scan: "0190198001795", reason: "slip",
			check: func(t *testing.T, err error) {
				assert.ErrorContains(t, err, "Read the IMEI or serial off the device itself")
			}},
		{name: "a scan that matches another trade-in", tradeIn: "1", scan: "490154203237518", reason: "slip",
			check: func(t *testing.T, err error) {
				var conflict *intake.LinkConflictError
				require.ErrorAs(t, err, &conflict)
				assert.Equal(t, "TI-2", conflict.Matched.Reference)
				assert.ErrorContains(t, err, "cannot be linked by hand to another trade-in")
			}},
		{name: "a scan that matches the picked trade-in", tradeIn: "1", scan: "356938035643809", reason: "slip",
			check: func(t *testing.T, err error) { assert.ErrorContains(t, err, "receive it by its scan") }},
		{name: "a flagged device", tradeIn: "1", scan: flaggedStray, reason: "slip",
			check: notReceivable(intake.OutcomeFlagged)},
		{name: "a flagged trade-in", tradeIn: "3", scan: unknownIMEI, reason: "slip",
			check: func(t *testing.T, err error) {
				nr := asNotReceivable(t, err)
				assert.Equal(t, intake.NotReceivableError{Reference: "TI-3", Outcome: intake.OutcomeFlagged, Status: intake.StatusAccepted}, *nr)
			}},
		{name: "a trade-in not accepted yet", tradeIn: "2", scan: unknownIMEI, reason: "slip",
			check: notReceivable(intake.OutcomeNotAccepted)},
		{name: "a trade-in completed long ago", tradeIn: "4", scan: unknownIMEI, reason: "slip",
			check: notReceivable(intake.OutcomeAlreadyReceived)},
		{name: "a trade-in received here by its scan",
			prepare: func(t *testing.T, f *fixture) {
				_, err := f.bench.Receive(ctx, tech, "356938035643809")
				require.NoError(t, err)
			},
			tradeIn: "1", scan: unknownIMEI, reason: "slip",
			check: func(t *testing.T, err error) {
				var already *intake.AlreadyReceivedError
				require.ErrorAs(t, err, &already)
				assert.Equal(t, "key-1", already.Receipt.EventKey)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			require.NoError(t, f.store.ApplyChanges(ctx, store.Changes{Flags: []intake.Flag{
				{IMEI: flaggedStray, Kind: intake.FlagFinanceLocked, Reason: "balance owed", Since: f.now}}}, "c2"))
			if tt.prepare != nil {
				tt.prepare(t, f)
			}
			before := pendingEvents(t, f)
			op := tt.op
			if op == (intake.Operator{}) {
				op = tech
			}
			_, err := f.bench.ReceiveByTradeIn(ctx, op, tt.tradeIn, tt.scan, tt.reason)
			require.Error(t, err)
			tt.check(t, err)
			assert.Equal(t, before, pendingEvents(t, f), "a refused link changes nothing")
			if _, ok, err := f.store.LocalReceiptByDevice(ctx, unknownIMEI); assert.NoError(t, err) {
				assert.False(t, ok)
			}
		})
	}
}

func TestQuarantineSetsAnUnknownDeviceAside(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	require.NoError(t, f.bench.Quarantine(ctx, tech, "]C0"+unknownIMEI+"\r\n", "no paperwork in the box"))

	evs := pendingEvents(t, f)
	require.Len(t, evs, 1)
	ev := evs[0]
	assert.Equal(t, string(intake.EventQuarantined), ev.Kind)
	assert.Empty(t, ev.TradeInID, "a quarantine is about a device, not a trade-in")
	assert.Equal(t, tech.ID, ev.Operator)
	assert.Equal(t, "bench-7", ev.Bench)
	assert.True(t, f.now.Equal(ev.At))
	var q intake.QuarantinedDevice
	require.NoError(t, json.Unmarshal(ev.Payload, &q))
	assert.Equal(t, intake.QuarantinedDevice{Scan: "]C0" + unknownIMEI, Identifiers: []intake.Identifier{{Kind: intake.KindIMEI, Value: unknownIMEI}},
		Operator: tech.ID, Bench: "bench-7", At: f.now, Reason: "no paperwork in the box", EventKey: "key-1"}, q)

	m, err := f.bench.Lookup(ctx, unknownIMEI)
	require.NoError(t, err)
	assert.Equal(t, intake.OutcomeUnknown, m.Outcome, "quarantine receives nothing")
}

func TestQuarantineKeepsAFlaggedStray(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	flag := intake.Flag{IMEI: flaggedStray, Kind: intake.FlagBlacklisted, Reason: "reported stolen", Since: f.now}
	require.NoError(t, f.store.ApplyChanges(ctx, store.Changes{Flags: []intake.Flag{flag}}, "c2"))

	_, err := f.bench.Receive(ctx, tech, flaggedStray)
	require.ErrorContains(t, err, "no trade-in holds it: quarantine it", "a flagged device of no trade-in is refused, not a crash")

	require.NoError(t, f.bench.Quarantine(ctx, tech, flaggedStray, "blacklisted, no paperwork"))
	evs := pendingEvents(t, f)
	require.Len(t, evs, 1)
	var q intake.QuarantinedDevice
	require.NoError(t, json.Unmarshal(evs[0].Payload, &q))
	require.NotNil(t, q.Flag, "the supervisor sees why the device must be kept")
	assert.Equal(t, intake.FlagBlacklisted, q.Flag.Kind)
}

func TestQuarantineRefusals(t *testing.T) {
	ctx := context.Background()
	nobody := intake.Operator{ID: "op-x", Name: "Xavier", Role: "visitor"}
	tests := []struct {
		name    string
		prepare func(t *testing.T, f *fixture)
		op      intake.Operator
		scan    string
		reason  string
		check   func(t *testing.T, err error)
	}{
		{name: "no reason", scan: unknownIMEI, reason: "",
			check: func(t *testing.T, err error) { assert.ErrorIs(t, err, intake.ErrNoReason) }},
		{name: "a reason too long", scan: unknownIMEI, reason: strings.Repeat("x", intake.MaxReasonLen+1),
			check: func(t *testing.T, err error) { assert.ErrorContains(t, err, "at most 512") }},
		{name: "a role that may not", op: nobody, scan: unknownIMEI, reason: "no paperwork",
			check: func(t *testing.T, err error) {
				var perm *intake.PermissionError
				require.ErrorAs(t, err, &perm)
				assert.Equal(t, intake.ActionQuarantine, perm.Action)
			}},
		{name: "a box barcode", scan: "0190198001795", reason: "no paperwork",
			check: func(t *testing.T, err error) { assert.ErrorContains(t, err, "so that a supervisor can find it") }},
		{name: "a device its trade-in expects", scan: "356938035643809", reason: "no paperwork",
			check: func(t *testing.T, err error) {
				var nq *intake.NotQuarantinableError
				require.ErrorAs(t, err, &nq)
				assert.Equal(t, "TI-1", nq.TradeIn.Reference)
				assert.ErrorContains(t, err, "receive it instead")
			}},
		{name: "a device linked by hand already",
			prepare: func(t *testing.T, f *fixture) {
				_, err := f.bench.ReceiveByTradeIn(ctx, tech, "1", unknownIMEI2, "slip")
				require.NoError(t, err)
			},
			scan: unknownIMEI2, reason: "no paperwork",
			check: func(t *testing.T, err error) {
				var nq *intake.NotQuarantinableError
				require.ErrorAs(t, err, &nq)
				assert.Equal(t, intake.OutcomeAlreadyReceived, nq.Outcome)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.prepare != nil {
				tt.prepare(t, f)
			}
			before := pendingEvents(t, f)
			op := tt.op
			if op == (intake.Operator{}) {
				op = tech
			}
			err := f.bench.Quarantine(ctx, op, tt.scan, tt.reason)
			require.Error(t, err)
			tt.check(t, err)
			assert.Equal(t, before, pendingEvents(t, f), "a refused quarantine records nothing")
		})
	}
}

func TestEventsNameTheirSubject(t *testing.T) {
	q := intake.QuarantinedDevice{Identifiers: []intake.Identifier{{Kind: intake.KindSerial, Value: "C39XK0ABHG9"}}}
	assert.Equal(t, "T1", intake.Event{TradeInID: "T1"}.Subject())
	assert.Equal(t, "serial:C39XK0ABHG9", intake.Event{Kind: intake.EventQuarantined, Payload: q}.Subject())
	assert.Empty(t, intake.Event{Kind: intake.EventQuarantined, Payload: intake.QuarantinedDevice{}}.Subject(), "a quarantine without identifiers names nothing")
	assert.True(t, intake.EventReceived.AboutTradeIn())
	assert.False(t, intake.EventQuarantined.AboutTradeIn())
}
