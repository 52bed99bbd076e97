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
			frames: [][]barcode.Barcode{{imei}, {misread}, {imei}, {imei}},
			want:   [][]string{nil, nil, nil, {imei.Text}},
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
				for _, b := range c.frame(f, at) {
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
	c.frame([]barcode.Barcode{imei}, t0)
	require.Len(t, c.frame([]barcode.Barcode{imei}, t0.Add(40*time.Millisecond)), 1)
	c.frame(nil, t0.Add(2*time.Second)) // the box was taken away
	c.frame([]barcode.Barcode{imei}, t0.Add(3*time.Second))
	assert.Len(t, c.frame([]barcode.Barcode{imei}, t0.Add(3040*time.Millisecond)), 1, "the same box scanned again later")
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
