package imports_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/imports"
	"github.com/intakebench/intakebench/intake"
)

// tradeInRows are the rows of the trade-in file the tests import, as CSV
// (header first) and as JSON Lines: good ones and every kind of bad one.
// Row i is on line i+2 of the CSV and line i+1 of the JSON Lines.
var tradeInRows = [][]string{
	{"external_id", "reference", "status", "sku", "imei", "serial", "condition", "offer", "payout_method", "payout_reference", "customer_name", "created_at"},
	{"EXT-1", "", "submitted", "APIP13128UN", "354432110000012", "", "good", "", "", "", "Ana Lima", "2026-01-05"},
	{"EXT-2", "REF-77", "accepted", "APIP13256UN", "354432110000020", "", "excellent", "455.00", "check", "", "Ben Ode", "2026-01-06T10:30:00Z"},
	{"EXT-3", "", "completed", "SMS24U256UN", "357994250000042", "", "good", "465.00", "card", "ch_123", "Cy Ray", ""},
	{"EXT-4", "", "received", "GOPX8P128UN", "", "SN-PX8-0004", "fair", "193.05", "", "", "Di Fox", ""},
	{"EXT-5", "", "accepted", "APIP13128UN", "354432110000013", "", "good", "318.75", "", "", "Ed Gray", ""},
	{"EXT-6", "", "shipped", "NOPE", "354432110000038", "", "good", "100.00", "", "", "Flo", ""},
	{"EXT-7", "", "offered", "APIP13128UN", "354432110000061", "", "good", "0", "", "", "Gus", ""},
	{"EXT-8", "", "accepted", "APIP13128UN", "354432110000079", "", "mint", "12.345", "paypal", "", "Hal", ""},
	{"EXT-9", "", "lost", "APIP13128UN", "354432110000087", "", "good", "10.00", "", "", "Ivy", ""},
	{"", "", "draft", "APIP13128UN", "", "", "", "", "", "", "Jo", ""},
	{"EXT-11", "", "declined", "APIP13128UN", "354432110000103", "", "poor", "", "", "", "Kai", "2099-01-01"},
	{"EXT-12", "", "inspected", "APIP13128UN", "354432110000111", "", "good", "2000000.00", "", "", "Lu", ""},
	{"EXT-13", "", "accepted", "APIP13128UN", "354432110000129", "", "good", "50.00", "", "ch_9", "Mo", ""},
	{"EXT-2", "", "draft", "APIP13128UN", "", "SN-DUP", "", "", "", "", "Twice", ""},
	{"EXT-15", "", "draft", "APIP13128UN", "", "SN-15", "", "", "", "", "Nia", ""},
	{"EXT-16", "", "submitted", "APIP13128UN", "354432110000137", "", "", "", "", "", "Ola", ""},
	{"EXT-17", "", "inspected", "APIP13256UN", "35 443211 000014 5", "", "good", "341.25", "store-credit", "", "Pat", ""},
}

// wantTradeInRejections is the report's rejections of tradeInRows as CSV.
var wantTradeInRejections = []imports.Rejection{
	{Line: 6, Field: "imei", Reason: "IMEI check digit is 3, expected 2"},
	{Line: 7, Field: "sku", Reason: `unknown SKU "NOPE": not in the hub's catalog`},
	{Line: 8, Field: "offer", Reason: "must be more than 0.00 for a trade-in that is offered"},
	{Line: 9, Field: "condition", Reason: `unknown condition "mint" (want new, excellent, good, fair, poor or broken)`},
	{Line: 9, Field: "offer", Reason: `amount "12.345": want digits with at most two decimals`},
	{Line: 9, Field: "payout_method", Reason: `unknown payout method "paypal" (want store-credit, cash, check or card)`},
	{Line: 10, Field: "status", Reason: `unknown status "lost" (want one of draft, submitted, offered, accepted, shipped, received, inspected, completed, declined)`},
	{Line: 11, Field: "external_id", Reason: "required"},
	{Line: 11, Field: "imei", Reason: "required when there is no serial"},
	{Line: 12, Field: "created_at", Reason: "in the future"},
	{Line: 13, Field: "offer", Reason: "2000000.00 is not between 0.00 and 1000000.00: amount out of range"},
	{Line: 14, Field: "payout_reference", Reason: "only a completed trade-in has been paid"},
	{Line: 17, Field: "condition", Reason: "required for a trade-in that is submitted"},
}

func csvOf(t *testing.T, rows [][]string) string {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	require.NoError(t, w.WriteAll(rows))
	return b.String()
}

