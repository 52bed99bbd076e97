package store

import (
	"context"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/migrate"
	"github.com/intakebench/intakebench/internal/sqlitedb"
)

func tacVariant(sku, make, model string, tacs ...string) intake.Variant {
	return intake.Variant{Device: intake.Device{Make: make, Model: model, Storage: "128GB", Carrier: "Unlocked", SKU: sku},
		Prices: intake.PriceTableFromBase(40000), TACs: tacs}
}

func models(t *testing.T, s *Store, tac string) []intake.DeviceModel {
	t.Helper()
	ms, err := s.ModelsByTAC(context.Background(), tac)
	require.NoError(t, err)
	return ms
}

func TestTACIndexFollowsTheCatalog(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bench.db")
	s, err := Open(ctx, path)
	require.NoError(t, err)
	iPhone13 := []intake.DeviceModel{{Make: "Apple", Model: "iPhone 13"}}
	iPhone14 := []intake.DeviceModel{{Make: "Apple", Model: "iPhone 14"}}

	require.NoError(t, s.ApplyChanges(ctx, Changes{Variants: []intake.Variant{
		tacVariant("IP13-128", "Apple", "iPhone 13", "35442811", "35443211"),
		tacVariant("IP13-256", "Apple", "iPhone 13", "35443211", "35442811", "35442811"), // duplicates are harmless
		tacVariant("IP14-128", "Apple", "iPhone 14", "35313310", "35000001"),
		tacVariant("S23U-256", "Samsung", "Galaxy S23 Ultra", "35000001"),
		tacVariant("NOTAC", "Nokia", "3310"), // TAC lists are optional
	}}, "c1"))
	assert.Equal(t, iPhone13, models(t, s, "35442811"), "a model once, however many variants list the TAC")
	assert.Equal(t, iPhone14, models(t, s, "35313310"))
	assert.Equal(t, []intake.DeviceModel{{Make: "Apple", Model: "iPhone 14"}, {Make: "Samsung", Model: "Galaxy S23 Ultra"}},
		models(t, s, "35000001"), "a TAC two lists claim names both models")
	assert.Empty(t, models(t, s, "35999999"), "an unknown TAC names nothing")
	v, err := s.Variant(ctx, "IP14-128")
	require.NoError(t, err)
	assert.Equal(t, []string{"35313310", "35000001"}, v.TACs, "the variant keeps its TACs")

	// The index survives a restart: it is in the file.
	require.NoError(t, s.Close())
	s, err = Open(ctx, path)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	assert.Equal(t, iPhone14, models(t, s, "35313310"))

	// An update replaces the variant's TACs, and a renamed model moves them.
	require.NoError(t, s.ApplyChanges(ctx, Changes{Variants: []intake.Variant{
		tacVariant("IP14-128", "Apple", "iPhone 14", "35313310"),
		tacVariant("S23U-256", "Samsung", "Galaxy S23 Ultra (SM-S918)", "35000001"),
	}}, "c2"))
	assert.Equal(t, []intake.DeviceModel{{Make: "Samsung", Model: "Galaxy S23 Ultra (SM-S918)"}}, models(t, s, "35000001"))

	// A deleted variant takes its TACs along, unless another variant of the
	// model still lists them.
	require.NoError(t, s.ApplyChanges(ctx, Changes{DeletedVariants: []string{"IP13-128", "IP14-128"}}, "c3"))
	assert.Equal(t, iPhone13, models(t, s, "35442811"), "IP13-256 still lists it")
	assert.Empty(t, models(t, s, "35313310"))
	var rows int
	require.NoError(t, s.read.QueryRowContext(ctx, `SELECT count(*) FROM catalog_tacs WHERE sku IN ('IP13-128', 'IP14-128')`).Scan(&rows))
	assert.Zero(t, rows)
}

func TestTACIndexRefusesWhatIsNotATAC(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	require.NoError(t, s.ApplyChanges(ctx, Changes{Variants: []intake.Variant{tacVariant("IP13", "Apple", "iPhone 13", "35442811")}}, "c1"))
	for _, bad := range []string{"3544281", "354428111", "3544281x", ""} {
		err := s.ApplyChanges(ctx, Changes{Variants: []intake.Variant{
			tacVariant("IP13", "Apple", "iPhone 14", "35313310"),
			tacVariant("IP15", "Apple", "iPhone 15", bad),
		}}, "c2")
		require.ErrorContains(t, err, "is not 8 digits", "TAC %q", bad)
	}
	assert.Equal(t, []intake.DeviceModel{{Make: "Apple", Model: "iPhone 13"}}, models(t, s, "35442811"), "a bad page applies nothing")
	assert.Empty(t, models(t, s, "35313310"))
	c, err := s.Cursor(ctx)
	require.NoError(t, err)
	assert.Equal(t, "c1", c)
	_, err = s.write.ExecContext(ctx, `INSERT INTO catalog_tacs (tac, sku) VALUES ('1234567a', 'IP13')`)
	assert.Error(t, err, "the schema refuses it too")
}

// A bench database from before TACs upgrades in place: its cached
// variants carry none, and the index fills as the hub sends them again.
func TestTACIndexMigratesAnOlderBenchDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bench.db")
	old := fstest.MapFS{}
	for _, name := range []string{"0001_init.sql", "0002_hand_links_and_stats.sql"} {
		b, err := migrations.ReadFile("migrations/" + name)
		require.NoError(t, err)
		old["migrations/"+name] = &fstest.MapFile{Data: b}
	}
	pools, err := sqlitedb.Open(ctx, path, "intakebench", 1, nil, migrate.Set{Component: "store", FS: old, Dir: "migrations"})
	require.NoError(t, err)
	_, err = pools.Write.ExecContext(ctx, `INSERT INTO catalog (sku, make, model, storage, carrier, doc) VALUES
		('IP13', 'Apple', 'iPhone 13', '128GB', 'Unlocked', '{"device":{"make":"Apple","model":"iPhone 13","storage":"128GB","sku":"IP13"},"prices":{}}')`)
	require.NoError(t, err)
	require.NoError(t, pools.Close())

	s, err := Open(ctx, path)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	assert.Empty(t, models(t, s, "35442811"))
	require.NoError(t, s.ApplyChanges(ctx, Changes{Variants: []intake.Variant{tacVariant("IP13", "Apple", "iPhone 13", "35442811")}}, "c1"))
	assert.Equal(t, []intake.DeviceModel{{Make: "Apple", Model: "iPhone 13"}}, models(t, s, "35442811"))
}
