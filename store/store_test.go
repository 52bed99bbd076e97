package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bench.db")
	s, err := Open(context.Background(), path)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s, path
}

func sampleTradeIn(id, imei string) intake.TradeIn {
	return intake.TradeIn{
		ID: id, Reference: "TI-" + id, Status: intake.StatusShipped, IMEI: imei, Serial: "SN" + id,
		Device:    intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB"},
		Customer:  intake.Customer{Name: "Ada Lovelace"},
		Tracking:  "1Z" + id,
		Disclosed: intake.ConditionGood, Offer: 32000, Prices: intake.PriceTableFromBase(40000),
		UpdatedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
	}
}

func TestOpenConfiguresDurability(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	var mode string
	require.NoError(t, s.read.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode))
	assert.Equal(t, "wal", mode)
	for _, db := range []*sql.DB{s.read, s.write} {
		var sync, fk, busy int
		require.NoError(t, db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync))
		require.NoError(t, db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk))
		require.NoError(t, db.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy))
		assert.Equal(t, 2, sync, "synchronous=FULL")
		assert.Equal(t, 1, fk)
		assert.Equal(t, 10000, busy)
	}
	_, err := s.read.ExecContext(ctx, "DELETE FROM tradeins")
	assert.Error(t, err, "the read pool cannot write")
}

func TestReopenKeepsDataAndSchemaVersion(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bench.db")
	s, err := Open(ctx, path)
	require.NoError(t, err)
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{sampleTradeIn("1", "356938035643809")}}, "cursor-1"))
	require.NoError(t, s.Close())

	s, err = Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	n, err := s.CountTradeIns(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	c, err := s.Cursor(ctx)
	require.NoError(t, err)
	assert.Equal(t, "cursor-1", c)
}

func TestOpenRefusesWhatItCannotUse(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	garbage := filepath.Join(dir, "garbage.db")
	require.NoError(t, os.WriteFile(garbage, []byte("this is not a database, it is a shopping list: milk, eggs"), 0o600))
	_, err := Open(ctx, garbage)
	require.Error(t, err)
	assert.Contains(t, err.Error(), garbage, "the error names the file")

	// Newer by its schema_migrations, and a file from before them whose
	// user_version is newer.
	for _, newer := range []string{
		"INSERT INTO schema_migrations (component, version, name) VALUES ('store', 999, 'future')",
		"DELETE FROM schema_migrations; PRAGMA user_version = 999",
	} {
		future := filepath.Join(t.TempDir(), "future.db")
		s, err := Open(ctx, future)
		require.NoError(t, err)
		_, err = s.write.ExecContext(ctx, newer)
		require.NoError(t, err)
		require.NoError(t, s.Close())
		_, err = Open(ctx, future)
		assert.ErrorContains(t, err, "newer than this program knows")
	}
}

func TestLookupByEveryIdentifier(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	ti := sampleTradeIn("1", "356938035643809")
	ti.IMEI2, ti.MEID = "356938035643817", "A0000000002329"
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{ti, sampleTradeIn("2", "490154203237518")}}, "c"))
	for _, id := range []intake.Identifier{
		{Kind: intake.KindIMEI, Value: "356938035643809"},
		{Kind: intake.KindIMEI, Value: "356938035643817"},
		{Kind: intake.KindMEID, Value: "A0000000002329"},
		{Kind: intake.KindSerial, Value: "SN1"},
	} {
		got, err := s.TradeInsByIdentifier(ctx, id)
		require.NoError(t, err)
		require.Len(t, got, 1, id)
		assert.Equal(t, ti, got[0], "the cache gives back exactly what was pulled")
	}
	got, err := s.TradeInsByIdentifier(ctx, intake.Identifier{Kind: intake.KindEAN13, Value: "0190198001795"})
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestApplyChangesIsAllOrNothing(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{sampleTradeIn("1", "356938035643809")}}, "c1"))

	bad := sampleTradeIn("3", "")
	bad.Status = "lost-in-the-post"
	err := s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{sampleTradeIn("2", "490154203237518"), bad}}, "c2")
	require.ErrorContains(t, err, `has an unknown status "lost-in-the-post"`)
	n, err := s.CountTradeIns(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "a bad page applies nothing")
	c, err := s.Cursor(ctx)
	require.NoError(t, err)
	assert.Equal(t, "c1", c, "and does not move the cursor")

	weird := sampleTradeIn("4", "352099001761481")
	weird.Status = "teleported"
	assert.ErrorContains(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{weird}}, "c3"), `unknown status "teleported"`)
}

