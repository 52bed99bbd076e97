package benchsync_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// TestPhotosReachTheHub takes two photos of a received device at a bench:
// the engine uploads each one's content before its event, and the hub ends
// up with both, by trade-in, readable byte for byte. The same photo taken
// again is not sent again.
func TestPhotosReachTheHub(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 10})
	ctx := context.Background()
	b := newBench(t, h, "bench-photo", h.URL)
	b.sync(t)
	ti := h.Receivable(t)[0]
	_, err := b.svc.Receive(ctx, tech, ti.IMEI)
	require.NoError(t, err)

	front, back := jpegPhoto(t, 1), jpegPhoto(t, 2)
	pf, err := b.svc.AddPhoto(ctx, tech, ti.ID, "front", front)
	require.NoError(t, err)
	pb, err := b.svc.AddPhoto(ctx, tech, ti.ID, "back", back)
	require.NoError(t, err)
	_, err = b.svc.AddPhoto(ctx, tech, ti.ID, "front", front)
	require.NoError(t, err, "the same photo again is no error")
	sum := b.sync(t)
	assert.Equal(t, 3, sum.Applied, "the receipt and two photos")

	photos, err := h.Photos(ctx, ti.ID)
	require.NoError(t, err)
	require.Len(t, photos, 2)
	assert.Equal(t, []string{"front", "back"}, []string{photos[0].Angle, photos[1].Angle})
	assert.Equal(t, pf.SHA256, photos[0].SHA256)
	assert.Equal(t, pb.SHA256, photos[1].SHA256)
	assert.Equal(t, tech.ID, photos[1].Operator)
	data, _, err := h.Blob(ctx, pb.SHA256)
	require.NoError(t, err)
	assert.Equal(t, back, data, "the hub holds the photo's content")
}

// TestHubRefusesAPhotoItDoesNotHold pushes a photo event without its
// upload: the hub rejects it, naming what is missing.
func TestHubRefusesAPhotoItDoesNotHold(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 10})
	ctx := context.Background()
	b := newBench(t, h, "bench-nophoto", h.URL)
	b.sync(t)
	ti := h.Receivable(t)[0]
	r, err := b.svc.Receive(ctx, tech, ti.IMEI)
	require.NoError(t, err)
	receipt, err := json.Marshal(r)
	require.NoError(t, err)
	photo, err := json.Marshal(intake.Photo{SHA256: "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03", Angle: "front", MIME: "image/jpeg"})
	require.NoError(t, err)
	client, err := benchsync.NewClient(h.URL, b.token)
	require.NoError(t, err)
	at := time.Now().UTC()
	resp, err := client.Push(ctx, wire.PushRequest{Bench: b.name, Events: []wire.Event{
		{Seq: 1, Key: "11111111-1111-4111-8111-111111111111", Kind: intake.EventReceived, TradeInID: ti.ID, Operator: tech.ID, Bench: b.name, At: at, Payload: receipt},
		{Seq: 2, Key: "22222222-2222-4222-8222-222222222222", Kind: intake.EventPhotoAdded, TradeInID: ti.ID, Operator: tech.ID, Bench: b.name, At: at, Payload: photo},
	}})
	require.NoError(t, err)
	require.Len(t, resp.Results, 2)
	assert.Equal(t, wire.StatusApplied, resp.Results[0].Status)
	assert.Equal(t, wire.RejectBlobMissing, resp.Results[1].Code)
	assert.Contains(t, resp.Results[1].Detail, "upload the photo")
}
