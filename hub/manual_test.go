package hub_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

const (
	strayIMEI   = "358240051111110" // a device no seeded trade-in holds
	flaggedIMEI = "358240052222221" // flagged by the registry, held by no trade-in
)

// linked is a receipt event of a device linked to ti by hand.
func linked(t *testing.T, seq int64, ti intake.TradeIn, bench, scan, imei, reason string) wire.Event {
	t.Helper()
	key := uuid.NewString()
	r := intake.Receipt{TradeInID: ti.ID, IMEI: imei, Operator: tech, Bench: bench, At: time.Now(), EventKey: key,
		Link: &intake.HandLink{Scan: scan, Identifiers: intake.DeviceIdentities(scan), Reason: reason}}
	payload, err := json.Marshal(r)
	require.NoError(t, err)
	return wire.Event{Seq: seq, Key: key, Kind: intake.EventReceived, TradeInID: ti.ID, Operator: tech, Bench: bench, At: r.At, Payload: payload}
}

func TestHandLinkedReceipts(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 12})
	ctx := context.Background()
	token := h.Enroll(t, "bench-a")
	require.NoError(t, h.PutFlags(ctx, []hub.RegistryEntry{{Flag: intake.Flag{IMEI: flaggedIMEI, Kind: intake.FlagBlacklisted,
		Reason: "reported stolen", Since: time.Now().UTC()}}}))
	receivable := h.Receivable(t)
	require.GreaterOrEqual(t, len(receivable), 9)
	first := receivable[0]
	var seq int64

	tests := []struct {
		name  string
		event func(seq int64, ti intake.TradeIn) wire.Event
		code  string // "" for applied
	}{
		{"a device linked by hand", func(seq int64, _ intake.TradeIn) wire.Event {
			return linked(t, seq, first, "bench-a", "IMEI "+strayIMEI, strayIMEI, "reference on the packing slip")
		}, ""},
		{"a foreign device without a link", func(seq int64, ti intake.TradeIn) wire.Event {
			e := received(t, seq, ti, "bench-a", time.Now())
			var r intake.Receipt
			require.NoError(t, json.Unmarshal(e.Payload, &r))
			r.IMEI = "358240053333332"
			e.Payload, _ = json.Marshal(r)
			return e
		}, wire.RejectInvalidPayload},
		{"a link without a reason", func(seq int64, ti intake.TradeIn) wire.Event {
			return linked(t, seq, ti, "bench-a", "358240053333332", "358240053333332", "  ")
		}, wire.RejectInvalidPayload},
		{"a link whose scan is not the device received", func(seq int64, ti intake.TradeIn) wire.Event {
			return linked(t, seq, ti, "bench-a", "358240053333332", "358240054444443", "slip")
		}, wire.RejectInvalidPayload},
		{"a link of a scan far too long", func(seq int64, ti intake.TradeIn) wire.Event {
			return linked(t, seq, ti, "bench-a", "358240053333332"+strings.Repeat("\x1d", intake.MaxScanLen), "358240053333332", "slip")
		}, wire.RejectInvalidPayload},
		{"a flagged device", func(seq int64, ti intake.TradeIn) wire.Event {
			return linked(t, seq, ti, "bench-a", flaggedIMEI, flaggedIMEI, "slip")
		}, wire.RejectIMEIFlagged},
		{"the device of another trade-in", func(seq int64, ti intake.TradeIn) wire.Event {
			other := receivable[len(receivable)-1]
			return linked(t, seq, ti, "bench-a", other.IMEI, other.IMEI, "slip")
		}, wire.RejectTradeInOpen},
		{"a device received for another trade-in already", func(seq int64, ti intake.TradeIn) wire.Event {
			return linked(t, seq, ti, "bench-a", strayIMEI, strayIMEI, "slip")
		}, wire.RejectAlreadyReceived},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ti := receivable[i]
			seq++
			r := results(t, push(t, h, token, "bench-a", tt.event(seq, ti)))
			require.Len(t, r, 1)
			if tt.code == "" {
				assert.Equal(t, wire.StatusApplied, r[0].Status, "%s: %s", r[0].Code, r[0].Detail)
				return
			}
			assert.Equal(t, wire.StatusRejected, r[0].Status)
			assert.Equal(t, tt.code, r[0].Code, r[0].Detail)
			got, err := h.TradeIn(ctx, ti.ID)
			require.NoError(t, err)
			assert.Nil(t, got.Receipt, "a refused link receives nothing")
			assert.Equal(t, ti.Status, got.Status)
			if tt.code == wire.RejectAlreadyReceived {
				require.NotNil(t, r[0].Receipt, "the refusal carries the receipt that won")
				assert.Equal(t, first.ID, r[0].Receipt.TradeInID)
			}
		})
	}

	got, err := h.TradeIn(ctx, first.ID)
	require.NoError(t, err)
	assert.Equal(t, intake.StatusReceived, got.Status)
	require.NotNil(t, got.Receipt)
	assert.Equal(t, strayIMEI, got.Receipt.IMEI, "the receipt names the device in hand")
	want := &intake.HandLink{Scan: "IMEI " + strayIMEI, Identifiers: []intake.Identifier{{Kind: intake.KindIMEI, Value: strayIMEI}},
		Reason: "reference on the packing slip"}
	assert.Equal(t, want, got.Receipt.Link, "benches pull the link with the trade-in")
	r, ok, err := h.Receipt(ctx, first.ID)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, want, r.Link)
}

