package imports_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/imports"
)

const tradeInHeader = "external_id,status,sku,imei,condition,offer\n"

// TestMalformedFilesChangeNothing: a file read for its structure first is
// refused whole, before any row is applied, with the line and what is
// wrong with it.
func TestMalformedFilesChangeNothing(t *testing.T) {
	all := "external_id, reference, status, sku, imei, imei2, serial, colour, condition, offer, payout_method, payout_reference, " +
		"customer_name, customer_email, customer_phone, tracking, created_at, site"
	for _, tc := range []struct {
		name   string
		format imports.Format
		file   string
		want   string
	}{
		{"a record with a field too many", imports.FormatCSV,
			tradeInHeader + "EXT-1,accepted,APIP13128UN,354432110000012,good,100.00\nEXT-2,accepted,APIP13128UN,354432110000020,good,100.00,extra\n",
			"line 3: wrong number of fields: every record has as many as the header"},
		{"a record with a field too few", imports.FormatCSV,
			tradeInHeader + "EXT-1,accepted,APIP13128UN,354432110000012,good\n",
			"line 2: wrong number of fields: every record has as many as the header"},
		{"no header", imports.FormatCSV,
			"EXT-1,accepted,APIP13128UN,354432110000012,good,100.00\n",
			"line 1: no header: the first line must name the columns (" + all + ")"},
		{"an unknown column", imports.FormatCSV,
			"external_id,status,sku,imei,condition,ofer\nEXT-1,accepted,APIP13128UN,354432110000012,good,100.00\n",
			`line 1: unknown column "ofer" in the header (the columns are ` + all + ")"},
		{"a required column missing", imports.FormatCSV,
			"external_id,status,imei\nEXT-1,accepted,354432110000012\n",
			"line 1: the header lacks the required column sku"},
		{"a column twice", imports.FormatCSV,
			"external_id,status,sku,SKU\nEXT-1,accepted,APIP13128UN,APIP13128UN\n",
			"line 1: the header names the column sku twice"},
		{"an empty file", imports.FormatCSV, "",
			"the file is empty: a CSV file starts with a header naming its columns (" + all + ")"},
		{"a stray quote", imports.FormatCSV,
			tradeInHeader + "EXT-1,accepted,APIP\"13,354432110000012,good,100.00\n",
			`line 2: bare " in non-quoted-field, column 20`},
		{"a line that is not an object", imports.FormatJSONL,
			`{"external_id":"EXT-1","status":"draft","sku":"APIP13128UN","serial":"S1"}` + "\n" + `["EXT-2"]` + "\n",
			"line 2: not a JSON object: each line holds one object"},
		{"a line cut short", imports.FormatJSONL,
			`{"external_id":"EXT-1","status":"draft","sku":"APIP13128UN","serial":"S1"}` + "\n\n" + `{"external_id":"EXT-3","status":` + "\n",
			"line 3: not valid JSON (at byte 32 of the line)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, path := newDB(t)
			importCatalog(t, db)
			rep, err := newImporter(db).Import(context.Background(), imports.KindTradeIns, strings.NewReader(tc.file), imports.Options{Format: tc.format})
			var fe *imports.FormatError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tc.want, err.Error())
			assert.False(t, errors.Is(err, imports.ErrStopped))
			assert.Equal(t, 0, rep.Imported)
			assert.Equal(t, 0, count(t, path, "tradeins"))
		})
	}
}

// onlyReader hides a reader's Seek: a stream read once.
type onlyReader struct{ io.Reader }

// TestAStreamStopsAtItsFirstMalformedLine: a stream cannot be read twice,
// so the batches before a malformed line are applied, each whole, and
// the error says how far the import got.
func TestAStreamStopsAtItsFirstMalformedLine(t *testing.T) {
	db, path := newDB(t)
	importCatalog(t, db)
	file := tradeInHeader +
		"EXT-1,accepted,APIP13128UN,354432110000012,good,100.00\n" +
		"EXT-2,accepted,APIP13128UN,354432110000020,good,100.00\n" +
		"EXT-3,accepted,APIP13128UN,354432110000038,good,100.00\n" +
		"EXT-4,accepted,APIP13128UN,354432110000061,good\n"
	rep, err := newImporter(db).Import(context.Background(), imports.KindTradeIns, onlyReader{strings.NewReader(file)},
		imports.Options{Format: imports.FormatCSV, BatchSize: 2})
	require.ErrorIs(t, err, imports.ErrStopped)
	assert.Equal(t, "import stopped after 2 batches (3 rows read): line 5: wrong number of fields: every record has as many as the header; "+
		"importing the file again completes it", err.Error())
	assert.Equal(t, imports.Report{Kind: "tradeins", Rows: 3, Imported: 3, Rejected: []imports.Rejection{}}, rep)
	assert.Equal(t, 3, count(t, path, "tradeins"))
}

func TestJSONLinesValues(t *testing.T) {
	db, _ := newDB(t)
	importCatalog(t, db)
	file := `{"external_id":"EXT-1","status":"accepted","sku":"APIP13128UN","imei":"354432110000012","condition":"good","offer":318.75}
{"external_id":"EXT-2","status":"draft","sku":"APIP13128UN","serial":"S2","offer":null,"tracking":"1Z999"}
{"external_id":"EXT-3","status":"draft","sku":"APIP13128UN","serial":{"v":"S3"}}
{"external_id":"EXT-4","status":"draft","sku":"APIP13128UN","serial":"S4","ofer":"1.00"}
{"external_id":"EXT-5","status":"accepted","sku":"APIP13128UN","imei":"354432110000020","condition":"good","offer":3.2e2}
`
	rep, err := newImporter(db).Import(context.Background(), imports.KindTradeIns, strings.NewReader(file), imports.Options{Format: imports.FormatJSONL})
	require.NoError(t, err)
	assert.Equal(t, imports.Report{Kind: "tradeins", Rows: 5, Imported: 2, RejectedRows: 3, Rejected: []imports.Rejection{
		{Line: 3, Field: "serial", Reason: "want a string, a number or a list of strings"},
		{Line: 3, Field: "imei", Reason: "required when there is no serial"},
		{Line: 4, Field: "ofer", Reason: "unknown field (the fields are external_id, reference, status, sku, imei, imei2, serial, colour, " +
			"condition, offer, payout_method, payout_reference, customer_name, customer_email, customer_phone, tracking, created_at, site)"},
		{Line: 5, Field: "offer", Reason: `amount "3.2e2": want digits with at most two decimals`},
	}}, rep)
}

func TestParseNames(t *testing.T) {
	for _, tc := range []struct {
		name   string
		format imports.Format
		ok     bool
	}{
		{"tradeins.csv", imports.FormatCSV, true},
		{"EXPORT.CSV", imports.FormatCSV, true},
		{"flags.jsonl", imports.FormatJSONL, true},
		{"flags.ndjson", imports.FormatJSONL, true},
		{"staff.txt", "", false},
	} {
		f, ok := imports.FormatOf(tc.name)
		assert.Equal(t, tc.format, f, tc.name)
		assert.Equal(t, tc.ok, ok, tc.name)
	}
	_, err := imports.ParseKind("customers")
	assert.EqualError(t, err, `unknown import "customers" (want tradeins, flags, catalog, prices or staff)`)
}
