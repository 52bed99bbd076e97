package intake_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

func TestPhotoAngles(t *testing.T) {
	assert.Equal(t, []string{"front", "back", "left", "right", "top", "bottom", "screen on", "damage close-up"}, intake.PhotoAngles())

	tests := []struct {
		angle string
		valid bool
	}{
		{"front", true},
		{"screen on", true},
		{"damage close-up", true},
		{"", false},
		{"Front", false},
		{" front", false},
		{"front\n", false},
		{"../../../etc/passwd", false},
		{"<script>alert(1)</script>", false},
	}
	for _, tt := range tests {
		t.Run(tt.angle, func(t *testing.T) {
			assert.Equal(t, tt.valid, intake.ValidPhotoAngle(tt.angle))
		})
	}
}

// TestPhotoAnglesAreFresh: a caller that changes the list it got changes
// nobody else's.
func TestPhotoAnglesAreFresh(t *testing.T) {
	a := intake.PhotoAngles()
	a[0] = "../../../etc/passwd"
	assert.Equal(t, "front", intake.PhotoAngles()[0])
	assert.False(t, intake.ValidPhotoAngle("../../../etc/passwd"))
}

// TestAddPhotoRefusesAnUnknownAngle: the bench refuses what the hub would
// reject, before anything is queued.
func TestAddPhotoRefusesAnUnknownAngle(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	_, err := f.bench.Receive(ctx, tech, "356938035643809")
	require.NoError(t, err)
	before, err := f.store.CountPending(ctx)
	require.NoError(t, err)

	_, err = f.bench.AddPhoto(ctx, tech, "1", "../../../etc/passwd", photoPNG(t))
	require.ErrorContains(t, err, `"../../../etc/passwd" is not a side of a device`)

	after, err := f.store.CountPending(ctx)
	require.NoError(t, err)
	assert.Equal(t, before, after, "no event was queued")
	_, err = f.bench.AddPhoto(ctx, tech, "1", " back ", photoPNG(t))
	assert.NoError(t, err, "the angle is trimmed as the operator typed it")
}