// quarantined is a quarantine event of the device scan reads.
func quarantined(t *testing.T, seq int64, bench, scan, reason string) (wire.Event, intake.QuarantinedDevice) {
	t.Helper()
	q := intake.QuarantinedDevice{Scan: scan, Identifiers: intake.DeviceIdentities(scan), Operator: tech, Bench: bench,
		At: time.Now().UTC().Truncate(time.Millisecond), Reason: reason, EventKey: uuid.NewString()}
	payload, err := json.Marshal(q)
	require.NoError(t, err)
	return wire.Event{Seq: seq, Key: q.EventKey, Kind: intake.EventQuarantined, Operator: tech, Bench: bench, At: q.At, Payload: payload}, q
}

func TestQuarantinesAreRecorded(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 2})
	ctx := context.Background()
	token := h.Enroll(t, "bench-a")

	ev, q := quarantined(t, 1, "bench-a", "S/N: F17XQ9Z1HG7K", "no paperwork in the box")
	r := results(t, push(t, h, token, "bench-a", ev))
	assert.Equal(t, wire.StatusApplied, r[0].Status, "%s: %s", r[0].Code, r[0].Detail)
	r = results(t, push(t, h, token, "bench-a", ev))
	assert.Equal(t, wire.StatusDuplicate, r[0].Status, "pushed again, it is recorded once")
	got, err := h.Quarantines(ctx)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, q, got[0], "the supervisor sees the device, who, where, when and why")

	tests := []struct {
		name string
		edit func(*wire.Event, *intake.QuarantinedDevice)
		code string
	}{
		{"a quarantine that names a trade-in", func(e *wire.Event, _ *intake.QuarantinedDevice) { e.TradeInID = "ti-00000001" }, wire.RejectInvalidPayload},
		{"a scan without a device", func(_ *wire.Event, q *intake.QuarantinedDevice) { q.Scan = "0190198001795" }, wire.RejectInvalidPayload},
		{"no reason", func(_ *wire.Event, q *intake.QuarantinedDevice) { q.Reason = "" }, wire.RejectInvalidPayload},
		{"another bench's quarantine", func(_ *wire.Event, q *intake.QuarantinedDevice) { q.Bench = "bench-b" }, wire.RejectInvalidPayload},
		{"an operator the hub does not know", func(e *wire.Event, q *intake.QuarantinedDevice) { e.Operator, q.Operator = "op-ghost", "op-ghost" }, wire.RejectUnknownOperator},
		{"not a quarantine at all", func(e *wire.Event, _ *intake.QuarantinedDevice) { e.Payload = json.RawMessage(`[1,2]`) }, wire.RejectInvalidPayload},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, q := quarantined(t, int64(i+2), "bench-a", "358240051111110", "no paperwork")
			tt.edit(&e, &q)
			if string(e.Payload) != `[1,2]` {
				e.Payload, _ = json.Marshal(q)
			}
			r := results(t, push(t, h, token, "bench-a", e))
			assert.Equal(t, wire.StatusRejected, r[0].Status)
			assert.Equal(t, tt.code, r[0].Code, r[0].Detail)
		})
	}
	got, err = h.Quarantines(ctx)
	require.NoError(t, err)
	assert.Len(t, got, 1, "refused quarantines record nothing")
	events, err := h.BenchEvents(ctx, "bench-a")
	require.NoError(t, err)
	assert.Len(t, events, 1+len(tests), "refused ones are kept as rejected events, like any other")
}

// TestRejectDetailsFitTheContract pushes a grading whose inspection has
// several faults: the hub's answer still passes the bench's validation
// (one line, bounded), or the bench would push the event forever.
func TestRejectDetailsFitTheContract(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 2})
	token := h.Enroll(t, "bench-a")
	ti := tradeInOf(t, h, 1)
	in := inspection(intake.SeverityNone)
	delete(in.Cosmetic, intake.ZoneBack)
	delete(in.Checks, intake.CheckPower)
	in.BatteryHealth = 140
	grading := intake.Grading{TradeInID: ti.ID, Operator: tech, Bench: "bench-a", At: time.Now(), Inspection: in}
	r := results(t, push(t, h, token, "bench-a", received(t, 1, ti, "bench-a", time.Now()), event(t, 2, intake.EventGraded, ti, "bench-a", grading)))
	require.Len(t, r, 2)
	assert.Equal(t, wire.RejectInvalidPayload, r[1].Code)
	assert.NotContains(t, r[1].Detail, "\n")
	for _, want := range []string{"zone back is not graded", "critical check power has no result", "battery health 140%"} {
		assert.Contains(t, r[1].Detail, want, "every fault is still named")
	}
}
