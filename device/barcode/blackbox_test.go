package barcode_test

import (
	"context"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/device/barcode"
)

// blackboxDir finds ZXing's real photos, kept in shared/ beside the repo.
func blackboxDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	require.NoError(tb, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("no go.mod above the test directory")
		}
		dir = parent
	}
	bb := filepath.Join(dir, "..", "shared", "testdata", "zxing-blackbox")
	if _, err := os.Stat(bb); err != nil {
		tb.Skipf("ZXing blackbox images not found at %s: %v", bb, err)
	}
	return bb
}

type sample struct {
	path string
	want string // expected text; empty for falsepositives
}

// samples lists a folder's images with the text each is known to hold.
func samples(tb testing.TB, folder string) []sample {
	tb.Helper()
	dir := filepath.Join(blackboxDir(tb), folder)
	entries, err := os.ReadDir(dir)
	require.NoError(tb, err)
	var out []sample
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if ext != ".png" && ext != ".jpg" && ext != ".jpeg" && ext != ".gif" {
			continue
		}
		s := sample{path: filepath.Join(dir, e.Name())}
		if folder != "falsepositives" {
			txt, err := os.ReadFile(strings.TrimSuffix(s.path, filepath.Ext(s.path)) + ".txt")
			if err != nil {
				continue // an image without expected text is not a test case
			}
			s.want = string(txt)
		}
		out = append(out, s)
	}
	require.NotEmpty(tb, out, "no images in %s", dir)
	return out
}

func loadImage(tb testing.TB, path string) image.Image {
	tb.Helper()
	f, err := os.Open(path)
	require.NoError(tb, err)
	defer f.Close()
	img, _, err := image.Decode(f)
	require.NoError(tb, err, path)
	return img
}

// found reports whether want is among codes. A UPC-A code is the EAN-13
// code with a leading zero, which is how ZXing's EAN-13 samples give it.
func found(codes []barcode.Barcode, want string) bool {
	return slices.ContainsFunc(codes, func(b barcode.Barcode) bool {
		return b.Text == want || (b.Format == "UPC_A" && "0"+b.Text == want)
	})
}

// TestBlackbox measures the pass rate on ZXing's photos, each as it is (no
// rotated copies). The floors sit just under what this decoder measured
// (in the comments: quick, thorough), so a regression fails the test.
func TestBlackbox(t *testing.T) {
	t.Parallel()
	floors := []struct {
		folder       string
		quick, thoro float64
	}{
		{"code128-1", 0.97, 0.97},    // 7/7, 7/7
		{"code128-2", 0.85, 0.95},    // 35/40, 39/40
		{"code128-3", 0.97, 0.97},    // 2/2, 2/2
		{"datamatrix-1", 0.93, 0.93}, // 22/23, 22/23
		{"ean13-1", 0.74, 0.92},      // 26/34, 32/34
		{"qrcode-1", 0.92, 0.92},     // 19/20, 19/20
		{"qrcode-2", 0.88, 0.88},     // 32/35, 32/35
	}
	var dec barcode.Decoder
	ctx := context.Background()
	for _, fl := range floors {
		t.Run(fl.folder, func(t *testing.T) {
			var quick, thoro int
			var quickTime, thoroTime time.Duration
			cases := samples(t, fl.folder)
			for _, s := range cases {
				img := loadImage(t, s.path)
				start := time.Now()
				q, err := dec.Decode(ctx, img, barcode.Quick)
				quickTime += time.Since(start)
				require.NoError(t, err)
				start = time.Now()
				th, err := dec.Decode(ctx, img, barcode.Thorough)
				thoroTime += time.Since(start)
				require.NoError(t, err)
				if found(q, s.want) {
					quick++
				}
				if found(th, s.want) {
					thoro++
				} else {
					t.Logf("missed %s: want %q, got %v", filepath.Base(s.path), s.want, th)
				}
			}
			n := float64(len(cases))
			t.Logf("%-13s quick %2d/%d = %5.1f%% (%v/image)  thorough %2d/%d = %5.1f%% (%v/image)",
				fl.folder, quick, len(cases), 100*float64(quick)/n, quickTime/time.Duration(len(cases)),
				thoro, len(cases), 100*float64(thoro)/n, thoroTime/time.Duration(len(cases)))
			assert.GreaterOrEqual(t, float64(quick)/n, fl.quick, "quick pass rate")
			assert.GreaterOrEqual(t, float64(thoro)/n, fl.thoro, "thorough pass rate")
		})
	}
}

func TestBlackboxFalsePositives(t *testing.T) {
	t.Parallel()
	var dec barcode.Decoder
	reads := 0
	for _, s := range samples(t, "falsepositives") {
		codes, err := dec.Decode(context.Background(), loadImage(t, s.path), barcode.Thorough)
		require.NoError(t, err)
		for _, c := range codes {
			t.Logf("false read in %s: %s %q", filepath.Base(s.path), c.Format, c.Text)
		}
		reads += len(codes)
	}
	t.Logf("falsepositives: %d reads", reads)
	assert.Zero(t, reads, "measured: none")
}

// TestBlackboxMulti reads both codes of ZXing's multi-1 image, which has no
// .txt: the UPC-A digits are printed under its bars, and ZBar reads the QR
// code as the same text.
func TestBlackboxMulti(t *testing.T) {
	t.Parallel()
	img := loadImage(t, filepath.Join(blackboxDir(t), "multi-1", "1.png"))
	codes, err := barcode.Decoder{}.Decode(context.Background(), img, barcode.Thorough)
	require.NoError(t, err)
	assert.ElementsMatch(t, []textFormat{{"031415926531", "UPC_A"}, {"www.airtable.com/jobs", "QR_CODE"}}, got(codes))
}
