package intake_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

func TestAddPhotoRefusesBadInputAndChangesNothing(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	_, err := f.bench.Receive(ctx, tech, "356938035643809")
	require.NoError(t, err)
	before, err := f.store.CountPending(ctx)
	require.NoError(t, err)
	tests := []struct {
		name, tradeIn, angle, mime string
		data                       []byte
		want                       string
	}{
		{"no device", "", "front", "image/jpeg", []byte("x"), "no device"},
		{"no side", "1", "  ", "image/jpeg", []byte("x"), "which side"},
		{"empty", "1", "front", "image/jpeg", nil, "between 1 byte and 10 MiB"},
		{"too big", "1", "front", "image/jpeg", []byte(strings.Repeat("x", intake.MaxPhotoBytes+1)), "between 1 byte and 10 MiB"},
		{"not a picture", "1", "front", "application/pdf", []byte("%PDF"), "not a picture"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.bench.AddPhoto(ctx, tech, tt.tradeIn, tt.angle, tt.mime, tt.data)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	photos, err := f.store.Photos(ctx, "1")
	require.NoError(t, err)
	assert.Empty(t, photos)
	after, err := f.store.CountPending(ctx)
	require.NoError(t, err)
	assert.Equal(t, before, after, "no event was queued")

	p, err := f.bench.AddPhoto(ctx, tech, "1", "front", "image/jpeg", []byte("\xff\xd8 a photo"))
	require.NoError(t, err)
	assert.Len(t, p.SHA256, 64)
	after, err = f.store.CountPending(ctx)
	require.NoError(t, err)
	assert.Equal(t, before+1, after, "a photo is one event for the hub")
}
