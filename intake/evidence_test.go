package intake_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

func TestRerouteNeedsAPhotoOrAReason(t *testing.T) {
	cracked := func(in *intake.Inspection) { in.Cosmetic[intake.ZoneScreen] = intake.SeverityCracked }
	tests := []struct {
		name    string
		photo   bool
		reason  string
		mod     func(*intake.Inspection)
		wantErr string
	}{
		{"no photo, no reason", false, "", cracked,
			"trade-in TI-1 is worse than disclosed, and a supervisor decides on it from photos: take a photo of the damage, or say why there is none"},
		{"a reason for none", false, "camera broken", cracked, ""},
		{"a photo", true, "", cracked, ""},
		{"as disclosed needs no photo", false, "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			b := f.bench.WithRerouteEvidence(f.store)
			_, err := b.Receive(ctx, tech, "356938035643809")
			require.NoError(t, err)
			if tt.photo {
				var img bytes.Buffer
				require.NoError(t, png.Encode(&img, image.NewGray(image.Rect(0, 0, 2, 2))))
				_, err := b.AddPhoto(ctx, tech, "1", "front", img.Bytes())
				require.NoError(t, err)
			}
			mods := []func(*intake.Inspection){func(in *intake.Inspection) { in.NoPhotoReason = tt.reason }}
			if tt.mod != nil {
				mods = append(mods, tt.mod)
			}
			_, err = b.RecordGrading(ctx, tech, "1", cleanInspection(mods...))
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			var needed *intake.PhotosNeededError
			require.ErrorAs(t, err, &needed)
			assert.EqualError(t, err, tt.wantErr)
			state, err := f.store.UnitState(ctx, "1")
			require.NoError(t, err)
			assert.Equal(t, intake.UnitReceived, state, "a refused grading records nothing")
		})
	}
}
