package web_test

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/store"
)

// TestStatusPageFollowsARealBench: a buyer's trade-in from the page,
// quoted and accepted, is received and graded at a real bench (its own
// store, the sync engine, over HTTP), and the buyer's status page says so.
func TestStatusPageFollowsARealBench(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	tech := intake.Operator{ID: "op-tech-1", Name: "Tess Tech", Role: intake.RoleTechnician}
	hash, err := intake.HashPIN("444444", 0)
	require.NoError(t, err)
	require.NoError(t, e.hub.PutOperators(ctx, []wire.Operator{{ID: tech.ID, Name: tech.Name, Role: tech.Role, PINHash: hash}}))

	id, statusPath := e.submitted()
	o, err := e.hub.SendOffer(ctx, hub.Actor{Kind: "operator", ID: supervisor}, hub.OfferInput{SubmissionID: id, Amount: 35000,
		ExpiresAt: e.clock.Now().Add(7 * 24 * time.Hour)})
	require.NoError(t, err)
	v, err := e.hub.Submission(ctx, "", id)
	require.NoError(t, err)
	_, err = e.hub.AnswerOffer(ctx, v.TradeIn.CustomerID, o.ID, true, "")
	require.NoError(t, err)
	buyer := e.client()
	assert.Contains(t, e.get(buyer, statusPath).body, "You accepted $350.00.")

	code, err := e.hub.CreateEnrollment(ctx, "bench-1", wire.BenchScopes, time.Hour)
	require.NoError(t, err)
	enrolled, err := e.hub.Enroll(ctx, code, "bench-1")
	require.NoError(t, err)
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bench.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	client, err := benchsync.NewClient(e.srv.URL, enrolled.Token)
	require.NoError(t, err)
	engine := benchsync.New(st, client, "bench-1")
	bench := intake.NewBench(st, "bench-1", e.clock.Now, uuid.NewString)

	_, err = engine.RunOnce(ctx)
	require.NoError(t, err)
	r, err := bench.Receive(ctx, tech, cleanIMEI)
	require.NoError(t, err)
	assert.Equal(t, id, r.TradeInID, "the scan matched the buyer's trade-in")
	_, err = bench.RecordGrading(ctx, tech, id, asDisclosed())
	require.NoError(t, err)
	sum, err := engine.RunOnce(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, sum.Applied, "the receipt and the grading")

	page := e.get(buyer, statusPath)
	require.Equal(t, http.StatusOK, page.status)
	assert.Contains(t, page.body, "Your phone arrived.")
	assert.Contains(t, page.body, "We checked your phone.")
	assert.Contains(t, page.body, "$350.00 is on its way to you by store-credit.")
}

// asDisclosed is a bench's inspection of the page's good phone with a
// light screen wear: no fault, so it completes without a supervisor.
func asDisclosed() intake.Inspection {
	in := intake.Inspection{Cosmetic: map[intake.Zone]intake.Severity{}, Checks: map[intake.Check]intake.Result{}, BatteryHealth: 92}
	for _, z := range intake.Zones {
		in.Cosmetic[z] = intake.SeverityNone
	}
	for _, c := range intake.Checks {
		in.Checks[c] = intake.Pass
	}
	return in
}
