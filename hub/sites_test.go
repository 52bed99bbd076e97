package hub_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// siteCache is what a bench holds of the trade-ins and operators it
// pulled, as "entity id": the changes applied in order, as a bench does.
type siteCache map[string]bool

func (c siteCache) apply(changes []wire.Change) {
	for _, ch := range changes {
		if ch.Entity != wire.EntityTradeIn && ch.Entity != wire.EntityOperator {
			continue
		}
		key := string(ch.Entity) + " " + ch.ID
		if ch.Op == wire.OpDelete {
			delete(c, key)
		} else {
			c[key] = true
		}
	}
}

func (c siteCache) held() []string {
	out := make([]string, 0, len(c))
	for k := range c {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// sitedBench is a bench with its cache and cursor.
type sitedBench struct {
	*benchClient
	cache  siteCache
	cursor string
}

// sync pulls what is new, in pages of 3 (so that pages end between the
// entries a site skips), and returns it.
func (b *sitedBench) sync(t *testing.T) []wire.Change {
	t.Helper()
	changes, cursor := b.pullAll(t, b.cursor, 3)
	b.cache.apply(changes)
	b.cursor = cursor
	return changes
}

func twoSites(t *testing.T, h *hubtest.Hub) {
	t.Helper()
	ctx := context.Background()
	for _, s := range []hub.SiteInput{
		{ID: "leeds-wh", Name: "Leeds warehouse", Kind: "warehouse"},
		{ID: "soho", Name: "Soho store", Kind: "store"},
	} {
		_, err := h.CreateSite(ctx, s)
		require.NoError(t, err)
	}
}

// Two sites, a bench at each and one at none: each site's bench pulls its
// site's trade-ins and operators and those of no site, the bench of no site
// everything; a trade-in or operator moved to another site leaves the
// first site's bench (a delete) and reaches the second's.
func TestBenchesPullTheirSite(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 4})
	ctx := context.Background()
	twoSites(t, h)
	bench := func(name, site string) *sitedBench {
		b := &sitedBench{benchClient: enrollBench(t, h, name), cache: siteCache{}}
		require.NoError(t, h.AssignBench(ctx, name, site))
		return b
	}
	leeds, soho, all := bench("bench-leeds", "leeds-wh"), bench("bench-soho", "soho"), bench("bench-all", "")
	require.NoError(t, h.AssignTradeIn(ctx, "ti-00000001", "leeds-wh"))
	require.NoError(t, h.AssignTradeIn(ctx, "ti-00000002", "leeds-wh"))
	require.NoError(t, h.AssignTradeIn(ctx, "ti-00000003", "soho"))
	require.NoError(t, h.AssignOperator(ctx, opTechnician, "leeds-wh"))
	require.NoError(t, h.AssignOperator(ctx, opClerk, "soho"))
	for _, b := range []*sitedBench{leeds, soho, all} {
		b.sync(t)
	}
	assert.Equal(t, []string{"operator op-super-1", "operator op-tech-1",
		"tradein ti-00000001", "tradein ti-00000002", "tradein ti-00000004"}, leeds.cache.held())
	assert.Equal(t, []string{"operator op-clerk-1", "operator op-super-1",
		"tradein ti-00000003", "tradein ti-00000004"}, soho.cache.held())
	assert.Equal(t, []string{"operator op-clerk-1", "operator op-super-1", "operator op-tech-1",
		"tradein ti-00000001", "tradein ti-00000002", "tradein ti-00000003", "tradein ti-00000004"}, all.cache.held())

	t.Run("a transfer", func(t *testing.T) {
		// A site's cursor is instance.seq.start-horizon.view.start-top.
		parts := strings.Split(leeds.cursor, ".")
		require.Len(t, parts, 5, leeds.cursor)
		assert.Equal(t, "i_leeds-wh", parts[3])
		before, err := strconv.ParseInt(parts[1], 10, 64)
		require.NoError(t, err)
		require.NoError(t, h.AssignTradeIn(ctx, "ti-00000002", "soho"))
		// The move logs the site left (before+1), then the trade-in
		// (before+2), which the bench of the site left does not see.
		assert.Equal(t, []wire.Change{{Seq: before + 1, Entity: wire.EntityTradeIn, Op: wire.OpDelete, ID: "ti-00000002"}},
			leeds.sync(t), "the site it left is sent its delete")
		got := soho.sync(t)
		require.Len(t, got, 1)
		assert.Equal(t, "ti-00000002", got[0].ID)
		assert.Equal(t, wire.OpUpsert, got[0].Op)
		require.NotNil(t, got[0].TradeIn)
		assert.Equal(t, "ti-00000002", got[0].TradeIn.ID)
		got = all.sync(t)
		require.Len(t, got, 1, "the bench of no site is sent the trade-in again, not its delete")
		assert.Equal(t, wire.OpUpsert, got[0].Op)
		assert.Equal(t, []string{"operator op-super-1", "operator op-tech-1", "tradein ti-00000001", "tradein ti-00000004"}, leeds.cache.held())
		assert.Equal(t, []string{"operator op-clerk-1", "operator op-super-1",
			"tradein ti-00000002", "tradein ti-00000003", "tradein ti-00000004"}, soho.cache.held())
	})

	t.Run("moved back and forth while a bench was offline", func(t *testing.T) {
		for _, site := range []string{"soho", "leeds-wh", "soho"} {
			require.NoError(t, h.AssignTradeIn(ctx, "ti-00000001", site))
			// A change of the trade-in itself in between moves its entry
			// past the moves' own.
			ti, err := h.TradeIn(ctx, "ti-00000001")
			require.NoError(t, err)
			require.NoError(t, h.PutTradeIns(ctx, []intake.TradeIn{ti}))
		}
		site, err := h.SiteOf(ctx, wire.EntityTradeIn, "ti-00000001")
		require.NoError(t, err)
		assert.Equal(t, "soho", site, "putting a trade-in again keeps its site")
		leeds.sync(t)
		soho.sync(t)
		all.sync(t)
		assert.Equal(t, []string{"operator op-super-1", "operator op-tech-1", "tradein ti-00000004"}, leeds.cache.held())
		assert.Equal(t, []string{"operator op-clerk-1", "operator op-super-1", "tradein ti-00000001",
			"tradein ti-00000002", "tradein ti-00000003", "tradein ti-00000004"}, soho.cache.held())
		assert.Len(t, all.cache.held(), 7)
	})

	t.Run("an operator to every site", func(t *testing.T) {
		require.NoError(t, h.AssignOperator(ctx, opClerk, ""))
		got := leeds.sync(t)
		require.Len(t, got, 1)
		assert.Equal(t, "op-clerk-1", got[0].ID)
		require.NotNil(t, got[0].Operator, "the operator as the intake view shows them")
		got = soho.sync(t)
		require.Len(t, got, 1, "the site it left had it, and keeps it")
		assert.Equal(t, wire.OpUpsert, got[0].Op)
		assert.Equal(t, []string{"operator op-clerk-1", "operator op-super-1", "operator op-tech-1", "tradein ti-00000004"}, leeds.cache.held())
		assert.Equal(t, []string{"operator op-clerk-1", "operator op-super-1", "tradein ti-00000001",
			"tradein ti-00000002", "tradein ti-00000003", "tradein ti-00000004"}, soho.cache.held())
	})

	t.Run("a bench moved to a site starts again", func(t *testing.T) {
		require.NoError(t, h.AssignBench(ctx, "bench-all", "leeds-wh"))
		a := call(t, http.MethodGet, h.URL+"/v1/changes?cursor="+all.cursor, all.token, nil)
		require.Equal(t, http.StatusGone, a.status, "%s", a.body)
		assert.Equal(t, wire.CodeCursorExpired, a.problem(t).Code)
		all.cache, all.cursor = siteCache{}, ""
		for _, c := range all.sync(t) {
			assert.Equal(t, wire.OpUpsert, c.Op, "a read from the start is sent no delete of what moved before it began: %s %s", c.Entity, c.ID)
		}
		assert.Equal(t, leeds.cache.held(), all.cache.held())
		// What moves once it began reading is sent as to any bench.
		require.NoError(t, h.AssignTradeIn(ctx, "ti-00000004", "soho"))
		got := all.sync(t)
		require.Len(t, got, 1)
		assert.Equal(t, wire.OpDelete, got[0].Op)
		assert.Equal(t, "ti-00000004", got[0].ID)
	})
}

