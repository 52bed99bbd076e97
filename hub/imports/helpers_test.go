package imports_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/imports"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// TestMain stops the PostgreSQL server the tests started, when they run
// on PostgreSQL (hubtest.DBEnv).
func TestMain(m *testing.M) { hubtest.Main(m) }

// clock is the time every test import happens at.
var clock = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

func openDB(tb testing.TB, dsn string) *hubdb.DB {
	tb.Helper()
	db, err := hubdb.Open(context.Background(), dsn)
	require.NoError(tb, err)
	tb.Cleanup(func() { db.Close() })
	return db
}

// newDB is a new hub database: a SQLite file, or a PostgreSQL database on
// the PostgreSQL runs (hubtest.DBEnv).
func newDB(tb testing.TB) (*hubdb.DB, string) {
	tb.Helper()
	dsn := hubtest.DSN(tb)
	return openDB(tb, dsn), dsn
}

func newImporter(db *hubdb.DB) *imports.Importer {
	return imports.New(db, imports.Config{Now: func() time.Time { return clock }})
}

// testCatalog is the catalog the trade-in tests name SKUs of.
const testCatalog = `sku,make,model,storage,carrier,price_new,price_excellent,price_good,price_fair,price_poor,price_broken,tacs
APIP13128UN,Apple,iPhone 13,128GB,Unlocked,476.00,425.00,318.75,248.62,178.50,85.00,35443211 35442811
APIP13256UN,Apple,iPhone 13,256GB,Unlocked,509.60,455.00,341.25,266.18,191.10,91.00,35443211 35442811
SMS24U256UN,Samsung,Galaxy S24 Ultra,256GB,Unlocked,694.40,620.00,465.00,362.70,260.40,124.00,35799425
GOPX8P128UN,Google,Pixel 8 Pro,128GB,Unlocked,369.60,330.00,247.50,193.05,138.60,66.00,35635011
`

// count counts a table's rows, reading the database as another process
// would.
func count(tb testing.TB, dsn, table string) int {
	tb.Helper()
	return countWhere(tb, dsn, table, "1 = 1")
}

// countWhere counts a table's rows that match where.
func countWhere(tb testing.TB, dsn, table, where string) int {
	tb.Helper()
	var n int
	require.NoError(tb, hubtest.Raw(tb, dsn).QueryRow(`SELECT count(*) FROM `+table+` WHERE `+where).Scan(&n))
	return n
}

func importCatalog(tb testing.TB, db *hubdb.DB) {
	tb.Helper()
	rep, err := newImporter(db).Import(context.Background(), imports.KindCatalog, strings.NewReader(testCatalog), imports.Options{Format: imports.FormatCSV})
	require.NoError(tb, err)
	require.Empty(tb, rep.Rejected)
}
