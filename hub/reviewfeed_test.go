package hub_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// supervisorsChanges pulls what is new after cursor and keeps its reviews
// and quarantines, with the cursor at the end.
func supervisorsChanges(t *testing.T, b *benchClient, cursor string) ([]wire.Change, string) {
	t.Helper()
	changes, cursor := b.pullAll(t, cursor, 3)
	var out []wire.Change
	for _, c := range changes {
		if c.Entity == wire.EntityReview || c.Entity == wire.EntityQuarantine {
			out = append(out, c)
		}
	}
	return out, cursor
}

// The review queue travels on the change feed: a reroute at bench A, its
// grading and photos, reach bench B as a review; a request for photos
// changes its state; a decision anywhere deletes it. A quarantine reaches
// B too. A bench that does not ask for them (one from before them) is
// sent neither.
func TestTheReviewQueueTravelsOnTheFeed(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	a, b := enrollBench(t, h, "bench-a"), enrollBench(t, h, "bench-b")
	b.reviews = true
	old := enrollBench(t, h, "bench-old")
	_, cursor := supervisorsChanges(t, b, "")
	oldCursor := old.top(t)

	ti := a.reroutedHere(t, "ti-review", testIMEI(t, 1))
	photo := pngPhoto(t, 40, 30, 9)
	require.Equal(t, http.StatusCreated, putBlob(t, h, a.token, "image/png", photo).status)
	a.mustApply(t, intake.EventPhotoAdded, ti.ID, opTechnician, intake.Photo{SHA256: blobName(photo), Angle: "damage close-up"})

	got, cursor := supervisorsChanges(t, b, cursor)
	require.Len(t, got, 1, "one entry for the review, however many writes made it")
	r := got[0]
	assert.Equal(t, wire.EntityReview, r.Entity)
	assert.Equal(t, wire.OpUpsert, r.Op)
	assert.Equal(t, "ti-review", r.ID)
	require.NotNil(t, r.Review)
	assert.Equal(t, "ti-review", r.Review.TradeInID)
	assert.Equal(t, intake.UnitRerouted, r.Review.State)
	assert.Equal(t, "bench-a", r.Review.Grading.Bench)
	assert.Equal(t, intake.ConditionPoor, r.Review.Grading.Grade.Condition, "the grading that rerouted it: a cracked screen")
	require.Len(t, r.Review.Photos, 1)
	assert.Equal(t, "damage close-up", r.Review.Photos[0].Angle)
	assert.Equal(t, blobName(photo), r.Review.Photos[0].SHA256, "fetched by hash when a supervisor looks")

	b.mustApply(t, intake.EventPhotosRequested, ti.ID, opSupervisor, b.decisionOn(ti, intake.DecideMorePhotos, opSupervisor))
	got, cursor = supervisorsChanges(t, b, cursor)
	require.Len(t, got, 1)
	require.NotNil(t, got[0].Review)
	assert.Equal(t, intake.UnitPhotosRequested, got[0].Review.State)

	a.mustApply(t, intake.EventGraded, ti.ID, opTechnician, a.gradingOf(t, ti))
	a.mustApply(t, intake.EventRerouted, ti.ID, opTechnician, a.gradingOf(t, ti).Decision)
	got, cursor = supervisorsChanges(t, b, cursor)
	require.Len(t, got, 1)
	require.NotNil(t, got[0].Review)
	assert.Equal(t, intake.UnitRerouted, got[0].Review.State, "the new grading answered the request")

	a.mustApply(t, intake.EventPayoutDeclined, ti.ID, opSupervisor, a.decisionOn(ti, intake.DecideDecline, opSupervisor))
	got, cursor = supervisorsChanges(t, b, cursor)
	assert.Equal(t, []wire.Change{{Seq: got[0].Seq, Entity: wire.EntityReview, Op: wire.OpDelete, ID: "ti-review"}}, got,
		"decided at bench A, it leaves bench B's queue")

	ev, q := quarantined(t, a.seq+1, "bench-a", "S/N: F17XQ9Z1HG7K", "no paperwork in the box")
	a.seq++
	require.Equal(t, wire.StatusApplied, results(t, push(t, h, a.token, "bench-a", ev))[0].Status)
	got, _ = supervisorsChanges(t, b, cursor)
	require.Len(t, got, 1)
	assert.Equal(t, wire.EntityQuarantine, got[0].Entity)
	assert.Equal(t, q.EventKey, got[0].ID)
	require.NotNil(t, got[0].Quarantine)
	assert.Equal(t, "no paperwork in the box", got[0].Quarantine.Reason)
	assert.Equal(t, "bench-a", got[0].Quarantine.Bench)

	changes, _ := old.pullAll(t, oldCursor, 100)
	require.NotEmpty(t, changes, "the old bench is sent the trade-in's changes")
	for _, c := range changes {
		assert.Contains(t, []wire.Entity{wire.EntityTradeIn, wire.EntityFlag, wire.EntityOperator, wire.EntityVariant}, c.Entity,
			"a bench that did not ask is sent no entity it does not know")
	}
}

