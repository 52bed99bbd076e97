package exports_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/exports"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// TestMain stops the PostgreSQL server the tests started, when they run
// on PostgreSQL (hubtest.DBEnv).
func TestMain(m *testing.M) { hubtest.Main(m) }

var (
	t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	t1 = time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)
	t2 = time.Date(2026, 3, 3, 14, 45, 30, 500_000_000, time.UTC)
)

// knownHub is a hub holding two trade-ins' units and ledgers and two bench
// events, written through hubdb as the hub writes them.
func knownHub(t *testing.T) *hubdb.DB {
	t.Helper()
	ctx := context.Background()
	db, err := hubdb.Open(ctx, hubtest.DSN(t))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, db.InTx(ctx, func(tx *hubdb.Tx) error {
		for _, id := range []string{"ti-1", "ti-2"} {
			require.NoError(t, tx.InsertTradeIn(ctx, intake.TradeIn{ID: id, Reference: "TI-2026-00000" + id[3:], Status: intake.StatusAccepted,
				IMEI: "354432110000012", UpdatedAt: t0}))
		}
		require.NoError(t, tx.InsertUnit(ctx, hubdb.Unit{ID: "unit-1", TradeInID: "ti-1", IMEI: "354432110000012", SKU: "APIP13128UN",
			Status: "expected", CreatedAt: t0, UpdatedAt: t0}))
		require.NoError(t, tx.InsertUnit(ctx, hubdb.Unit{ID: "unit-2", TradeInID: "ti-2", IMEI: "R5CT31ABCDE", SKU: "SMS24U256UN",
			Status: "received", CreatedAt: t0, UpdatedAt: t2}))
		// Received at a bench, whose label says U-5936715130527394.
		require.NoError(t, tx.InsertReceipt(ctx, intake.Receipt{TradeInID: "ti-2", IMEI: "R5CT31ABCDE", Operator: "op-tech-1", Bench: "bench-a",
			At: t2, EventKey: "0b9f3e2a-1c4d-4e5f-8a6b-7c8d9e0f1a2b"}))
		for _, e := range []intake.PayoutEntry{
			{TradeInID: "ti-1", Kind: intake.PayoutObligation, Amount: 45500, Method: intake.PayoutCheck, Actor: "import", At: t0},
			{TradeInID: "ti-2", Kind: intake.PayoutObligation, Amount: 19305, Method: intake.PayoutCard, Destination: "acct_1Nv0", Actor: "customer:c-9", At: t0},
			{TradeInID: "ti-2", Kind: intake.PayoutRelease, Amount: 19305, Method: intake.PayoutCard, Actor: "hub", Note: "inspected as disclosed, paid", At: t2},
		} {
			_, err := tx.AppendPayout(ctx, e)
			require.NoError(t, err)
		}
		for _, e := range []intake.StockEntry{
			{SKU: "APIP13128UN", Delta: 1, Reason: intake.StockImported, TradeInID: "ti-1", UnitID: "unit-1", At: t0},
			{SKU: "SMS24U256UN", Delta: 1, Reason: intake.StockAccepted, TradeInID: "ti-2", UnitID: "unit-2", At: t0},
			{SKU: "APIP13128UN", Delta: 1, Reason: intake.StockWalkIn, At: t1},
			{SKU: "APIP13128UN", Delta: -1, Reason: intake.StockReturned, TradeInID: "ti-1", UnitID: "unit-1", At: t2},
		} {
			require.NoError(t, tx.AppendStock(ctx, e))
		}
		require.NoError(t, tx.InsertBenchToken(ctx, "bench-7", "hash-of-token", []string{"intake:write"}, t0))
		for _, e := range []hubdb.Event{
			{TokenID: 1, Bench: "bench-7", Seq: 1, Key: "k-1", BodyHash: "h1", Kind: "receipt", TradeInID: "ti-2", Operator: "T-1",
				At: t1.Add(-time.Minute), Payload: []byte(`{}`), Status: "applied", Result: []byte(`{"seq":1,"key":"k-1","status":"applied"}`), ReceivedAt: t1},
			{TokenID: 1, Bench: "bench-7", Seq: 2, Key: "k-2", BodyHash: "h2", Kind: "grading", TradeInID: "ti-2", Operator: "T-1",
				At: t2.Add(-time.Minute), Payload: []byte(`{}`), Status: "rejected",
				Result: []byte(`{"seq":2,"key":"k-2","status":"rejected","code":"grade_mismatch","detail":"The grade is C, not B."}`), ReceivedAt: t2},
		} {
			require.NoError(t, tx.InsertEvent(ctx, e))
		}
		return nil
	}))
	return db
}