// The supervisors' lists of a bench of a site are its site's: reviews of
// its site's trade-ins and of none, devices quarantined at its site's
// benches and at benches of none. A bench of no site sees them all.
func TestSupervisorsSeeTheirSite(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	ctx := context.Background()
	twoSites(t, h)
	leeds, soho, all := enrollBench(t, h, "bench-leeds"), enrollBench(t, h, "bench-soho"), enrollBench(t, h, "bench-all")
	require.NoError(t, h.AssignBench(ctx, "bench-leeds", "leeds-wh"))
	require.NoError(t, h.AssignBench(ctx, "bench-soho", "soho"))
	leeds.reroutedHere(t, "ti-leeds", testIMEI(t, 1))
	require.NoError(t, h.AssignTradeIn(ctx, "ti-leeds", "leeds-wh"))
	soho.reroutedHere(t, "ti-soho", testIMEI(t, 2))
	require.NoError(t, h.AssignTradeIn(ctx, "ti-soho", "soho"))
	all.reroutedHere(t, "ti-anywhere", testIMEI(t, 3))

	ids := func(b *benchClient) []string {
		var out []string
		for _, r := range reviewsAt(t, b) {
			out = append(out, r.TradeIn.ID)
		}
		slices.Sort(out)
		return out
	}
	assert.Equal(t, []string{"ti-anywhere", "ti-leeds"}, ids(leeds))
	assert.Equal(t, []string{"ti-anywhere", "ti-soho"}, ids(soho))
	assert.Equal(t, []string{"ti-anywhere", "ti-leeds", "ti-soho"}, ids(all))
	for _, tt := range []struct {
		b      *benchClient
		status int
	}{{leeds, http.StatusOK}, {all, http.StatusOK}, {soho, http.StatusNotFound}} {
		a := call(t, http.MethodGet, h.URL+"/v1/tradeins/ti-leeds/photos", tt.b.token, nil)
		require.Equal(t, tt.status, a.status, "%s: %s", tt.b.name, a.body)
		if tt.status == http.StatusNotFound {
			assert.Equal(t, "not_found", a.problem(t).Code, "another site's trade-in is not shown")
		}
	}

	quarantine := func(b *benchClient, scan string) {
		ev, _ := quarantined(t, b.seq+1, b.name, scan, "no paperwork in the box")
		b.seq++
		r := b.push(t, ev)
		require.Equal(t, wire.StatusApplied, r[0].Status, "%s: %s", r[0].Code, r[0].Detail)
	}
	quarantine(leeds, "S/N: F17XQ9Z1HG7K")
	quarantine(all, "358240051111110")
	benches := func(b *benchClient) []string {
		a := call(t, http.MethodGet, h.URL+"/v1/quarantines", b.token, nil)
		require.Equal(t, http.StatusOK, a.status, "%s", a.body)
		var page wire.QuarantinesPage
		require.NoError(t, json.Unmarshal(a.body, &page))
		var out []string
		for _, q := range page.Quarantines {
			out = append(out, q.Bench)
		}
		slices.Sort(out)
		return out
	}
	assert.Equal(t, []string{"bench-all", "bench-leeds"}, benches(leeds))
	assert.Equal(t, []string{"bench-all"}, benches(soho))
	assert.Equal(t, []string{"bench-all", "bench-leeds"}, benches(all))
}

