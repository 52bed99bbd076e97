package store

import (
	"context"
	"io/fs"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/dbtime"
	"github.com/intakebench/intakebench/internal/migrate"
	"github.com/intakebench/intakebench/internal/sqlitedb"
)

func auditEntries(t *testing.T, s *Store) []AuditEntry {
	t.Helper()
	rows, err := s.read.QueryContext(context.Background(), `SELECT seq, at, operator, bench, action, subject, reason, detail FROM audit ORDER BY seq`)
	require.NoError(t, err)
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		require.NoError(t, rows.Scan(&e.Seq, &e.At, &e.Operator, &e.Bench, &e.Action, &e.Subject, &e.Reason, &e.Detail))
		out = append(out, e)
	}
	require.NoError(t, rows.Err())
	return out
}

// TestManualStepsAreAudited records a device linked by hand and a device
// quarantined through the bench service, and reads the audit log: who,
// when, where, what and why, with the scan.
func TestManualStepsAreAudited(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{sampleTradeIn("1", "356938035643809")}}, "c1"))
	at := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	keys := 0
	bench := intake.NewBench(s, "bench-3", func() time.Time { return at }, func() string { keys++; return string(rune('a' + keys)) })
	tech := intake.Operator{ID: "op-1", Name: "Tess", Role: intake.RoleTechnician}

	_, err := bench.ReceiveByTradeIn(ctx, tech, "1", "358240051111110", "reference TI-1 on the packing slip")
	require.NoError(t, err)
	require.NoError(t, bench.Quarantine(ctx, tech, "S/N: F17XQ9Z1HG7K", "no paperwork in the box"))

	entries := auditEntries(t, s)
	require.Len(t, entries, 2)
	link, quarantine := entries[0], entries[1]
	assert.Equal(t, [4]string{"op-1", "bench-3", "tradein.received", "1"}, [4]string{link.Operator, link.Bench, link.Action, link.Subject})
	assert.Equal(t, `linked by hand (scan "358240051111110" matched no trade-in): reference TI-1 on the packing slip`, link.Reason)
	assert.Contains(t, link.Detail, `"link":{"scan":"358240051111110"`)
	assert.Equal(t, [4]string{"op-1", "bench-3", "device.quarantined", "serial:F17XQ9Z1HG7K"},
		[4]string{quarantine.Operator, quarantine.Bench, quarantine.Action, quarantine.Subject}, "the subject of a quarantine is the device")
	assert.Equal(t, "no paperwork in the box", quarantine.Reason)
	assert.Equal(t, dbtime.Format(at), quarantine.At)
	assert.Contains(t, quarantine.Detail, `"identifiers":[{"kind":"serial","value":"F17XQ9Z1HG7K"}]`)
	n, err := s.VerifyAudit(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 2, n)

	r, ok, err := s.LocalReceiptByDevice(ctx, "358240051111110")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "1", r.TradeInID)
	require.NotNil(t, r.Link)
	assert.Equal(t, "reference TI-1 on the packing slip", r.Link.Reason)
}

func TestEventsThatWouldBlockTheOutboxAreRefused(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{sampleTradeIn("1", "356938035643809")}}, "c1"))
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	ids := []intake.Identifier{{Kind: intake.KindIMEI, Value: "358240051111110"}}
	q := intake.QuarantinedDevice{Scan: "358240051111110", Identifiers: ids, Operator: "op", Bench: "b1", At: at, Reason: "no paperwork", EventKey: "q1"}
	ev := intake.Event{Key: "q1", Kind: intake.EventQuarantined, Operator: "op", Bench: "b1", At: at, Reason: "no paperwork", Payload: q}
	link := &intake.HandLink{Scan: "358240051111110", Identifiers: ids, Reason: "slip"}
	receipt := intake.Receipt{TradeInID: "1", IMEI: "358240051111110", Operator: "op", Bench: "b1", At: at, EventKey: "r1", Link: link}
	received := intake.Event{Key: "r1", Kind: intake.EventReceived, TradeInID: "1", Operator: "op", Bench: "b1", At: at, Payload: receipt}

	tests := []struct {
		name   string
		record func() error
		want   string
	}{
		{"a receipt event without its trade-in", func() error {
			e := received
			e.TradeInID = ""
			return s.RecordReceipt(ctx, receipt, []intake.Event{e})
		}, "names no trade-in"},
		{"a quarantine that names a trade-in", func() error {
			e := ev
			e.TradeInID = "1"
			return s.RecordQuarantine(ctx, q, []intake.Event{e})
		}, "is about a device, not trade-in 1"},
		{"a quarantine without a reason", func() error {
			bad := q
			bad.Reason = ""
			return s.RecordQuarantine(ctx, bad, []intake.Event{ev})
		}, "reason is required"},
		{"a quarantine of a scan without a device", func() error {
			bad := q
			bad.Scan = "0190198001795"
			return s.RecordQuarantine(ctx, bad, []intake.Event{ev})
		}, "holds no device identifier"},
		{"a quarantine without its event", func() error { return s.RecordQuarantine(ctx, q, nil) }, "no event"},
		{"a hand link whose scan is not the device received", func() error {
			bad := receipt
			bad.Link = &intake.HandLink{Scan: "358240052222221", Identifiers: ids, Reason: "slip"}
			return s.RecordReceipt(ctx, bad, []intake.Event{received})
		}, "is not what the scan"},
		{"a hand link without a reason", func() error {
			bad := receipt
			bad.Link = &intake.HandLink{Scan: "358240051111110", Identifiers: ids}
			return s.RecordReceipt(ctx, bad, []intake.Event{received})
		}, "reason is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.ErrorContains(t, tt.record(), tt.want)
			n, err := s.CountPending(ctx)
			require.NoError(t, err)
			assert.Zero(t, n, "nothing queued")
			_, ok, err := s.LocalReceipt(ctx, "1")
			require.NoError(t, err)
			assert.False(t, ok, "nothing received")
		})
	}
}

// TestUpgradeKeepsWhatWasReceived opens a bench file made by the first
// schema with the current one: its units stay, received by their scan.
func TestUpgradeKeepsWhatWasReceived(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bench.db")
	first, err := fs.ReadFile(migrations, "migrations/0001_init.sql")
	require.NoError(t, err)
	old, err := sqlitedb.Open(ctx, path, "test", 1, nil, migrate.Set{Component: "store", FS: fstest.MapFS{"m/0001_init.sql": {Data: first}}, Dir: "m"})
	require.NoError(t, err)
	for _, q := range []string{
		`INSERT INTO tradeins (id, reference, status, imei, doc, updated_at) VALUES ('1', 'TI-1', 'shipped', '356938035643809', '{}', '2026-11-01T00:00:00Z')`,
		`INSERT INTO units (tradein_id, imei, state, operator, bench, received_at, event_key) VALUES ('1', '356938035643809', 'received', 'op', 'b1', '2026-11-24T09:00:00Z', 'k1')`,
	} {
		_, err := old.Write.ExecContext(ctx, q)
		require.NoError(t, err)
	}
	require.NoError(t, old.Close())

	s, err := Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	r, ok, err := s.LocalReceipt(ctx, "1")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, intake.Receipt{TradeInID: "1", IMEI: "356938035643809", Operator: "op", Bench: "b1",
		At: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), EventKey: "k1"}, r)
}
