package hub_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

func reviewsAt(t *testing.T, b *benchClient) []intake.Review {
	t.Helper()
	a := call(t, http.MethodGet, b.hub.URL+"/v1/reviews", b.token, nil)
	require.Equal(t, http.StatusOK, a.status, "%s", a.body)
	var page wire.ReviewsPage
	require.NoError(t, json.Unmarshal(a.body, &page))
	return page.Reviews
}

// One review queue for every bench: a device rerouted at bench A, with its
// grading and photos, is in the queue bench B's supervisor reads, until a
// supervisor at any bench decides it.
func TestEveryBenchSeesOneReviewQueue(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	a, b := enrollBench(t, h, "bench-a"), enrollBench(t, h, "bench-b")
	assert.Empty(t, reviewsAt(t, b))

	ti := a.reroutedHere(t, "ti-review", testIMEI(t, 1))
	photo := pngPhoto(t, 40, 30, 9)
	require.Equal(t, http.StatusCreated, putBlob(t, h, a.token, "image/png", photo).status)
	a.mustApply(t, intake.EventPhotoAdded, ti.ID, opTechnician, intake.Photo{SHA256: blobName(photo), Angle: "damage close-up"})

	queue := reviewsAt(t, b)
	require.Len(t, queue, 1)
	got := queue[0]
	assert.Equal(t, ti.ID, got.TradeIn.ID)
	assert.Equal(t, intake.Customer{Name: "Ada Lovelace"}, got.TradeIn.Customer, "a bench sees the customer's name, no contact")
	assert.Equal(t, intake.UnitRerouted, got.State)
	assert.Equal(t, intake.ConditionPoor, got.Grading.Grade.Condition, "the grading that rerouted it: a cracked screen")
	require.Len(t, got.Photos, 1)
	assert.Equal(t, "damage close-up", got.Photos[0].Angle)

	blob := call(t, http.MethodGet, h.URL+"/v1/blobs/"+got.Photos[0].SHA256, b.token, nil)
	require.Equal(t, http.StatusOK, blob.status)
	assert.Equal(t, "image/png", blob.header.Get("Content-Type"))
	assert.True(t, bytes.Equal(photo, blob.body), "the photo as bench A took it")

	// A supervisor at bench B asks for more photos; it stays in the queue,
	// as such. Then declines it: gone from every bench's queue.
	b.mustApply(t, intake.EventPhotosRequested, ti.ID, opSupervisor, b.decisionOn(ti, intake.DecideMorePhotos, opSupervisor))
	queue = reviewsAt(t, a)
	require.Len(t, queue, 1)
	assert.Equal(t, intake.UnitPhotosRequested, queue[0].State)
	// Bench A answers with its photo and a new grading: rerouted again, it
	// waits for a decision, no longer for photos.
	a.mustApply(t, intake.EventGraded, ti.ID, opTechnician, a.gradingOf(t, ti))
	a.mustApply(t, intake.EventRerouted, ti.ID, opTechnician, a.gradingOf(t, ti).Decision)
	queue = reviewsAt(t, b)
	require.Len(t, queue, 1)
	assert.Equal(t, intake.UnitRerouted, queue[0].State, "the new grading answered the request")
	b.mustApply(t, intake.EventPayoutDeclined, ti.ID, opSupervisor, b.decisionOn(ti, intake.DecideDecline, opSupervisor))
	assert.Empty(t, reviewsAt(t, a))
	// The second decision of the same item is told who decided.
	r := a.pushOne(t, intake.EventOverrideAccepted, ti.ID, opSupervisor, a.decisionOn(ti, intake.DecideOverride, opSupervisor))
	assert.Equal(t, wire.RejectInvalidState, r.Code, r.Detail)
	assert.Regexp(t, `^Trade-in TI-TEST-TI-REVIEW was decided already: confirm-decline by op-super-1 at bench bench-b at 20\d\d-`, r.Detail)
	require.NotNil(t, r.TradeIn)
	assert.Equal(t, intake.StatusDeclined, r.TradeIn.Status)
}

func TestSupervisorRoutes(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	b := enrollBench(t, h, "bench-a")
	catalogOnly := h.Enroll(t, "price-display", wire.ScopeCatalogRead)
	const missing = "0000000000000000000000000000000000000000000000000000000000000000"
	tests := []struct {
		name, path, token string
		status            int
		code              string
	}{
		{"the queue needs intake:write", "/v1/reviews", catalogOnly, http.StatusForbidden, wire.CodeInsufficientScope},
		{"quarantines need intake:write", "/v1/quarantines", catalogOnly, http.StatusForbidden, wire.CodeInsufficientScope},
		{"a blob needs intake:write", "/v1/blobs/" + missing, catalogOnly, http.StatusForbidden, wire.CodeInsufficientScope},
		{"a blob no photo has", "/v1/blobs/" + missing, b.token, http.StatusNotFound, wire.CodeNotFound},
		{"a blob by another name", "/v1/blobs/not-a-hash", b.token, http.StatusBadRequest, wire.CodeInvalidRequest},
		{"photos of no trade-in", "/v1/tradeins/nope/photos", b.token, http.StatusNotFound, wire.CodeNotFound},
		{"no token", "/v1/quarantines", "", http.StatusUnauthorized, wire.CodeUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := call(t, http.MethodGet, h.URL+tt.path, tt.token, nil)
			require.Equal(t, tt.status, a.status, "%s", a.body)
			assert.Equal(t, tt.code, a.problem(t).Code)
		})
	}
	a := call(t, http.MethodGet, h.URL+"/v1/quarantines", b.token, nil)
	require.Equal(t, http.StatusOK, a.status)
	assert.JSONEq(t, `{"quarantines":[]}`, string(a.body))
}
