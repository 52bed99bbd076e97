package hub_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/clock"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// Images for the photo tests: real ones, as encoded by the standard
// library, and headers made by hand where no encoder would make them.

// testImage is a w×h picture whose pixels depend on seed, so that two seeds
// give two contents.
func testImage(w, h int, seed byte) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{R: byte(x) + seed, G: byte(y), B: seed, A: 0xff})
		}
	}
	return img
}

func pngPhoto(t testing.TB, w, h int, seed byte) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, testImage(w, h, seed)))
	return b.Bytes()
}

func jpegPhoto(t testing.TB, w, h int, seed byte) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, testImage(w, h, seed), nil))
	return b.Bytes()
}

func gifPicture(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, gif.Encode(&b, testImage(4, 4, 1), nil))
	return b.Bytes()
}

// webpPhoto is a 1×1 lossless WebP: the standard library has no encoder.
func webpPhoto(t testing.TB) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	require.NoError(t, err)
	return b
}

// pngHeader is the start of a PNG that says it is w×h: a valid signature
// and IHDR chunk, which is all a header decoder reads, and no pixels.
func pngHeader(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0) // 8-bit RGB, no interlace
	chunk := append([]byte("IHDR"), ihdr...)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = binary.BigEndian.AppendUint32(out, uint32(len(ihdr)))
	out = append(out, chunk...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(chunk))
}

func blobName(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// putBlob uploads data under its own hash with the Content-Type a client
// chose.
func putBlob(t testing.TB, h *hubtest.Hub, token, contentType string, data []byte) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, h.URL+"/v1/blobs/"+blobName(data), bytes.NewReader(data))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return answer{resp.StatusCode, resp.Header, b}
}

// TestBlobsAreImages: the hub stores JPEG, PNG and WebP images under the
// media type their content shows, whatever the client says, and refuses
// anything else, storing nothing.
func TestBlobsAreImages(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	token := h.Enroll(t, "bench-photos")
	html := []byte("<!doctype html><html><body><script>alert(document.cookie)</script></body></html>")

	tests := []struct {
		name        string
		contentType string
		data        []byte
		status      int
		code        string // of a refusal
		mime        string // stored, of an acceptance
	}{
		{"a PNG sent as octet-stream", "application/octet-stream", pngPhoto(t, 40, 30, 1), http.StatusCreated, "", "image/png"},
		{"a PNG sent as nothing", "", pngPhoto(t, 40, 30, 2), http.StatusCreated, "", "image/png"},
		{"a JPEG sent as a PNG", "image/png", jpegPhoto(t, 64, 48, 3), http.StatusCreated, "", "image/jpeg"},
		{"a WebP sent as text", "text/plain", webpPhoto(t), http.StatusCreated, "", "image/webp"},
		{"50 million pixels", "image/png", pngHeader(10_000, 5_000), http.StatusCreated, "", "image/png"},
		{"HTML sent as HTML", "text/html", html, http.StatusUnprocessableEntity, "not_an_image", ""},
		{"HTML sent as a JPEG", "image/jpeg", html, http.StatusUnprocessableEntity, "not_an_image", ""},
		{"a GIF", "image/gif", gifPicture(t), http.StatusUnprocessableEntity, "not_an_image", ""},
		{"a JPEG signature and noise", "image/jpeg", []byte("\xff\xd8\xff\xe0 not really a JPEG"), http.StatusUnprocessableEntity, "not_an_image", ""},
		{"a PNG cut in its header", "image/png", pngHeader(40, 30)[:20], http.StatusUnprocessableEntity, "not_an_image", ""},
		{"a PNG of no pixels", "image/png", pngHeader(0, 30), http.StatusUnprocessableEntity, "not_an_image", ""},
		{"nothing", "image/png", []byte{}, http.StatusUnprocessableEntity, "not_an_image", ""},
		{"one pixel over 50 million", "image/png", pngHeader(10_000, 5_001), http.StatusUnprocessableEntity, "image_too_large", ""},
		{"a decompression bomb", "image/png", pngHeader(100_000, 100_000), http.StatusUnprocessableEntity, "image_too_large", ""},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := putBlob(t, h, token, tt.contentType, tt.data)
			require.Equal(t, tt.status, a.status, "body: %s", a.body)
			data, mime, err := h.Blob(ctx, blobName(tt.data))
			if tt.code != "" {
				assert.Equal(t, tt.code, a.problem(t).Code)
				assert.ErrorIs(t, err, hub.ErrNotFound, "a refused blob is not stored")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.mime, mime)
			assert.Equal(t, tt.data, data)
		})
	}
}