func TestDeletesSpareReceivedTradeIns(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{sampleTradeIn("1", "356938035643809"), sampleTradeIn("2", "490154203237518")}}, "c1"))
	receive(t, s, "1", "k1")
	require.NoError(t, s.ApplyChanges(ctx, Changes{DeletedTradeIns: []string{"1", "2"}}, "c2"))
	_, err := s.TradeIn(ctx, "1")
	assert.NoError(t, err, "a received trade-in stays for its unit")
	_, err = s.TradeIn(ctx, "2")
	assert.ErrorIs(t, err, intake.ErrNotFound)

	require.NoError(t, s.ResetCache(ctx))
	n, err := s.CountTradeIns(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "a full resync keeps what this bench received")
	c, err := s.Cursor(ctx)
	require.NoError(t, err)
	assert.Empty(t, c)
}

func receive(t *testing.T, s *Store, tradeInID, key string) {
	t.Helper()
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	r := intake.Receipt{TradeInID: tradeInID, IMEI: "356938035643809", Operator: "op", Bench: "b1", At: at, EventKey: key}
	require.NoError(t, s.RecordReceipt(context.Background(), r, []intake.Event{{Key: key, Kind: intake.EventReceived, TradeInID: tradeInID,
		Operator: "op", Bench: "b1", At: at, Reason: "scanned", Payload: r}}))
}

func TestReceiptIsOncePerTradeIn(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{sampleTradeIn("1", "356938035643809")}}, "c1"))
	receive(t, s, "1", "k1")
	r := intake.Receipt{TradeInID: "1", IMEI: "356938035643809", Operator: "op2", Bench: "b1", At: time.Now(), EventKey: "k2"}
	err := s.RecordReceipt(ctx, r, []intake.Event{{Key: "k2", Kind: intake.EventReceived, TradeInID: "1", Operator: "op2", Bench: "b1", At: time.Now(), Payload: r}})
	var already *intake.AlreadyReceivedError
	require.True(t, errors.As(err, &already))
	assert.Equal(t, "op", already.Receipt.Operator)

	err = s.RecordReceipt(ctx, intake.Receipt{TradeInID: "nope", IMEI: "1", Operator: "op", Bench: "b1", At: time.Now(), EventKey: "k3"}, nil)
	assert.Error(t, err, "a unit needs a known trade-in")
	n, err := s.CountPending(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

func TestEventsNeedWhoWhenWhere(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{sampleTradeIn("1", "356938035643809")}}, "c1"))
	r := intake.Receipt{TradeInID: "1", IMEI: "356938035643809", Operator: "op", Bench: "b1", At: time.Now(), EventKey: "k1"}
	err := s.RecordReceipt(ctx, r, []intake.Event{{Key: "k1", Kind: intake.EventReceived, TradeInID: "1", Bench: "b1", At: time.Now()}})
	require.ErrorContains(t, err, "missing who, when, where")
	_, ok, err := s.LocalReceipt(ctx, "1")
	require.NoError(t, err)
	assert.False(t, ok, "the unit is rolled back with its event")
}

func TestSettleKeepsRejectedEvents(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{sampleTradeIn("1", "356938035643809"), sampleTradeIn("2", "490154203237518")}}, "c1"))
	receive(t, s, "1", "k1")
	receive(t, s, "2", "k2")
	pending, err := s.PendingEvents(ctx, 10)
	require.NoError(t, err)
	require.Len(t, pending, 2)
	assert.Less(t, pending[0].Seq, pending[1].Seq)
	assert.True(t, json.Valid(pending[0].Payload))

	result := json.RawMessage(`{"code":"already_received","bench":"b2"}`)
	require.NoError(t, s.Settle(ctx, []Settlement{{Key: "k1", State: "applied"}, {Key: "k2", State: "rejected", Result: result}}))
	require.NoError(t, s.Settle(ctx, []Settlement{{Key: "k1", State: "duplicate"}}), "settling twice is harmless")
	n, err := s.CountPending(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	rejected, err := s.RejectedEvents(ctx)
	require.NoError(t, err)
	require.Len(t, rejected, 1)
	assert.Equal(t, "k2", rejected[0].Key)
	assert.JSONEq(t, string(result), string(rejected[0].Result))

	assert.ErrorContains(t, s.Settle(ctx, []Settlement{{Key: "nope", State: "applied"}}), "no such event")
	assert.ErrorContains(t, s.Settle(ctx, []Settlement{{Key: "k1", State: "lost"}}), `unknown settlement "lost"`)
}

func TestAuditChainDetectsTampering(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{sampleTradeIn("1", "356938035643809"), sampleTradeIn("2", "490154203237518"), sampleTradeIn("3", "352099001761481")}}, "c1"))
	for i, id := range []string{"1", "2", "3"} {
		receive(t, s, id, "k"+string(rune('a'+i)))
	}
	n, err := s.VerifyAudit(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 3, n)

	_, err = s.write.ExecContext(ctx, `UPDATE audit SET operator = 'mallory' WHERE seq = 2`)
	require.ErrorContains(t, err, "append-only")
	_, err = s.write.ExecContext(ctx, `DELETE FROM audit WHERE seq = 2`)
	require.ErrorContains(t, err, "append-only")

	// Someone with the file and a SQLite shell can still drop the guard:
	// the chain is what catches them.
	raw, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	defer raw.Close()
	_, err = raw.ExecContext(ctx, `DROP TRIGGER audit_no_update`)
	require.NoError(t, err)
	_, err = raw.ExecContext(ctx, `UPDATE audit SET operator = 'mallory' WHERE seq = 2`)
	require.NoError(t, err)
	_, err = s.VerifyAudit(ctx)
	var ce *ChainError
	require.True(t, errors.As(err, &ce), "got %v", err)
	assert.EqualValues(t, 2, ce.Seq)
}