// A bench's cursor of the feed without reviews is refused once it asks for
// them, so that it reads the log again and gets every review; an unknown
// include is refused.
func TestAskingForReviewsReadsTheLogAgain(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	a, b := enrollBench(t, h, "bench-a"), enrollBench(t, h, "bench-b")
	a.reroutedHere(t, "ti-review", testIMEI(t, 1))
	cursor := b.top(t)

	ans := call(t, http.MethodGet, h.URL+"/v1/changes?include=reviews&cursor="+cursor, b.token, nil)
	assert.Equal(t, http.StatusGone, ans.status)
	assert.Equal(t, wire.CodeCursorExpired, ans.problem(t).Code)

	b.reviews = true
	got, _ := supervisorsChanges(t, b, "")
	require.Len(t, got, 1)
	assert.Equal(t, "ti-review", got[0].ID)

	ans = call(t, http.MethodGet, h.URL+"/v1/changes?include=everything", b.token, nil)
	assert.Equal(t, http.StatusBadRequest, ans.status)
	assert.Equal(t, `include is "reviews" or absent.`, ans.problem(t).Detail)
}

// Reviews and quarantines go to the benches of their site: a review to
// those of its trade-in's site, a quarantine to those of the site of the
// bench that set it aside, and both to benches of no site. A trade-in
// moved to another site takes its review along, a bench its quarantines.
func TestReviewsGoToTheirSite(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	ctx := context.Background()
	twoSites(t, h)
	bench := func(name, site string) *benchClient {
		b := enrollBench(t, h, name)
		b.reviews = true
		require.NoError(t, h.AssignBench(ctx, name, site))
		return b
	}
	leeds, soho, all := bench("leeds-1", "leeds-wh"), bench("soho-1", "soho"), bench("hq", "")
	leeds2 := bench("leeds-2", "leeds-wh")
	ti := leeds.reroutedHere(t, "ti-leeds", testIMEI(t, 1))
	require.NoError(t, h.AssignTradeIn(ctx, ti.ID, "leeds-wh"))
	ev, q := quarantined(t, leeds.seq+1, "leeds-1", "S/N: F17XQ9Z1HG7K", "no paperwork in the box")
	leeds.seq++
	require.Equal(t, wire.StatusApplied, results(t, push(t, h, leeds.token, "leeds-1", ev))[0].Status)

	ids := func(cs []wire.Change) []string {
		var out []string
		for _, c := range cs {
			out = append(out, string(c.Entity)+" "+string(c.Op)+" "+c.ID)
		}
		return out
	}
	leedsGot, leedsCursor := supervisorsChanges(t, leeds, "")
	assert.Equal(t, []string{"review upsert ti-leeds", "quarantine upsert " + q.EventKey}, ids(leedsGot))
	allGot, _ := supervisorsChanges(t, all, "")
	assert.Equal(t, []string{"review upsert ti-leeds", "quarantine upsert " + q.EventKey}, ids(allGot))
	sohoGot, sohoCursor := supervisorsChanges(t, soho, "")
	assert.Empty(t, sohoGot, "another site's review and shelf are not this site's")
	_, leeds2Cursor := supervisorsChanges(t, leeds2, "")

	require.NoError(t, h.AssignTradeIn(ctx, ti.ID, "soho"))
	sohoGot, sohoCursor = supervisorsChanges(t, soho, sohoCursor)
	assert.Equal(t, []string{"review upsert ti-leeds"}, ids(sohoGot), "the review goes with its trade-in")
	changes, _ := leeds.pullAll(t, leedsCursor, 3)
	assert.Equal(t, []string{"tradein delete ti-leeds"}, ids(changes), "the site it left drops the trade-in, and its review with it")

	// The bench that set the device aside moves to Soho: its shelf goes
	// with it.
	require.NoError(t, h.AssignBench(ctx, "leeds-1", "soho"))
	sohoGot, _ = supervisorsChanges(t, soho, sohoCursor)
	assert.Equal(t, []string{"quarantine upsert " + q.EventKey}, ids(sohoGot))
	changes, _ = leeds2.pullAll(t, leeds2Cursor, 3)
	assert.Equal(t, []string{"tradein delete ti-leeds", "quarantine delete " + q.EventKey}, ids(changes),
		"the site it left drops its quarantine")
	fresh := bench("leeds-3", "leeds-wh")
	got, _ := supervisorsChanges(t, fresh, "")
	assert.Empty(t, got, "a new bench of the site it left is sent neither")
}

