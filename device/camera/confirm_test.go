package camera

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/device/barcode"
)

func TestConfirmer(t *testing.T) {
	t.Parallel()
	imei := barcode.Barcode{Text: "356938035643809", Format: "CODE_128"}
	ean := barcode.Barcode{Text: "4006381333931", Format: "EAN_13"}
	misread := barcode.Barcode{Text: "356938035643801", Format: "CODE_128"}
	misread2 := barcode.Barcode{Text: "356938035643802", Format: "CODE_128"}
	frame := 40 * time.Millisecond
	tests := []struct {
		name   string
		need   int
		frames [][]barcode.Barcode
		want   [][]string // reported per frame
	}{
		{
			name:   "reported on the second frame, once",
			frames: [][]barcode.Barcode{{imei}, {imei}, {imei}, {imei}},
			want:   [][]string{nil, {imei.Text}, nil, nil},
		},
		{
			name:   "a one-frame misread is never reported",
			frames: [][]barcode.Barcode{{imei}, {misread}, {misread2}, {imei}},
			want:   [][]string{nil, nil, nil, {imei.Text}},
		},
		{
			name:   "confirmed across a frame that missed it",
			frames: [][]barcode.Barcode{{imei}, {}, {imei}},
			want:   [][]string{nil, nil, {imei.Text}},
		},
		{
			name:   "a brief loss does not repeat the report",
			frames: [][]barcode.Barcode{{imei}, {imei}, {}, {imei}, {imei}},
			want:   [][]string{nil, {imei.Text}, nil, nil, nil},
		},
		{
			name:   "two codes confirmed independently",
			frames: [][]barcode.Barcode{{imei}, {imei, ean}, {ean, imei}},
			want:   [][]string{nil, {imei.Text}, {ean.Text}},
		},
		{
			name:   "a code twice in one frame counts once",
			frames: [][]barcode.Barcode{{imei, imei}, {imei}},
			want:   [][]string{nil, {imei.Text}},
		},
		{
			name:   "still images: need one",
			need:   1,
			frames: [][]barcode.Barcode{{imei, ean}},
			want:   [][]string{{imei.Text, ean.Text}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := confirmer{need: tt.need, forget: time.Second}
			at := time.Now()
			for i, f := range tt.frames {
				var texts []string
				for _, b := range c.frame(i, at, f) {
					texts = append(texts, b.Text)
				}
				assert.Equal(t, tt.want[i], texts, "frame %d", i)
				at = at.Add(frame)
			}
		})
	}
}

func TestConfirmerReportsAgainAfterForget(t *testing.T) {
	t.Parallel()
	imei := barcode.Barcode{Text: "356938035643809", Format: "CODE_128"}
	c := confirmer{forget: time.Second}
	t0 := time.Now()
	c.frame(1, t0, []barcode.Barcode{imei})
	require.Len(t, c.frame(2, t0.Add(40*time.Millisecond), []barcode.Barcode{imei}), 1)
	c.frame(3, t0.Add(2*time.Second), nil) // the box was taken away
	c.frame(4, t0.Add(3*time.Second), []barcode.Barcode{imei})
	assert.Len(t, c.frame(5, t0.Add(3040*time.Millisecond), []barcode.Barcode{imei}), 1, "the same box scanned again later")
}

// TestConfirmerFramesOutOfOrder: the thorough pass reports on a frame the
// quick pass has already left; a frame read by both passes counts once,
// and reads too far apart confirm nothing.
func TestConfirmerFramesOutOfOrder(t *testing.T) {
	t.Parallel()
	imei := barcode.Barcode{Text: "356938035643809", Format: "CODE_128"}
	t0 := time.Now()
	frame := 40 * time.Millisecond
	c := confirmer{}
	assert.Empty(t, c.frame(5, t0.Add(5*frame), []barcode.Barcode{imei}), "quick pass, frame 5")
	assert.Empty(t, c.frame(5, t0.Add(5*frame), []barcode.Barcode{imei}), "thorough pass, the same frame")
	assert.Len(t, c.frame(3, t0.Add(3*frame), []barcode.Barcode{imei}), 1, "thorough pass on an earlier frame")

	far := confirmer{gap: 100 * time.Millisecond}
	assert.Empty(t, far.frame(1, t0, []barcode.Barcode{imei}))
	assert.Empty(t, far.frame(2, t0.Add(300*time.Millisecond), []barcode.Barcode{imei}), "too long after the first read")
	assert.Len(t, far.frame(3, t0.Add(340*time.Millisecond), []barcode.Barcode{imei}), 1)
}

func TestReadPGM(t *testing.T) {
	t.Parallel()
	frame := func(w, h int, maxval int, pix byte) []byte {
		b := fmt.Appendf(nil, "P5\n# made by a test\n%d %d\n%d\n", w, h, maxval)
		return append(b, bytes.Repeat([]byte{pix}, w*h)...)
	}
	stream := append(frame(4, 3, 255, 200), frame(2, 2, 15, 15)...)
	r := bufio.NewReader(bytes.NewReader(stream))

	img, err := readPGM(r)
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 4, 3), img.Bounds())
	assert.Equal(t, byte(200), img.GrayAt(3, 2).Y)

	img, err = readPGM(r)
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 2, 2), img.Bounds())
	assert.Equal(t, byte(255), img.GrayAt(1, 1).Y, "maxval 15 scaled to 255")

	_, err = readPGM(r)
	assert.ErrorIs(t, err, io.EOF, "a clean end of stream")

	for name, bad := range map[string][]byte{
		"truncated pixels": frame(4, 3, 255, 1)[:20],
		"truncated header": []byte("P5\n4 "),
		"wrong magic":      []byte("P6\n1 1\n255\nabc"),
		"huge":             []byte("P5\n99999 99999\n255\n"),
		"16-bit":           []byte("P5\n1 1\n65535\nab"),
	} {
		_, err := readPGM(bufio.NewReader(bytes.NewReader(bad)))
		require.Error(t, err, name)
		assert.NotErrorIs(t, err, io.EOF, "%s is not a clean end", name)
	}
}