// TestPhotoAngles: a photo event names one of the sides a bench offers,
// and the photo is listed under the media type of its content.
func TestPhotoAngles(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	b := enrollBench(t, h, "bench-angles")
	ti := b.receivedHere(t, "ti-angles", testIMEI(t, 1))
	photo := pngPhoto(t, 40, 30, 7)
	require.Equal(t, http.StatusCreated, putBlob(t, h, b.token, "application/octet-stream", photo).status)

	tests := []struct {
		angle  string
		status string
		code   string
	}{
		{"front", "applied", ""},
		{"damage close-up", "applied", ""},
		{"../../../etc/passwd", "rejected", "invalid_payload"},
		{"", "rejected", "invalid_payload"},
		{"Front", "rejected", "invalid_payload"},
		{"front ", "rejected", "invalid_payload"},
		{"<img src=x onerror=alert(1)>", "rejected", "invalid_payload"},
	}
	for _, tt := range tests {
		t.Run(tt.angle, func(t *testing.T) {
			r := b.pushOne(t, intake.EventPhotoAdded, ti.ID, opTechnician, intake.Photo{SHA256: blobName(photo), Angle: tt.angle, MIME: "image/jpeg"})
			assert.Equal(t, tt.status, string(r.Status), r.Detail)
			assert.Equal(t, tt.code, r.Code)
		})
	}
	photos, err := h.Photos(context.Background(), ti.ID)
	require.NoError(t, err)
	require.Len(t, photos, 2)
	for i, want := range []string{"front", "damage close-up"} {
		assert.Equal(t, want, photos[i].Angle)
		assert.Equal(t, "image/png", photos[i].MIME, "the content's type, not the one the bench claimed")
	}
}

// TestBlobQuota: each bench has a quota of bytes of photos; over it, the
// hub answers 429 with when the bytes will be there, before the body is
// sent, and other benches go on.
func TestBlobQuota(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC))
	// 1 MiB a second, 10 MiB at once.
	h := hubtest.New(t, hubtest.Config{Hub: hub.Config{Now: clk.Now},
		Server: []hub.ServerOption{hub.WithBlobQuota(1<<20, wire.MaxBlobBytes)}})
	greedy, other := h.Enroll(t, "bench-greedy"), h.Enroll(t, "bench-other")
	// A PNG padded to 6 MiB: its header is all the hub reads.
	photo := func(seed byte) []byte {
		p := pngPhoto(t, 8, 8, seed)
		return append(p, bytes.Repeat([]byte{seed}, 6<<20-len(p))...)
	}

	assert.Equal(t, http.StatusCreated, putBlob(t, h, greedy, "image/png", photo(1)).status)
	a := putBlob(t, h, greedy, "image/png", photo(2))
	require.Equal(t, http.StatusTooManyRequests, a.status)
	assert.Equal(t, "blob_quota_exceeded", a.problem(t).Code)
	assert.Equal(t, "2", a.header.Get("Retry-After"), "4 MiB left, 6 MiB wanted, 1 MiB a second")
	_, _, err := h.Blob(context.Background(), blobName(photo(2)))
	assert.ErrorIs(t, err, hub.ErrNotFound)

	assert.Equal(t, http.StatusCreated, putBlob(t, h, other, "image/png", photo(3)).status, "the quota is per bench")
	clk.Advance(2 * time.Second)
	assert.Equal(t, http.StatusCreated, putBlob(t, h, greedy, "image/png", photo(2)).status)
}
