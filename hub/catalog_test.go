package hub_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// variantsOf pulls the whole change log and returns the variants in it, by SKU.
func variantsOf(t *testing.T, h *hubtest.Hub, token, cursor string) (map[string]wire.Variant, string) {
	t.Helper()
	out := map[string]wire.Variant{}
	for {
		p := pull(t, h, token, cursor, 1000)
		for _, c := range p.Changes {
			if c.Entity == wire.EntityVariant && c.Variant != nil {
				out[c.ID] = *c.Variant
			}
		}
		cursor = p.NextCursor
		if !p.HasMore {
			return out, cursor
		}
	}
}

func TestCatalogCarriesTACs(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	ctx := context.Background()
	token := h.Enroll(t, "bench-a")

	stored, err := h.Variants(ctx)
	require.NoError(t, err)
	pulled, cursor := variantsOf(t, h, token, "")
	require.Len(t, pulled, len(demo.Variants()))
	for _, v := range demo.Variants() {
		want := slices.Sorted(slices.Values(v.Model.TACs))
		assert.Equal(t, want, pulled[v.SKU].TACs, "variant %s is served with its model's TACs", v.SKU)
		i := slices.IndexFunc(stored, func(s wire.Variant) bool { return s.SKU == v.SKU })
		require.GreaterOrEqual(t, i, 0)
		assert.Equal(t, want, stored[i].TACs, "variant %s is stored with its model's TACs", v.SKU)
	}

	// A catalog update replaces a variant's TACs, sorted and without
	// duplicates, and benches pull it.
	v := pulled[demo.Variants()[0].SKU]
	v.TACs = []string{"35392111", "35392110", "35392111"}
	require.NoError(t, h.PutVariants(ctx, []wire.Variant{v}))
	changed, _ := variantsOf(t, h, token, cursor)
	require.Contains(t, changed, v.SKU)
	assert.Equal(t, []string{"35392110", "35392111"}, changed[v.SKU].TACs)

	// The hub never publishes what a bench would refuse.
	bad := v
	bad.TACs = []string{"3539211"}
	require.ErrorContains(t, h.PutVariants(ctx, []wire.Variant{bad}), "is not 8 digits")
	got, err := h.FindVariant(ctx, v.Make, v.Model, v.Storage, v.Carrier)
	require.NoError(t, err)
	assert.Equal(t, []string{"35392110", "35392111"}, got.TACs, "a refused update changes nothing")
}

// The bench refuses to receive a device whose IMEI's TAC names another model
// than its trade-in's; the hub does not judge TACs, so a bench whose catalog
// is older than the hub's is never refused a receipt it made.
func TestHubReceivesWhateverTheTACSays(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 1})
	ctx := context.Background()
	token := h.Enroll(t, "bench-a")
	ti := tradeInOf(t, h, 1)
	ti.Device.Make, ti.Device.Model = "Nokia", "3310" // a model no TAC of the catalog names
	require.NoError(t, h.PutTradeIns(ctx, []intake.TradeIn{ti}))

	r := results(t, push(t, h, token, "bench-a", received(t, 1, ti, "bench-a", time.Now().UTC())))[0]
	assert.Equal(t, wire.StatusApplied, r.Status, "%s: %s", r.Code, r.Detail)
}

// The registry takes only flags a bench would accept, all or nothing.
func TestPutFlagsRefusesBadFlagsWhole(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	ctx := context.Background()
	good := hub.RegistryEntry{Flag: intake.Flag{IMEI: "490154203237518", Kind: intake.FlagBlacklisted, Reason: "stolen", Since: time.Now().UTC()}}
	for name, bad := range map[string]hub.RegistryEntry{
		"an IMEI with a wrong check digit": {Flag: intake.Flag{IMEI: "490154203237519", Kind: intake.FlagBlacklisted, Reason: "stolen", Since: time.Now().UTC()}},
		"a negative balance":               {Flag: good.Flag, Balance: -1},
	} {
		require.Error(t, h.PutFlags(ctx, []hub.RegistryEntry{good, bad}), name)
		c, err := h.CheckIMEI(ctx, good.IMEI)
		require.NoError(t, err)
		assert.Equal(t, "clean", string(c.Status), "%s: nothing of the batch is stored", name)
	}
}