// jsonlOf writes rows after the header as JSON objects, leaving out empty
// values as a JSON writer would.
func jsonlOf(t *testing.T, rows [][]string) string {
	t.Helper()
	var b strings.Builder
	for _, r := range rows[1:] {
		obj := map[string]string{}
		for i, v := range r {
			if v != "" {
				obj[rows[0][i]] = v
			}
		}
		line, err := json.Marshal(obj)
		require.NoError(t, err)
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// shifted is rs one line up: the same rows as JSON Lines, which have no
// header.
func shifted(rs []imports.Rejection) []imports.Rejection {
	out := make([]imports.Rejection, len(rs))
	for i, r := range rs {
		r.Line--
		out[i] = r
	}
	return out
}

func TestTradeInsImportGoodRowsAndReportBadOnes(t *testing.T) {
	for _, tc := range []struct {
		format imports.Format
		file   func(*testing.T, [][]string) string
		want   []imports.Rejection
	}{
		{imports.FormatCSV, csvOf, wantTradeInRejections},
		{imports.FormatJSONL, jsonlOf, shifted(wantTradeInRejections)},
	} {
		t.Run(string(tc.format), func(t *testing.T) {
			db, path := newDB(t)
			importCatalog(t, db)
			file := tc.file(t, tradeInRows)
			ctx := context.Background()
			var streamed []imports.Rejection
			rep, err := newImporter(db).Import(ctx, imports.KindTradeIns, strings.NewReader(file), imports.Options{
				Format: tc.format, Rejected: func(rs []imports.Rejection) { streamed = append(streamed, rs...) }})
			require.NoError(t, err)
			assert.Equal(t, imports.Report{Kind: "tradeins", Rows: 17, Imported: 6, SkippedExisting: 1, RejectedRows: 10, Rejected: tc.want}, rep)
			assert.Equal(t, tc.want, streamed)

			again, err := newImporter(db).Import(ctx, imports.KindTradeIns, strings.NewReader(file), imports.Options{Format: tc.format})
			require.NoError(t, err)
			assert.Equal(t, imports.Report{Kind: "tradeins", Rows: 17, Imported: 0, SkippedExisting: 7, RejectedRows: 10, Rejected: tc.want}, again)
			assert.Equal(t, 6, count(t, path, "tradeins"))
		})
	}
}

// TestImportedTradeInsHoldWhatTheirStatusSays checks each imported
// trade-in against what the status machine would have written for it.
func TestImportedTradeInsHoldWhatTheirStatusSays(t *testing.T) {
	db, _ := newDB(t)
	importCatalog(t, db)
	_, err := newImporter(db).Import(context.Background(), imports.KindTradeIns, strings.NewReader(csvOf(t, tradeInRows)),
		imports.Options{Format: imports.FormatCSV})
	require.NoError(t, err)

	type ledger struct {
		status    intake.Status
		reference string
		unit      string // the unit's status, "" for none
		identity  string
		stock     int64
		payouts   []string // kind amount method reference
		receipt   bool
	}
	for _, tc := range []struct {
		external string
		want     ledger
	}{
		{"EXT-1", ledger{status: "submitted", reference: "TI-2026-000001"}},
		{"EXT-2", ledger{status: "accepted", reference: "REF-77", unit: "expected", identity: "354432110000020", stock: 1,
			payouts: []string{"obligation 455.00 check "}}},
		{"EXT-3", ledger{status: "completed", reference: "TI-2026-000002", unit: "received", identity: "357994250000042", stock: 1,
			payouts: []string{"obligation 465.00 card ", "release 465.00 card ", "settle 465.00 card ch_123"}, receipt: true}},
		{"EXT-4", ledger{status: "received", reference: "TI-2026-000003", unit: "received", identity: "SN-PX8-0004", stock: 1,
			payouts: []string{"obligation 193.05 store-credit "}, receipt: true}},
		{"EXT-15", ledger{status: "draft", reference: "TI-2026-000004"}},
		{"EXT-17", ledger{status: "inspected", reference: "TI-2026-000005", unit: "received", identity: "354432110000145", stock: 1,
			payouts: []string{"obligation 341.25 store-credit "}, receipt: true}},
	} {
		t.Run(tc.external, func(t *testing.T) {
			require.NoError(t, db.View(context.Background(), func(tx *hubdb.Tx) error {
				ctx := context.Background()
				ti, err := tx.TradeInByExternalID(ctx, tc.external)
				require.NoError(t, err)
				got := ledger{status: ti.Status, reference: ti.Reference, receipt: ti.Receipt != nil}
				assert.Equal(t, intake.SourceImport, ti.Source)
				assert.Equal(t, clock, ti.UpdatedAt)
				if u, err := tx.UnitOf(ctx, ti.ID); err == nil {
					got.unit, got.identity = u.Status, u.IMEI
					assert.Equal(t, ti.Device.SKU, u.SKU)
				}
				stock, err := tx.StockEntriesOf(ctx, ti.ID)
				require.NoError(t, err)
				for _, s := range stock {
					got.stock += s.Delta
					assert.Equal(t, intake.StockImported, s.Reason)
				}
				entries, err := tx.PayoutEntries(ctx, ti.ID)
				require.NoError(t, err)
				for _, e := range entries {
					got.payouts = append(got.payouts, string(e.Kind)+" "+e.Amount.String()+" "+string(e.Method)+" "+e.Reference)
					assert.Equal(t, "import", e.Actor)
				}
				_, received, err := tx.Receipt(ctx, ti.ID)
				require.NoError(t, err)
				assert.Equal(t, got.receipt, received, "receipt row")
				assert.Equal(t, tc.want, got)

				history, err := tx.History(ctx, ti.ID)
				require.NoError(t, err)
				assert.Equal(t, []hubdb.HistoryEntry{{From: "", To: tc.want.status, Actor: "import",
					Reason: "imported as " + string(tc.want.status) + " from external id " + tc.external, At: clock}}, history)
				return nil
			}))
		})
	}
	// Benches pull every imported trade-in: each has its change.
	require.NoError(t, db.View(context.Background(), func(tx *hubdb.Tx) error {
		changes, err := tx.ChangesAfter(context.Background(), 0, 1000)
		require.NoError(t, err)
		var tradeIns int
		for _, c := range changes {
			if c.Entity == "tradein" {
				tradeIns++
				var ti intake.TradeIn
				require.NoError(t, json.Unmarshal(c.Doc, &ti))
				assert.Equal(t, c.ID, ti.ID)
			}
		}
		assert.Equal(t, 6, tradeIns)
		return nil
	}))
}