func TestIntegrityCheck(t *testing.T) {
	s, _ := openTemp(t)
	assert.NoError(t, s.IntegrityCheck(context.Background()))
}

// A full resync refills the cache in place: until it has read the whole
// change log the bench keeps matching on everything it had; then what the
// hub no longer sent is gone, except what this bench received itself.
func TestResyncRefillsTheCacheInPlace(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	variant := func(sku, tac string) intake.Variant {
		return intake.Variant{Device: intake.Device{Make: "Apple", Model: "iPhone " + sku, Storage: "128GB", Carrier: "Unlocked", SKU: sku},
			Prices: intake.PriceTableFromBase(40000), TACs: []string{tac}}
	}
	flag := func(imei string) intake.Flag {
		return intake.Flag{IMEI: imei, Kind: intake.FlagBlacklisted, Reason: "stolen", Since: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	}
	operator := func(id string) OperatorRecord {
		return OperatorRecord{Operator: intake.Operator{ID: id, Name: id, Role: intake.RoleTechnician}, Badge: "B-" + id}
	}
	kept, gone, received := sampleTradeIn("1", "356938035643809"), sampleTradeIn("2", "490154203237518"), sampleTradeIn("3", "352099001761481")
	require.NoError(t, s.ApplyChanges(ctx, Changes{
		TradeIns:  []intake.TradeIn{kept, gone, received},
		Flags:     []intake.Flag{flag("353918050000005"), flag("353918050000013")},
		Operators: []OperatorRecord{operator("op-kept"), operator("op-gone")},
		Variants:  []intake.Variant{variant("13", "35391805"), variant("14", "35442811")},
	}, "c1"))
	receive(t, s, received.ID, "k1")

	type cached struct {
		tradeIns     []string
		flags        []string
		operators    []string
		tac13, tac14 int // models the catalog lists each TAC for
		cursor       string
	}
	state := func() cached {
		t.Helper()
		var c cached
		for _, ti := range []intake.TradeIn{kept, gone, received} {
			if _, err := s.TradeIn(ctx, ti.ID); err == nil {
				c.tradeIns = append(c.tradeIns, ti.ID)
			}
		}
		for _, imei := range []string{"353918050000005", "353918050000013"} {
			_, ok, err := s.FlagFor(ctx, imei)
			require.NoError(t, err)
			if ok {
				c.flags = append(c.flags, imei)
			}
		}
		for _, id := range []string{"op-kept", "op-gone"} {
			if _, err := s.CredentialByID(ctx, id); err == nil {
				c.operators = append(c.operators, id)
			}
		}
		m13, err := s.ModelsByTAC(ctx, "35391805")
		require.NoError(t, err)
		m14, err := s.ModelsByTAC(ctx, "35442811")
		require.NoError(t, err)
		c.tac13, c.tac14 = len(m13), len(m14)
		c.cursor, err = s.Cursor(ctx)
		require.NoError(t, err)
		return c
	}
	everything := cached{tradeIns: []string{"1", "2", "3"}, flags: []string{"353918050000005", "353918050000013"},
		operators: []string{"op-kept", "op-gone"}, tac13: 1, tac14: 1}

	require.NoError(t, s.BeginResync(ctx))
	want := everything
	assert.Equal(t, want, state(), "a resync starts from the first change and keeps the cache")

	again := Changes{TradeIns: []intake.TradeIn{kept}, Flags: []intake.Flag{flag("353918050000005")},
		Operators: []OperatorRecord{operator("op-kept")}, Variants: []intake.Variant{variant("13", "35391805")}}
	require.NoError(t, s.ApplyChanges(ctx, again, "r1"))
	want.cursor = "r1"
	assert.Equal(t, want, state(), "halfway through (the hub may go away now for days) nothing is missing")

	require.NoError(t, s.ApplyChanges(ctx, Changes{Complete: true}, "r2"))
	assert.Equal(t, cached{tradeIns: []string{"1", "3"}, flags: []string{"353918050000005"}, operators: []string{"op-kept"},
		tac13: 1, tac14: 0, cursor: "r2"}, state(), "the end of the log removes what the hub did not send again, not what this bench received")

	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: []intake.TradeIn{received}, Complete: true}, "r3"))
	_, err := s.TradeIn(ctx, kept.ID)
	assert.NoError(t, err, "after the resync an ordinary pull removes nothing it does not name")
}
