package hub_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/clock"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// TestCollectBlobs: blobs no photo references go once they are older than
// the age given, by the hub's clock; a referenced blob stays however old,
// a young one stays, and a blob uploaded again is young again.
func TestCollectBlobs(t *testing.T) {
	ctx := context.Background()
	// The bench's events carry the time they are made, and the hub takes
	// only those within a day of its own: its clock starts now.
	clk := clock.NewFake(time.Now().UTC())
	h := hubtest.New(t, hubtest.Config{Hub: hub.Config{Now: clk.Now}})
	b := enrollBench(t, h, "bench-gc")
	ti := b.receivedHere(t, "ti-gc", testIMEI(t, 1))
	put := func(data []byte) {
		t.Helper()
		a := putBlob(t, h, b.token, "image/png", data)
		require.Contains(t, []int{http.StatusCreated, http.StatusNoContent}, a.status, "body: %s", a.body)
	}
	referenced, abandoned, again, young := pngPhoto(t, 8, 8, 1), pngPhoto(t, 8, 8, 2), pngPhoto(t, 8, 8, 3), pngPhoto(t, 8, 8, 4)

	put(referenced) // hour 0
	b.mustApply(t, intake.EventPhotoAdded, ti.ID, opTechnician, intake.Photo{SHA256: blobName(referenced), Angle: "front"})
	put(abandoned)
	put(again)
	clk.Advance(23 * time.Hour) // hour 23
	put(young)
	// A bench retrying its push uploads again.
	put(again)
	clk.Advance(2 * time.Hour) // hour 25

	n, err := h.CollectBlobs(ctx, 24*time.Hour)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	kept := func(data []byte) bool {
		_, _, err := h.Blob(ctx, blobName(data))
		if err != nil {
			require.ErrorIs(t, err, hub.ErrNotFound)
		}
		return err == nil
	}
	tests := []struct {
		name string
		data []byte
		kept bool
	}{
		{"referenced by a photo, 25 hours old", referenced, true},
		{"unreferenced, 25 hours old", abandoned, false},
		{"unreferenced, uploaded again 2 hours ago", again, true},
		{"unreferenced, 2 hours old", young, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.kept, kept(tt.data))
		})
	}

	clk.Advance(23 * time.Hour) // day 2, 09:00
	n, err = h.CollectBlobs(ctx, 24*time.Hour)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "the young and the uploaded-again are 25 hours old now")
	assert.True(t, kept(referenced))
	photos, err := h.Photos(ctx, ti.ID)
	require.NoError(t, err)
	assert.Len(t, photos, 1, "the photo keeps its content")

	_, err = h.CollectBlobs(ctx, 0)
	assert.ErrorContains(t, err, "the age must be positive")
}

// TestCollectBlobsInBatches: more unreferenced blobs than one transaction
// deletes all go.
func TestCollectBlobsInBatches(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
	h := hubtest.New(t, hubtest.Config{Hub: hub.Config{Now: clk.Now}, Unlimited: true})
	token := h.Enroll(t, "bench-many-blobs")
	for i := range 250 {
		a := putBlob(t, h, token, "image/png", pngPhoto(t, 2, 2, byte(i)))
		require.Equal(t, http.StatusCreated, a.status, "blob %d: %s", i, a.body)
	}
	clk.Advance(25 * time.Hour)
	n, err := h.CollectBlobs(ctx, 24*time.Hour)
	require.NoError(t, err)
	assert.Equal(t, 250, n)
	n, err = h.CollectBlobs(ctx, 24*time.Hour)
	require.NoError(t, err)
	assert.Equal(t, 0, n)
}
