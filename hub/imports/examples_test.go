package imports_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/imports"
)

// TestExampleFilesImport keeps the repository's example files (the
// README's file formats) importable: into an empty hub, in the order a
// new hub takes them, every row of each is imported, in both formats.
func TestExampleFilesImport(t *testing.T) {
	dir := filepath.Join("..", "..", "docs", "examples")
	want := map[imports.Kind]imports.Report{
		imports.KindCatalog:  {Kind: "catalog", Rows: 2, Imported: 2, Rejected: []imports.Rejection{}},
		imports.KindPrices:   {Kind: "prices", Rows: 2, Updated: 2, Rejected: []imports.Rejection{}},
		imports.KindFlags:    {Kind: "flags", Rows: 2, Imported: 2, Rejected: []imports.Rejection{}},
		imports.KindStaff:    {Kind: "staff", Rows: 2, Imported: 2, Rejected: []imports.Rejection{}},
		imports.KindTradeIns: {Kind: "tradeins", Rows: 4, Imported: 4, Rejected: []imports.Rejection{}},
	}
	for _, format := range []imports.Format{imports.FormatCSV, imports.FormatJSONL} {
		t.Run(string(format), func(t *testing.T) {
			db, _ := newDB(t)
			for _, kind := range imports.Kinds {
				f, err := os.Open(filepath.Join(dir, string(kind)+"."+string(format)))
				require.NoError(t, err)
				rep, err := newImporter(db).Import(context.Background(), kind, f, imports.Options{Format: format})
				f.Close()
				require.NoError(t, err, kind)
				assert.Equal(t, want[kind], rep, kind)
			}
		})
	}
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	require.NoError(t, err)
	assert.Len(t, files, 2*len(imports.Kinds), "one example of each kind in each format")
}
