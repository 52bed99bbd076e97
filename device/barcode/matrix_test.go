package barcode

import (
	"math/rand/v2"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/stretchr/testify/require"
)

func TestRegionCropMatchesBits(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	const w, h = 131, 77
	m, err := gozxing.NewBitMatrix(w, h)
	require.NoError(t, err)
	for y := range h {
		for x := range w {
			if rng.IntN(2) == 0 {
				m.Set(x, y)
			}
		}
	}
	r := region{lum: wrapGray(make([]byte, w*h), w, w, h), m: m, x0: 5, y0: 7}
	for _, c := range [][4]int{{0, 0, w, h}, {1, 2, 64, 30}, {33, 10, 97, 67}, {31, 0, 33, 1}, {100, 50, 31, 27}} {
		sub, err := r.crop(c[0], c[1], c[2], c[3])
		require.NoError(t, err)
		require.Equal(t, r.x0+c[0], sub.x0)
		require.Equal(t, r.y0+c[1], sub.y0)
		for y := range c[3] {
			for x := range c[2] {
				require.Equal(t, m.Get(c[0]+x, c[1]+y), sub.m.Get(x, y), "crop %v at %d,%d", c, x, y)
			}
		}
	}
}

func TestEdges(t *testing.T) {
	t.Parallel()
	row := gozxing.NewBitArray(100)
	require.Equal(t, 0, edges(row))
	require.NoError(t, row.SetRange(10, 20)) // one bar: two edges
	require.Equal(t, 2, edges(row))
	require.NoError(t, row.SetRange(30, 70)) // across a word boundary
	require.Equal(t, 4, edges(row))
	row.Set(0) // a bar at the very start: its leading edge counts too
	require.Equal(t, 6, edges(row))
}