// A hub from before the reviews travelled on the feed makes, once, the
// review of every device waiting then and a log entry of every quarantine
// (migration 0014's backfill), which benches then pull.
func TestReviewsWaitingBeforeTheFeedAreBackfilled(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	a := enrollBench(t, h, "bench-a")
	a.reroutedHere(t, "ti-review", testIMEI(t, 1))
	ev, q := quarantined(t, a.seq+1, "bench-a", "S/N: F17XQ9Z1HG7K", "no paperwork in the box")
	a.seq++
	require.Equal(t, wire.StatusApplied, results(t, push(t, h, a.token, "bench-a", ev))[0].Status)

	// As the hub was before migration 0014 applied, with its meta row.
	driver, name := "sqlite", "file:"+h.Path+"?_pragma=busy_timeout(10000)"
	if hubtest.Postgres() {
		driver, name = "pgx", h.Path
	}
	raw, err := sql.Open(driver, name)
	require.NoError(t, err)
	defer raw.Close()
	for _, q := range []string{`DELETE FROM review_docs`, `DELETE FROM changes WHERE entity IN ('review', 'quarantine')`,
		`INSERT INTO meta (key, value) VALUES ('backfill reviews', '')`} {
		_, err := raw.Exec(q)
		require.NoError(t, err, q)
	}

	other := h.Another(t)
	ans := call(t, http.MethodGet, other+"/v1/changes?include=reviews&limit=1000", a.token, nil)
	require.Equal(t, http.StatusOK, ans.status, "%s", ans.body)
	var page wire.ChangesPage
	require.NoError(t, json.Unmarshal(ans.body, &page))
	var got []string
	for _, c := range page.Changes {
		if c.Entity == wire.EntityReview || c.Entity == wire.EntityQuarantine {
			got = append(got, string(c.Entity)+" "+c.ID)
		}
	}
	assert.Equal(t, []string{"quarantine " + q.EventKey, "review ti-review"}, got, "reviews are made as the backfill commits")
	var left int
	require.NoError(t, raw.QueryRow(`SELECT count(*) FROM meta WHERE key = 'backfill reviews'`).Scan(&left))
	assert.Zero(t, left, "done once")
}
