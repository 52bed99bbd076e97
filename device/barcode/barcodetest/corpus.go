package barcodetest

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/makiuchi-d/gozxing"
)

// Kind is what a corpus frame shows.
type Kind int

const (
	// IMEICode128 is one IMEI in Code 128, as on a phone's own sticker.
	IMEICode128 Kind = iota
	// IMEIQR is one IMEI in a QR code.
	IMEIQR
	// IMEIDataMatrix is one IMEI in a Data Matrix code.
	IMEIDataMatrix
	// BoxLabel is the back of a phone box: IMEI 1 and IMEI 2 in Code 128
	// and the EAN-13 product code, among lines of printed text. It counts
	// as read only when all three codes are.
	BoxLabel
)

func (k Kind) String() string {
	switch k {
	case IMEICode128:
		return "code128"
	case IMEIQR:
		return "qr"
	case IMEIDataMatrix:
		return "datamatrix"
	case BoxLabel:
		return "label"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// OneD reports whether the frame's codes are all 1D.
func (k Kind) OneD() bool { return k == IMEICode128 || k == BoxLabel }

// Scene is one synthetic webcam frame, described: Render draws it, the
// same pixels every time.
type Scene struct {
	Kind   Kind
	Codes  []Code  // what the frame holds, all of it
	Module float64 // pixels per module in the frame (before keystone)
	// Rotation is counterclockwise, in degrees, of the symbol's bars
	// across the frame; RotationBucket names the range it was drawn from.
	Rotation       float64
	RotationBucket string
	Keystone       float64 // tilt of the label's plane away from the camera, degrees
	Nearest        bool    // nearest-pixel resampling, else bilinear
	Blur           float64 // Gaussian σ in pixels; 0 for none
	Noise          float64 // Gaussian σ of sensor noise, in grey levels
	JPEG           int     // quality 1-100; 0 for none
	LowContrast    bool    // ink and paper squeezed into a dim middle grey
	W, H           int
	Seed           uint64
	// ShiftX and ShiftY move the label from where Seed puts it, and
	// MotionX and MotionY smear it along its motion while the shutter is
	// open, in pixels: a hand holding a box under the camera.
	ShiftX, ShiftY   float64
	MotionX, MotionY float64
	// Frame numbers the frames of a clip, which share Seed (the label and
	// where it is held) but not their sensor noise.
	Frame int
}

// Name is a short description, unique within a corpus.
func (s Scene) Name() string {
	return fmt.Sprintf("%s/%dx%d/rot%.0f/mod%.1f/seed%d", s.Kind, s.W, s.H, s.Rotation, s.Module, s.Seed)
}

// RotationBuckets are the ranges the corpus draws rotations from, each
// also turned by a quarter, half or three quarters: "any" is the full
// circle.
var RotationBuckets = []string{"0", "3-6", "10-20", "45", "90", "any"}

// Sizes are the frame sizes of the corpus, webcam resolutions.
var Sizes = []image.Point{{640, 480}, {1280, 720}, {1920, 1080}}

// Corpus describes n frames drawn from seed: the kinds, rotation buckets
// and sizes in turn, everything else at random within what a bench webcam
// sees (modules 1.5-5 px, keystone up to 15°, blur σ 0.5-2, noise σ
// 3-15, JPEG q50-90, some frames low in contrast, nearest or bilinear
// resampling).
func Corpus(seed uint64, n int) []Scene {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	out := make([]Scene, 0, n)
	for i := range n {
		s := Scene{
			Kind:           Kind(i % 4),
			RotationBucket: RotationBuckets[(i/4)%len(RotationBuckets)],
			Seed:           seed*1_000_003 + uint64(i),
		}
		size := Sizes[(i/(4*len(RotationBuckets)))%len(Sizes)]
		s.W, s.H = size.X, size.Y
		s.Rotation = rotationIn(rng, s.RotationBucket)
		s.Module = 1.5 + 3.5*rng.Float64()
		if rng.IntN(2) == 0 {
			s.Keystone = 15 * rng.Float64()
		}
		s.Nearest = rng.IntN(2) == 0
		if rng.IntN(10) < 7 {
			s.Blur = 0.5 + 1.5*rng.Float64()
		}
		s.Noise = 3 + 12*rng.Float64()
		if rng.IntN(2) == 0 {
			s.JPEG = 50 + rng.IntN(41)
		}
		s.LowContrast = rng.IntN(5) == 0
		s.Codes = sceneCodes(s.Kind, rng)
		s.Module = s.fitModule()
		out = append(out, s)
	}
	return out
}

func rotationIn(rng *rand.Rand, bucket string) float64 {
	quarter := 90 * float64(rng.IntN(4))
	sign := float64(1 - 2*rng.IntN(2))
	switch bucket {
	case "0":
		return 180 * float64(rng.IntN(2))
	case "3-6":
		return quarter + sign*(3+3*rng.Float64())
	case "10-20":
		return quarter + sign*(10+10*rng.Float64())
	case "45":
		return quarter + 45
	case "90":
		return 90 + 180*float64(rng.IntN(2))
	}
	return 360 * rng.Float64()
}

// randomIMEI is a valid IMEI under a real-looking TAC.
func randomIMEI(rng *rand.Rand) string {
	body := "35"
	for range 12 {
		body += strconv.Itoa(rng.IntN(10))
	}
	return WithLuhn(body)
}

func randomEAN13(rng *rand.Rand) string {
	body := "400"
	for range 9 {
		body += strconv.Itoa(rng.IntN(10))
	}
	sum := 0
	for i, c := range body {
		d := int(c - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return body + strconv.Itoa((10-sum%10)%10)
}

func sceneCodes(k Kind, rng *rand.Rand) []Code {
	imei := randomIMEI(rng)
	switch k {
	case IMEIQR:
		return []Code{{gozxing.BarcodeFormat_QR_CODE, "IMEI:" + imei}}
	case IMEIDataMatrix:
		return []Code{{gozxing.BarcodeFormat_DATA_MATRIX, imei}}
	case BoxLabel:
		return []Code{
			{gozxing.BarcodeFormat_CODE_128, imei},
			{gozxing.BarcodeFormat_CODE_128, randomIMEI(rng)},
			{gozxing.BarcodeFormat_EAN_13, randomEAN13(rng)},
		}
	}
	return []Code{{gozxing.BarcodeFormat_CODE_128, imei}}
}

// master is the scene's artwork at masterPx pixels a module, before the
// camera: rendered large so that the camera's resampling, not the
// artwork's, decides what the frame looks like.
const masterPx = 4

// artwork draws the scene's codes on white paper at masterPx a module.
// Codes are stacked with a gap; a box label gets lines of text-like ink
// between its codes, which is what tempts a reader into a false EAN.
func (s Scene) artwork() (*image.Gray, error) {
	rng := rand.New(rand.NewPCG(s.Seed, 0xa27))
	var syms []*image.Gray
	for _, c := range s.Codes {
		px := masterPx
		if c.Format == gozxing.BarcodeFormat_QR_CODE || c.Format == gozxing.BarcodeFormat_DATA_MATRIX {
			px = 2 * masterPx // 2D cells are larger than bars on real labels
		}
		sym, err := Symbol(c, px, 40*masterPx)
		if err != nil {
			return nil, err
		}
		syms = append(syms, sym)
	}
	gap := 10 * masterPx
	w, h := 0, gap
	for _, sym := range syms {
		w = max(w, sym.Bounds().Dx())
		h += sym.Bounds().Dy() + gap
		if s.Kind == BoxLabel {
			h += 10*masterPx + gap
		}
	}
	w += 2 * gap
	img := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	y := gap
	for _, sym := range syms {
		draw.Draw(img, sym.Bounds().Add(image.Pt(gap, y)), sym, image.Point{}, draw.Src)
		y += sym.Bounds().Dy() + gap
		if s.Kind == BoxLabel {
			text(img, image.Rect(gap, y, w-gap, y+10*masterPx), rng)
			y += 10*masterPx + gap
		}
	}
	return img, nil
}

// text fills r with rows of glyph-like blobs: strokes of a few modules,
// the rhythm of printed characters.
func text(img *image.Gray, r image.Rectangle, rng *rand.Rand) {
	glyph := 3 * masterPx
	for x := r.Min.X; x+glyph <= r.Max.X; x += glyph + masterPx {
		if rng.IntN(7) == 0 {
			continue // a space
		}
		for range 2 + rng.IntN(3) {
			var sr image.Rectangle
			if rng.IntN(2) == 0 { // vertical stroke
				sx := x + rng.IntN(glyph-masterPx/2)
				sr = image.Rect(sx, r.Min.Y, sx+masterPx/2+1, r.Max.Y-rng.IntN(r.Dy()/2))
			} else {
				sy := r.Min.Y + rng.IntN(r.Dy()-masterPx/2)
				sr = image.Rect(x, sy, x+glyph, sy+masterPx/2+1)
			}
			draw.Draw(img, sr.Intersect(r), image.Black, image.Point{}, draw.Src)
		}
	}
}

// fitModule shrinks the module, down to 1.5 px, until the turned artwork
// fits in the frame: a label the camera cannot see whole is not a frame
// anyone would hold up.
func (s Scene) fitModule() float64 {
	art, err := s.artwork()
	if err != nil {
		return s.Module
	}
	b := art.Bounds()
	rad := s.Rotation * math.Pi / 180
	c, sn := math.Abs(math.Cos(rad)), math.Abs(math.Sin(rad))
	for m := s.Module; ; m *= 0.95 {
		k := m / masterPx
		w := k * (float64(b.Dx())*c + float64(b.Dy())*sn)
		h := k * (float64(b.Dx())*sn + float64(b.Dy())*c)
		if (w <= 0.92*float64(s.W) && h <= 0.92*float64(s.H)) || m <= 1.5 {
			return math.Round(max(m, 1.5)*100) / 100
		}
	}
}

// Render draws the frame: the artwork scaled, turned and tilted onto a
// grey desk, then blurred, made noisy, dimmed and JPEG-compressed as the
// scene says.
func (s Scene) Render() (*image.Gray, error) {
	art, err := s.artwork()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(s.Seed, 0xf4a3e))
	out := image.NewGray(image.Rect(0, 0, s.W, s.H))
	// The desk: a soft light gradient, darker than the paper.
	for y := range s.H {
		for x := range s.W {
			out.Pix[y*out.Stride+x] = uint8(80 + 40*float64(x+y)/float64(s.W+s.H))
		}
	}
	inv := s.inverse(art.Bounds(), rng)
	ab := art.Bounds()
	for y := range s.H {
		for x := range s.W {
			u, v, ok := inv(float64(x)+0.5, float64(y)+0.5)
			if !ok {
				continue
			}
			u, v = u-0.5, v-0.5
			if u < -1 || v < -1 || u > float64(ab.Dx()) || v > float64(ab.Dy()) {
				continue
			}
			var p uint8
			if s.Nearest {
				ix, iy := int(math.Round(u)), int(math.Round(v))
				if ix < 0 || iy < 0 || ix >= ab.Dx() || iy >= ab.Dy() {
					continue
				}
				p = art.Pix[iy*art.Stride+ix]
			} else {
				p = bilinear(art, u, v, out.Pix[y*out.Stride+x])
			}
			out.Pix[y*out.Stride+x] = p
		}
	}
	// Paper is never pure white under a bench lamp, nor ink pure black.
	out = Contrast(out, 25, 235)
	if s.Blur > 0 {
		out = GaussianBlur(out, s.Blur)
	}
	if s.MotionX != 0 || s.MotionY != 0 {
		out = MotionBlur(out, s.MotionX, s.MotionY)
	}
	if s.LowContrast {
		out = Contrast(out, 70, 160)
	}
	out = Noise(out, s.Noise, s.Seed^uint64(s.Frame)<<32)
	if s.JPEG > 0 {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: s.JPEG}); err != nil {
			return nil, fmt.Errorf("barcodetest: jpeg: %w", err)
		}
		img, err := jpeg.Decode(&buf)
		if err != nil {
			return nil, fmt.Errorf("barcodetest: jpeg: %w", err)
		}
		g, ok := img.(*image.Gray)
		if !ok {
			return nil, fmt.Errorf("barcodetest: jpeg gave %T", img)
		}
		out = g
	}
	return out, nil
}

// inverse maps a frame point back onto the artwork: the artwork, centred
// at a random spot that keeps it in the frame, scaled to the module size,
// turned, and its plane tilted by the keystone angle (a pinhole camera
// with a focal length of the frame's width).
func (s Scene) inverse(art image.Rectangle, rng *rand.Rand) func(x, y float64) (u, v float64, ok bool) {
	k := s.Module / masterPx
	rad := s.Rotation * math.Pi / 180
	cos, sin := math.Cos(rad), math.Sin(rad)
	aw, ah := float64(art.Dx()), float64(art.Dy())
	bw := k * (aw*math.Abs(cos) + ah*math.Abs(sin))
	bh := k * (aw*math.Abs(sin) + ah*math.Abs(cos))
	slackX, slackY := max(0, float64(s.W)-bw)/2, max(0, float64(s.H)-bh)/2
	cx := float64(s.W)/2 + (2*rng.Float64()-1)*0.6*slackX + s.ShiftX
	cy := float64(s.H)/2 + (2*rng.Float64()-1)*0.6*slackY + s.ShiftY
	f := float64(s.W)
	tilt := s.Keystone * math.Pi / 180
	tc, ts := math.Cos(tilt), math.Sin(tilt)
	// Forward: artwork (u,v) centred -> scaled and turned (px, py) on the
	// label plane -> plane tilted about the frame's horizontal axis ->
	// projected. Inverse, by hand: undo the projection, then the turn.
	return func(x, y float64) (float64, float64, bool) {
		X, Y := x-cx, y-cy
		// Projection of plane point (px, py*tc, py*ts+f): X = f*px/(f+py*ts),
		// Y = f*py*tc/(f+py*ts). Solve for py from Y, then px.
		den := f*tc - Y*ts
		if den <= 0 {
			return 0, 0, false
		}
		py := Y * f / den
		px := X * (f + py*ts) / f
		// Undo the turn (counterclockwise on screen, y down).
		ru := px*cos - py*sin
		rv := px*sin + py*cos
		return ru/k + aw/2, rv/k + ah/2, true
	}
}

// GaussianBlur blurs img with a Gaussian of standard deviation sigma, the
// softness of a webcam's lens slightly out of focus.
func GaussianBlur(img *image.Gray, sigma float64) *image.Gray {
	r := int(math.Ceil(3 * sigma))
	kernel := make([]float64, 2*r+1)
	sum := 0.0
	for i := range kernel {
		d := float64(i - r)
		kernel[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += kernel[i]
	}
	for i := range kernel {
		kernel[i] /= sum
	}
	return convolve(convolve(img, kernel, 1, 0), kernel, 0, 1)
}

// MotionBlur smears img along (dx, dy), its length in pixels: a label
// moving while the shutter is open.
func MotionBlur(img *image.Gray, dx, dy float64) *image.Gray {
	n := int(math.Ceil(math.Hypot(dx, dy)))
	if n < 1 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			sum := 0.0
			for i := 0; i <= n; i++ {
				t := float64(i)/float64(n) - 0.5
				sx := min(max(int(math.Round(float64(x)+t*dx)), 0), w-1)
				sy := min(max(int(math.Round(float64(y)+t*dy)), 0), h-1)
				sum += float64(img.Pix[sy*img.Stride+sx])
			}
			out.Pix[y*out.Stride+x] = uint8(sum/float64(n+1) + 0.5)
		}
	}
	return out
}

