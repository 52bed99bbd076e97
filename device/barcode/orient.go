package barcode

import (
	"math"
	"slices"
)

// A 1D code is a patch where every edge runs the same way. The live pass
// finds such patches with the structure tensor of the gradient over small
// blocks of the frame: a block of bars has strong gradients that all point
// one way (coherence near 1), where text, 2D codes and desk texture point
// every way. The blocks' directions, histogrammed, give the direction to
// scan in, and the blocks themselves where to put the lines.

// orientBlock is the side of a block in pixels: a few modules of the
// smallest code, so a block inside a code sees only bars and gaps.
const orientBlock = 16

// Thresholds for a bar-like block. minEnergy is the mean squared gradient
// (central differences, levels already stretched) below which a block is
// blank paper or soft shading; minCoherence keeps blocks whose edges
// agree, which bars do even when blurred, noisy or a little keystoned.
const (
	minEnergy    = 250
	minCoherence = 0.7
)

// barBlock is one bar-like block: its centre and the direction across its
// bars, in degrees in [0, 180).
type barBlock struct {
	x, y float64
	deg  float64
}

// bearing is a direction to scan in and the centres of the blocks that
// voted for it.
type bearing struct {
	deg    float64
	blocks []barBlock
}

// barBlocks measures every block of g and returns the bar-like ones.
func barBlocks(g *gray) []barBlock {
	bw, bh := g.Width/orientBlock, g.Height/orientBlock
	var out []barBlock
	for by := range bh {
		for bx := range bw {
			x0, y0 := bx*orientBlock, by*orientBlock
			var jxx, jyy, jxy, n int
			// Every other pixel of every other row: a quarter of the work,
			// and still dozens of edges across a block of bars.
			for y := max(y0, 1); y < min(y0+orientBlock, g.Height-1); y += 2 {
				row := g.pix[(g.top+y)*g.stride+g.left:]
				up := g.pix[(g.top+y-1)*g.stride+g.left:]
				down := g.pix[(g.top+y+1)*g.stride+g.left:]
				for x := max(x0, 1); x < min(x0+orientBlock, g.Width-1); x += 2 {
					gx := int(row[x+1]) - int(row[x-1])
					gy := int(down[x]) - int(up[x])
					jxx += gx * gx
					jyy += gy * gy
					jxy += gx * gy
					n++
				}
			}
			e := jxx + jyy
			if n == 0 || e < minEnergy*n {
				continue
			}
			d := float64(jxx - jyy)
			coh := math.Sqrt(d*d+4*float64(jxy)*float64(jxy)) / float64(e)
			if coh < minCoherence {
				continue
			}
			deg := 0.5 * math.Atan2(2*float64(jxy), d) * 180 / math.Pi
			if deg < 0 {
				deg += 180
			}
			out = append(out, barBlock{float64(x0) + orientBlock/2, float64(y0) + orientBlock/2, deg})
		}
	}
	return out
}

// bearingBins is the resolution of the direction histogram.
const bearingBins = 36 // 5° each

// minBlocks is the fewest blocks that make a direction worth scanning: a
// short 15-digit Code 128 at 1.5 px a module covers a dozen.
const minBlocks = 4

// bearings returns up to max directions in which bar-like blocks lie,
// strongest first. Each direction is the mean of its blocks' directions
// (on the doubled angle, so 179° and 1° average to 0°), and its blocks
// are those within 10° of it.
func bearings(blocks []barBlock, limit int) []bearing {
	var hist [bearingBins]float64
	for _, b := range blocks {
		hist[int(b.deg/(180/bearingBins))%bearingBins]++
	}
	var smooth [bearingBins]float64
	for i := range hist {
		smooth[i] = hist[(i+bearingBins-1)%bearingBins] + 2*hist[i] + hist[(i+1)%bearingBins]
	}
	var out []bearing
	for range limit {
		best := slices.Index(smooth[:], slices.Max(smooth[:]))
		if smooth[best] < 4*minBlocks/2 { // the [1 2 1] kernel doubles a count
			break
		}
		centre := (float64(best) + 0.5) * 180 / bearingBins
		var sx, sy float64
		for _, b := range blocks {
			if angleDiff(b.deg, centre) <= 10 {
				r := 2 * b.deg * math.Pi / 180
				sx, sy = sx+math.Cos(r), sy+math.Sin(r)
			}
		}
		deg := math.Atan2(sy, sx) * 90 / math.Pi
		if deg < 0 {
			deg += 180
		}
		br := bearing{deg: deg}
		for _, b := range blocks {
			if angleDiff(b.deg, deg) <= 10 {
				br.blocks = append(br.blocks, b)
			}
		}
		if len(br.blocks) >= minBlocks {
			out = append(out, br)
		}
		// Clear this peak and its shoulders before looking for the next.
		for d := -4; d <= 4; d++ {
			smooth[(best+d+bearingBins)%bearingBins] = 0
		}
	}
	return out
}

// angleDiff is the difference of two undirected angles in degrees, 0-90.
func angleDiff(a, b float64) float64 {
	d := math.Mod(math.Abs(a-b), 180)
	return min(d, 180-d)
}

// linesAcross places up to limit scan lines (rows of the view a) through
// the blocks of br: the rows a block's centre falls on, widened by half a
// block each way and merged, are covered evenly, every part by at least
// minPerBand lines so that two lines can agree on every code.
func linesAcross(a *angled, br bearing, limit int) []int {
	const minPerBand = 4
	type band struct{ lo, hi float64 }
	vs := make([]float64, 0, len(br.blocks))
	for _, b := range br.blocks {
		_, v := a.toView(b.x, b.y)
		vs = append(vs, v)
	}
	slices.Sort(vs)
	var bands []band
	for _, v := range vs {
		lo, hi := v-orientBlock/2, v+orientBlock/2
		if n := len(bands); n > 0 && lo <= bands[n-1].hi {
			bands[n-1].hi = max(bands[n-1].hi, hi)
			continue
		}
		bands = append(bands, band{lo, hi})
	}
	total := 0.0
	for _, b := range bands {
		total += b.hi - b.lo
	}
	if total == 0 {
		return nil
	}
	step := max(2, total/float64(limit))
	var rows []int
	for _, b := range bands {
		n := max(minPerBand, int((b.hi-b.lo)/step))
		for i := range n {
			y := int(b.lo + (float64(i)+0.5)*(b.hi-b.lo)/float64(n))
			if y >= 0 && y < a.Height && (len(rows) == 0 || rows[len(rows)-1] != y) {
				rows = append(rows, y)
			}
		}
	}
	if len(rows) > 2*limit {
		// Many small bands (a busy frame): keep an even spread of them.
		kept := rows[:0:0]
		for i := range 2 * limit {
			kept = append(kept, rows[i*len(rows)/(2*limit)])
		}
		rows = kept
	}
	return rows
}