// Refusals of the sites' operations, with their stable codes; a refusal
// changes nothing.
func TestSiteRefusals(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 1})
	ctx := context.Background()
	twoSites(t, h)
	h.Enroll(t, "bench-1")
	tests := []struct {
		name string
		do   func() error
		code string
	}{
		{"a kind that is neither", func() error {
			_, err := h.CreateSite(ctx, hub.SiteInput{ID: "depot", Name: "Depot", Kind: "depot"})
			return err
		}, "invalid_site_kind"},
		{"an id taken", func() error {
			_, err := h.CreateSite(ctx, hub.SiteInput{ID: "soho", Name: "Soho again", Kind: "store"})
			return err
		}, "site_exists"},
		{"an id that is not a slug", func() error {
			_, err := h.CreateSite(ctx, hub.SiteInput{ID: "Soho Store", Name: "Soho", Kind: "store"})
			return err
		}, "invalid_request"},
		{"no name", func() error {
			_, err := h.CreateSite(ctx, hub.SiteInput{ID: "bath", Name: " ", Kind: "store"})
			return err
		}, "invalid_request"},
		{"a trade-in to an unknown site", func() error { return h.AssignTradeIn(ctx, "ti-00000001", "york") }, "unknown_site"},
		{"an operator to an unknown site", func() error { return h.AssignOperator(ctx, opClerk, "york") }, "unknown_site"},
		{"a bench to an unknown site", func() error { return h.AssignBench(ctx, "bench-1", "york") }, "unknown_site"},
		{"a site that could not be one", func() error { return h.AssignBench(ctx, "bench-1", "York.1") }, "unknown_site"},
		{"an unknown trade-in", func() error { return h.AssignTradeIn(ctx, "ti-nope", "soho") }, "submission_not_found"},
		{"an unknown operator", func() error { return h.AssignOperator(ctx, "op-nope", "soho") }, "operator_not_found"},
		{"a bench never enrolled", func() error { return h.AssignBench(ctx, "bench-ghost", "soho") }, "unknown_bench"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var he *hub.Error
			require.ErrorAs(t, tt.do(), &he)
			assert.Equal(t, tt.code, he.Code, he.Detail)
		})
	}
	sites, err := h.Sites(ctx)
	require.NoError(t, err)
	require.Len(t, sites, 2)
	assert.Equal(t, []string{"leeds-wh", "soho"}, []string{sites[0].ID, sites[1].ID})
	assert.Equal(t, []string{"warehouse", "store"}, []string{sites[0].Kind, sites[1].Kind})
	for _, e := range []struct {
		entity wire.Entity
		id     string
	}{{wire.EntityTradeIn, "ti-00000001"}, {wire.EntityOperator, opClerk}} {
		site, err := h.SiteOf(ctx, e.entity, e.id)
		require.NoError(t, err)
		assert.Empty(t, site, "%s %s stays at every site", e.entity, e.id)
	}
	benches, err := h.BenchSites(ctx)
	require.NoError(t, err)
	assert.Empty(t, benches)
}