func TestExports(t *testing.T) {
	db := knownHub(t)
	for _, tc := range []struct {
		kind  exports.Kind
		since time.Time
		rows  int
		want  string
	}{
		{exports.KindUnits, time.Time{}, 2, `id,label_id,trade_in_id,imei,sku,status,created_at,updated_at
unit-1,,ti-1,354432110000012,APIP13128UN,expected,2026-03-01T09:00:00Z,2026-03-01T09:00:00Z
unit-2,U-5936715130527394,ti-2,R5CT31ABCDE,SMS24U256UN,received,2026-03-01T09:00:00Z,2026-03-03T14:45:30.5Z
`},
		{exports.KindUnits, t1, 1, `id,label_id,trade_in_id,imei,sku,status,created_at,updated_at
unit-2,U-5936715130527394,ti-2,R5CT31ABCDE,SMS24U256UN,received,2026-03-01T09:00:00Z,2026-03-03T14:45:30.5Z
`},
		{exports.KindPayouts, time.Time{}, 3, `id,at,trade_in_id,kind,amount,method,destination,reference,actor,note
1,2026-03-01T09:00:00Z,ti-1,obligation,455.00,check,,,import,
2,2026-03-01T09:00:00Z,ti-2,obligation,193.05,card,acct_1Nv0,,customer:c-9,
3,2026-03-03T14:45:30.5Z,ti-2,release,193.05,card,,,hub,"inspected as disclosed, paid"
`},
		{exports.KindStock, time.Time{}, 4, `id,at,sku,delta,reason,trade_in_id,unit_id,balance
1,2026-03-01T09:00:00Z,APIP13128UN,1,imported,ti-1,unit-1,1
2,2026-03-01T09:00:00Z,SMS24U256UN,1,accepted,ti-2,unit-2,1
3,2026-03-02T10:30:00Z,APIP13128UN,1,walk-in,,,2
4,2026-03-03T14:45:30.5Z,APIP13128UN,-1,returned,ti-1,unit-1,1
`},
		// A ledger read from a time on starts from the balance before it.
		{exports.KindStock, t2, 1, `id,at,sku,delta,reason,trade_in_id,unit_id,balance
4,2026-03-03T14:45:30.5Z,APIP13128UN,-1,returned,ti-1,unit-1,1
`},
		{exports.KindAudit, time.Time{}, 2, `received_at,bench,seq,key,kind,trade_in_id,operator,event_at,status,code,detail,body_hash
2026-03-02T10:30:00Z,bench-7,1,k-1,receipt,ti-2,T-1,2026-03-02T10:29:00Z,applied,,,h1
2026-03-03T14:45:30.5Z,bench-7,2,k-2,grading,ti-2,T-1,2026-03-03T14:44:30.5Z,rejected,grade_mismatch,"The grade is C, not B.",h2
`},
		{exports.KindAudit, t2.Add(time.Nanosecond), 0, "received_at,bench,seq,key,kind,trade_in_id,operator,event_at,status,code,detail,body_hash\n"},
	} {
		t.Run(string(tc.kind)+" since "+tc.since.Format(time.RFC3339Nano), func(t *testing.T) {
			var b bytes.Buffer
			n, err := exports.New(db).Export(context.Background(), tc.kind, tc.since, &b)
			require.NoError(t, err)
			assert.Equal(t, tc.want, b.String())
			assert.Equal(t, tc.rows, n)
		})
	}
}

func TestParseSince(t *testing.T) {
	for in, want := range map[string]time.Time{
		"":                          {},
		"2026-03-02":                time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
		"2026-03-02T10:30:00+02:00": time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC),
		"2026-03-02T10:30:00.5Z":    time.Date(2026, 3, 2, 10, 30, 0, 500_000_000, time.UTC),
	} {
		got, err := exports.ParseSince(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := exports.ParseSince("yesterday")
	assert.EqualError(t, err, `since "yesterday" is not a time: want RFC 3339 (2026-03-01T09:30:00Z) or a date (2026-03-01)`)
}

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(http.StripPrefix("/admin/exports", exports.Handler(exports.New(knownHub(t)))))
	defer srv.Close()
	get := func(t *testing.T, method, path string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+"/admin/exports"+path, nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, body
	}

	resp, body := get(t, http.MethodGet, "/stock?since=2026-03-03T14:45:30.5Z")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, `attachment; filename="stock.csv"`, resp.Header.Get("Content-Disposition"))
	assert.Equal(t, "id,at,sku,delta,reason,trade_in_id,unit_id,balance\n4,2026-03-03T14:45:30.5Z,APIP13128UN,-1,returned,ti-1,unit-1,1\n", string(body))

	for _, tc := range []struct {
		method, path string
		status       int
		code, detail string
	}{
		{http.MethodGet, "/stock?since=last+week", http.StatusBadRequest, "invalid_request",
			`since "last week" is not a time: want RFC 3339 (2026-03-01T09:30:00Z) or a date (2026-03-01).`},
		{http.MethodGet, "/customers", http.StatusNotFound, "unknown_export", `unknown export "customers" (want units, payouts, stock or audit)`},
		{http.MethodPost, "/units", http.StatusMethodNotAllowed, "method_not_allowed", "Exports are read with GET."},
	} {
		resp, body := get(t, tc.method, tc.path)
		assert.Equal(t, tc.status, resp.StatusCode, tc.path)
		assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
		var p map[string]any
		require.NoError(t, json.Unmarshal(body, &p))
		assert.Equal(t, map[string]any{"type": "urn:intakebench:problem:" + tc.code, "title": http.StatusText(tc.status), "status": float64(tc.status),
			"code": tc.code, "detail": tc.detail}, p)
	}
}
