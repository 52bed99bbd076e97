package intake_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
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
		name, tradeIn, angle string
		data                 []byte
		want                 string
	}{
		{"no device", "", "front", photoPNG(t), "no device"},
		{"no side", "1", "  ", photoPNG(t), "which side"},
		{"empty", "1", "front", nil, "between 1 byte and 10 MiB"},
		{"too big", "1", "front", []byte(strings.Repeat("x", intake.MaxPhotoBytes+1)), "between 1 byte and 10 MiB"},
		{"a PDF", "1", "front", []byte("%PDF-1.7"), "a photo is a JPEG, PNG or WebP image; this content is none of them"},
		{"HTML", "1", "front", []byte("<html><script>alert(1)</script>"), "this content is none of them"},
		{"a JPEG's first bytes and nothing after", "1", "front", []byte("\xff\xd8\xff a photo"), "starts like image/jpeg but is not a readable image"},
		{"a GIF", "1", "front", []byte("GIF89a\x01\x00\x01\x00"), "this content is none of them"},
		{"a PNG header of 100,000 × 100,000 pixels", "1", "front", pngHeader(100_000, 100_000), "the image is 100000×100000 pixels; a photo has at most 50000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.bench.AddPhoto(ctx, tech, tt.tradeIn, tt.angle, tt.data)
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

	p, err := f.bench.AddPhoto(ctx, tech, "1", "front", photoPNG(t))
	require.NoError(t, err)
	assert.Len(t, p.SHA256, 64)
	assert.Equal(t, "image/png", p.MIME, "read from the content")
	after, err = f.store.CountPending(ctx)
	require.NoError(t, err)
	assert.Equal(t, before+1, after, "a photo is one event for the hub")
}

// photoPNG is a real, tiny photo.
func photoPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.NRGBA{R: 200, A: 255})
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

// pngHeader is the start of a PNG that claims width × height pixels: what
// a header alone makes a decoder allocate.
func pngHeader(width, height uint32) []byte {
	ihdr := []byte("IHDR")
	ihdr = binary.BigEndian.AppendUint32(ihdr, width)
	ihdr = binary.BigEndian.AppendUint32(ihdr, height)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = binary.BigEndian.AppendUint32(out, 13)
	out = append(out, ihdr...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(ihdr))
}