// A bench works on its own site's trade-ins and on those of no site: an
// event about another site's is refused, and changes nothing.
func TestABenchIsRefusedAnotherSitesTradeIn(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 3})
	ctx := context.Background()
	twoSites(t, h)
	leeds := enrollBench(t, h, "bench-leeds")
	require.NoError(t, h.AssignBench(ctx, "bench-leeds", "leeds-wh"))
	require.NoError(t, h.AssignTradeIn(ctx, "ti-00000001", "soho"))
	require.NoError(t, h.AssignTradeIn(ctx, "ti-00000002", "leeds-wh"))
	ti := func(id string) intake.TradeIn {
		t.Helper()
		got, err := h.TradeIn(ctx, id)
		require.NoError(t, err)
		return got
	}

	soho := ti("ti-00000001")
	r := leeds.pushOne(t, intake.EventReceived, soho.ID, opTechnician, leeds.receiptOf(soho, opTechnician))
	assert.Equal(t, wire.EventResult{Key: r.Key, Status: wire.StatusRejected, Code: "tradein_other_site",
		Detail: "Trade-in " + soho.Reference + " belongs to site soho; bench bench-leeds works at leeds-wh."},
		wire.EventResult{Key: r.Key, Status: r.Status, Code: r.Code, Detail: r.Detail})
	_, received, err := h.Receipt(ctx, soho.ID)
	require.NoError(t, err)
	assert.False(t, received, "nothing changed")

	for _, id := range []string{"ti-00000002", "ti-00000003"} { // its own site's, and one of no site
		own := ti(id)
		leeds.mustApply(t, intake.EventReceived, own.ID, opTechnician, leeds.receiptOf(own, opTechnician))
	}
}