func convolve(img *image.Gray, kernel []float64, dx, dy int) *image.Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	r := len(kernel) / 2
	out := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			sum := 0.0
			for i, k := range kernel {
				sx := min(max(x+(i-r)*dx, 0), w-1)
				sy := min(max(y+(i-r)*dy, 0), h-1)
				sum += k * float64(img.Pix[sy*img.Stride+sx])
			}
			out.Pix[y*out.Stride+x] = uint8(min(max(sum+0.5, 0), 255))
		}
	}
	return out
}

// ClipFrames is the length of a clip: a second at 30 frames a second, how
// long a technician holds a box under the camera.
const ClipFrames = 30

// Clip describes the frames of a box held under a w×h webcam for a
// second: the hand shakes (the label drifts and turns a little, smeared
// along its motion), and the camera hunts for focus (blurred at first,
// sharp after a few frames, softening again now and then). Every frame is
// one a person could read once it is in focus.
func Clip(seed uint64, kind Kind, w, h int) []Scene {
	rng := rand.New(rand.NewPCG(seed, 0xc11b))
	base := Scene{
		Kind:     kind,
		Module:   2.2 + 1.8*rng.Float64(),
		Rotation: 360 * rng.Float64(),
		Keystone: 8 * rng.Float64(),
		Noise:    3 + 5*rng.Float64(),
		JPEG:     75,
		W:        w, H: h,
		Seed: seed,
	}
	base.RotationBucket = "any"
	base.Codes = sceneCodes(kind, rng)
	base.Module = base.fitModule()
	out := make([]Scene, ClipFrames)
	var x, y, vx, vy float64
	for i := range out {
		f := base
		// Shake: a damped random walk of a few pixels a frame.
		vx = 0.7*vx + 3*rng.NormFloat64()
		vy = 0.7*vy + 3*rng.NormFloat64()
		x, y = x+vx, y+vy
		f.ShiftX, f.ShiftY = x, y
		f.MotionX, f.MotionY = 0.5*vx, 0.5*vy
		f.Rotation = base.Rotation + 0.8*rng.NormFloat64()
		// Focus: hunting for the first frames, then sharp but for a
		// short wobble now and then.
		switch {
		case i < 6:
			f.Blur = 3.5 - 0.5*float64(i)
		case rng.IntN(8) == 0:
			f.Blur = 1.5 + rng.Float64()
		default:
			f.Blur = 0.6
		}
		f.Frame = i
		out[i] = f
	}
	return out
}
