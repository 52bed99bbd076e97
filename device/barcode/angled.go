package barcode

import (
	"errors"
	"math"

	"github.com/makiuchi-d/gozxing"
)

// angled is a view of a frame turned by an angle about its centre, sampled
// lazily one row at a time: 1D readers only ever ask for rows, so scanning
// a few dozen lines at an angle costs a few dozen line samplings rather
// than a rotated copy of the frame. A row of the view is a line across the
// frame at that angle.
type angled struct {
	gozxing.LuminanceSourceBase
	src      *gray
	cos, sin float64
	cx, cy   float64 // frame centre
	ox, oy   float64 // view centre
}

func newAngled(src *gray, degrees float64) *angled {
	rad := degrees * math.Pi / 180
	cos, sin := math.Cos(rad), math.Sin(rad)
	// Snap so that 90° is an exact transpose, not off by a rounding error.
	cos, sin = math.Round(cos*1e9)/1e9, math.Round(sin*1e9)/1e9
	w, h := float64(src.Width), float64(src.Height)
	vw := math.Ceil(math.Abs(w*cos) + math.Abs(h*sin))
	vh := math.Ceil(math.Abs(w*sin) + math.Abs(h*cos))
	return &angled{
		LuminanceSourceBase: gozxing.LuminanceSourceBase{Width: int(vw), Height: int(vh)},
		src:                 src,
		cos:                 cos, sin: sin,
		cx: w / 2, cy: h / 2,
		ox: vw / 2, oy: vh / 2,
	}
}

// toFrame maps a point of the view to the frame.
func (a *angled) toFrame(u, v float64) (x, y float64) {
	du, dv := u-a.ox, v-a.oy
	return a.cx + du*a.cos - dv*a.sin, a.cy + du*a.sin + dv*a.cos
}

// toView maps a point of the frame to the view: the inverse of toFrame.
func (a *angled) toView(x, y float64) (u, v float64) {
	dx, dy := x-a.cx, y-a.cy
	return a.ox + dx*a.cos + dy*a.sin, a.oy - dx*a.sin + dy*a.cos
}

// GetRow samples the frame along the row's line, bilinearly: nearest-pixel
// sampling puts up to half a pixel of jitter on every bar edge, which at
// two or three pixels a module is enough to misread a code crossed a few
// degrees off square. Outside the frame reads as white, like paper.
func (a *angled) GetRow(y int, row []byte) ([]byte, error) {
	if y < 0 || y >= a.Height {
		return nil, errors.New("barcode: row outside the view")
	}
	if cap(row) < a.Width {
		row = make([]byte, a.Width)
	}
	row = row[:a.Width]
	g := a.src
	fx, fy := a.toFrame(0.5, float64(y)+0.5)
	fx, fy = fx-0.5, fy-0.5 // pixel centres
	stride, base := g.stride, g.top*g.stride+g.left
	for u := range row {
		// Truncation is the floor for the points that matter: a point
		// left of or above the frame (negative) reads as white anyway.
		ix, iy := int(fx), int(fy)
		if fx >= 0 && fy >= 0 && ix+1 < g.Width && iy+1 < g.Height {
			wx, wy := fx-float64(ix), fy-float64(iy)
			p := g.pix[base+iy*stride+ix:]
			p = p[: stride+2 : stride+2]
			top := float64(p[0])*(1-wx) + float64(p[1])*wx
			bot := float64(p[stride])*(1-wx) + float64(p[stride+1])*wx
			row[u] = byte(top*(1-wy) + bot*wy + 0.5)
		} else {
			row[u] = 255
		}
		fx += a.cos
		fy += a.sin
	}
	return row, nil
}

func (a *angled) GetMatrix() []byte {
	m := make([]byte, a.Width*a.Height)
	for y := range a.Height {
		_, _ = a.GetRow(y, m[y*a.Width:(y+1)*a.Width])
	}
	return m
}

func (a *angled) Invert() gozxing.LuminanceSource { return gozxing.LuminanceSourceInvert(a) }

func (a *angled) String() string { return gozxing.LuminanceSourceString(a) }
