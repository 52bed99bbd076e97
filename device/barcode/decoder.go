// Package barcode finds and decodes every barcode in an image: Code 128,
// EAN-13/UPC-A, QR Code and Data Matrix, with the gozxing port of ZXing.
// A phone box label carries several codes (IMEI 1, IMEI 2, serial number,
// EAN), and a webcam sees them at any angle, so the decoder finds the
// direction the frame's bars point in and reads lines across them, several
// codes per line, every QR code, and a Data Matrix code in each separate
// patch of ink, where ZXing's readers stop at the first code. A frame is
// turned to grey and binarised once; every reader shares that.
//
// A 1D code counts only when several scan lines read it alike (two for
// Code 128, three for EAN-13/UPC-A), and an EAN that fewer lines agree on
// than another reading of the same symbol is dropped: a single line
// through a 2D code or printed text can spell a valid EAN.
package barcode

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/datamatrix"
	multiqr "github.com/makiuchi-d/gozxing/multi/qrcode"
	"github.com/makiuchi-d/gozxing/oned"
)

// Barcode is one decoded symbol.
type Barcode struct {
	Text   string
	Format string // gozxing's name: CODE_128, EAN_13, UPC_A, QR_CODE, DATA_MATRIX
	// AIM is the symbology identifier a scanner would send for this read,
	// e.g. "]C1" for GS1-128 or "]d2" for GS1 DataMatrix, when known.
	AIM string
	// Points locate the symbol in the image: the two ends of the scan line
	// for a 1D code, the finder patterns or corners for a 2D one.
	Points []image.Point
}

// Effort chooses how hard Decode looks.
type Effort int

const (
	// Quick is the per-frame pass for a live camera: twenty horizontal and
	// twenty vertical lines, and up to forty across each of the two
	// directions most bar-like blocks of the frame point in (a gradient
	// structure tensor over 16-pixel blocks), through those blocks; one
	// look for a QR code and Data Matrix codes in the frame and in its
	// six squarest patches of ink.
	Quick Effort = iota
	// Thorough adds a hundred and twenty lines across each of up to four
	// bar directions, dense lines every 7.5°, ZXing's TRY_HARDER, every
	// QR code in the frame and a Data Matrix look around each one found
	// and in every squarish patch of ink. For still images, and for camera
	// frames where the quick pass keeps finding nothing (off the frame
	// loop: see camera.Stream).
	Thorough
)

// Decoder decodes images. The zero value is ready to use and it is safe for
// concurrent use: it keeps no state between calls. A camera's frame loop
// uses a Reader instead.
type Decoder struct{}

// Reader decodes frame after frame like Decoder, but keeps its working
// buffers from one frame to the next: a 720p frame needs about a
// megabyte of them (a stretched copy of a washed-out frame, the
// binarised frame, scan line buffers), and allocating those anew on
// every frame gives the garbage collector work on the live pass's core. It is not safe for
// concurrent use: keep one per goroutine (camera.Stream keeps one for the
// live pass and another for the thorough pass). The zero value is ready
// to use. Codes it returns share nothing with it.
type Reader struct {
	s scratch
}

// ErrReader is a failure inside the reader library (it panicked) on some
// frame; the frame is lost, the decoder is not.
var ErrReader = errors.New("barcode: reader failed")

// Decode returns every distinct barcode found in img, top to bottom. A
// frame with no barcode gives none and no error; the error is ctx's, or
// ErrReader.
func (Decoder) Decode(ctx context.Context, img image.Image, effort Effort) ([]Barcode, error) {
	return new(Reader).Decode(ctx, img, effort)
}

// Decode is Decoder.Decode with r's buffers.
func (r *Reader) Decode(ctx context.Context, img image.Image, effort Effort) (codes []Barcode, err error) {
	// gozxing is a line-by-line port of Java that indexes arrays freely; a
	// frame it chokes on must cost that frame, not the bench app.
	defer func() {
		if r := recover(); r != nil {
			codes, err = nil, fmt.Errorf("%w: %v", ErrReader, r)
		}
	}()
	lum := newGray(img)
	if lum.Width == 0 || lum.Height == 0 {
		return nil, nil
	}
	lum = lum.levels(&r.s.levels)
	// Binarisation is lazy and cached: frames whose 2D looks are skipped
	// never pay for it, and the thorough pass reuses the quick one's.
	bm, err := gozxing.NewBinaryBitmap(&hybrid{src: lum, s: &r.s.hybrid})
	if err != nil {
		return nil, nil // only for a nil binariser
	}
	f := frame{lum: lum, bm: bm, blocks: new([]barBlock), s: &r.s}
	c := newCollector()
	quick(f, c)
	if effort >= Thorough {
		if err := thorough(ctx, f, c); err != nil {
			return nil, err
		}
	}
	return c.barcodes(), ctx.Err()
}

// frame is one image as the readers see it: its luminance, its
// binarisation for the 2D readers, and its bar-like blocks once measured.
type frame struct {
	lum    *gray
	bm     *gozxing.BinaryBitmap
	blocks *[]barBlock
	s      *scratch
}

// barBlocks measures the frame's blocks once for both passes.
func (f frame) barBlocks() []barBlock {
	if *f.blocks == nil {
		*f.blocks = barBlocks(f.lum)
		if *f.blocks == nil {
			*f.blocks = []barBlock{}
		}
	}
	return *f.blocks
}

// region returns the whole binarised frame as a region to crop from.
func (f frame) region() (region, bool) {
	m, err := f.bm.GetBlackMatrix()
	if err != nil {
		return region{}, false
	}
	return region{lum: f.lum, m: m}, true
}

// quickRows is how many lines the quick pass scans each way, horizontal
// and vertical: about one every 5% of the frame, so a square-on 1D code
// taller than that is crossed at least twice.
const quickRows = 20

// Lines the passes scan along each direction the frame's bars point in:
// enough for a few lines through every code the blocks found, within the
// live pass's budget.
const (
	quickBearings     = 2
	quickBearingLines = 40
	thoroBearings     = 4
	thoroBearingLines = 120
)

// evenly spreads n rows over a height h.
func evenly(h, n int) []int {
	rows := make([]int, n)
	for i := range rows {
		rows[i] = (2*i + 1) * h / (2 * n)
	}
	return rows
}

func quick(f frame, c *collector) {
	scanLines(f.lum, identity, evenly(f.lum.Height, quickRows), nil, true, &f.s.lines, c)
	vert := newAngled(f.lum, 90)
	scanLines(vert, vert.toFrame, evenly(vert.Height, quickRows), nil, true, &f.s.lines, c)
	scanBearings(f, quickBearings, quickBearingLines, nil, c)

	if m, err := f.bm.GetBlackMatrix(); err == nil {
		if res, err := readQR(m, &f.s.qrRow); err == nil {
			c.add(res, identity)
		}
	}
	if res, err := datamatrix.NewDataMatrixReader().Decode(f.bm, nil); err == nil {
		c.add(res, identity)
	}
	if whole, ok := f.region(); ok {
		dataMatrixBlobs(whole, quickBlobs, nil, &f.s.blobs, c)
	}
}

// scanBearings scans lines across the bars in each direction the frame's
// bar-like blocks point in, through those blocks.
func scanBearings(f frame, limit, lines int, hints map[gozxing.DecodeHintType]any, c *collector) {
	for _, br := range bearings(f.barBlocks(), limit) {
		a := newAngled(f.lum, br.deg)
		scanLines(a, a.toFrame, linesAcross(a, br, lines), hints, true, &f.s.lines, c)
	}
}

// dataMatrixBlobs reads Data Matrix codes in the squarish patches of ink
// where no code has been found yet, squarest first and at most limit of
// them (< 0: all), each cropped with a margin for its quiet zone.
func dataMatrixBlobs(frame region, limit int, hints map[gozxing.DecodeHintType]any, s *blobScratch, c *collector) {
	var cands []image.Rectangle
	for _, b := range blobs(frame.m, s) {
		if squarish(b) && !c.covers(b) {
			cands = append(cands, b)
		}
	}
	// Stable: among equally square patches the larger (earlier) goes first.
	slices.SortStableFunc(cands, func(a, b image.Rectangle) int {
		return cmp.Compare(squareness(b), squareness(a))
	})
	if limit >= 0 && len(cands) > limit {
		cands = cands[:limit]
	}
	dm := datamatrix.NewDataMatrixReader()
	bounds := image.Rect(0, 0, frame.m.GetWidth(), frame.m.GetHeight())
	for _, b := range cands {
		b = b.Inset(-blobCell).Intersect(bounds)
		part, err := frame.crop(b.Min.X, b.Min.Y, b.Dx(), b.Dy())
		if err != nil {
			continue
		}
		if bm, err := part.bitmap(); err == nil {
			if res, err := dm.Decode(bm, hints); err == nil {
				c.add(res, offset(part.x0, part.y0))
			}
		}
	}
}

// quickBlobs bounds the Data Matrix candidates the quick pass tries.
const quickBlobs = 6

var tryHarder = map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}

// thoroughAngles are the directions of the dense line scans, every 7.5°:
// at two or three pixels a module, a line more than about 4° off square to
// the bars misreads. 180° and beyond are the same lines read backwards,
// which scanLines does anyway.
var thoroughAngles = func() []float64 {
	angles := []float64{0, 90}
	for a := 7.5; a < 180; a += 7.5 {
		if a != 90 {
			angles = append(angles, a)
		}
	}
	return angles
}()

func thorough(ctx context.Context, f frame, c *collector) error {
	lum := f.lum
	scanBearings(f, thoroBearings, thoroBearingLines, tryHarder, c)
	for _, deg := range thoroughAngles {
		if err := ctx.Err(); err != nil {
			return err
		}
		var (
			view gozxing.LuminanceSource = lum
			to                           = identity
			n                            = 48 // lines at an odd angle
		)
		if deg != 0 {
			a := newAngled(lum, deg)
			view, to = a, a.toFrame
		}
		if deg == 0 || deg == 90 {
			n = 160 // labels are mostly square to the camera: look closer
		}
		rows := make([]int, 0, n)
		for i := range n {
			rows = append(rows, (2*i+1)*view.GetHeight()/(2*n))
		}
		// No second binarisation on these lines, most of which cross
		// no code: on the corpus (seed 12, 480 frames) the thorough
		// pass read 314 frames with none on its own lines, 318 with
		// one on its bearings' lines, and 319 with one on these too,
		// at 1.6 times the median time at 1280x720.
		scanLines(view, to, rows, tryHarder, false, &f.s.lines, c)
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	if results, err := multiqr.NewQRCodeMultiReader().DecodeMultiple(f.bm, tryHarder); err == nil {
		for _, res := range results {
			c.add(res, identity)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	whole, ok := f.region()
	if !ok {
		return nil
	}
	around(datamatrix.NewDataMatrixReader(), whole, 0, c)
	if err := ctx.Err(); err != nil {
		return err
	}
	dataMatrixBlobs(whole, -1, tryHarder, &f.s.blobs, c)
	return nil
}

// minRecurse and maxDepth are ZXing's GenericMultipleBarcodeReader limits.
const (
	minRecurse = 100
	maxDepth   = 4
)

// around decodes one code in r and then the parts of r left, right, above
// and below it, as ZXing's GenericMultipleBarcodeReader does.
func around(reader gozxing.Reader, r region, depth int, c *collector) {
	if depth > maxDepth {
		return
	}
	bm, err := r.bitmap()
	if err != nil {
		return
	}
	res, err := reader.Decode(bm, tryHarder)
	if err != nil {
		return
	}
	c.add(res, offset(r.x0, r.y0))
	pts := res.GetResultPoints()
	if len(pts) == 0 {
		return
	}
	w, h := bm.GetWidth(), bm.GetHeight()
	minX, minY, maxX, maxY := float64(w), float64(h), 0.0, 0.0
	for _, p := range pts {
		if p == nil {
			continue
		}
		minX, maxX = min(minX, p.GetX()), max(maxX, p.GetX())
		minY, maxY = min(minY, p.GetY()), max(maxY, p.GetY())
	}
	sub := func(x, y, cw, ch int) {
		if part, err := r.crop(x, y, cw, ch); err == nil {
			around(reader, part, depth+1, c)
		}
	}
	if minX > minRecurse {
		sub(0, 0, int(minX), h)
	}
	if minY > minRecurse {
		sub(0, 0, w, int(minY))
	}
	if maxX < float64(w-minRecurse) {
		sub(int(maxX), 0, w-int(maxX), h)
	}
	if maxY < float64(h-minRecurse) {
		sub(0, int(maxY), w, h-int(maxY))
	}
}

// upcFormats leaves out EAN-8 and UPC-E: no phone box uses them, and their
// short, weakly checked patterns turn up in lines crossing other codes.
var upcFormats = []gozxing.BarcodeFormat{gozxing.BarcodeFormat_EAN_13, gozxing.BarcodeFormat_UPC_A}

// rowDecoders are the 1D readers; they are cheap to make, and making them
// per call keeps Decoder free of shared state.
func rowDecoders() []oned.RowDecoder {
	return []oned.RowDecoder{
		oned.NewCode128Reader().(oned.RowDecoder),
		oned.NewMultiFormatUPCEANReader(upcHints(nil)).(oned.RowDecoder),
	}
}

// upcHints names the UPC/EAN formats, which also lets the reader report a
// UPC-A code as UPC-A rather than as an EAN-13 with a leading zero; the
// reader needs them on every row.
func upcHints(extra map[gozxing.DecodeHintType]any) map[gozxing.DecodeHintType]any {
	h := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_POSSIBLE_FORMATS: upcFormats}
	for k, v := range extra {
		h[k] = v
	}
	return h
}

// minEdges is the fewest transitions a line needs to be read: EAN-8 has 44,
// a one-character Code 128 about 26.
const minEdges = 24

// maxPerLine bounds the codes read off one line (a label rarely has more
// than three side by side).
const maxPerLine = 6

// scanLines reads 1D codes along the given rows of view, forwards and
// backwards. A reader gives up on a line at the first start pattern it
// cannot decode, and lines crossing a tilted label run through parts of
// other codes and text, so each line is read whole and then piece by
// piece, one stretch of ink between wide white gaps at a time. With
// again, a line that blackRow binarises and nothing reads is binarised a
// second way by midRow and read again (see there); both count as the
// same line. to maps view coordinates to the frame's.
func scanLines(view gozxing.LuminanceSource, to func(x, y float64) (float64, float64), rows []int, hints map[gozxing.DecodeHintType]any, again bool, s *lineScratch, c *collector) {
	r := lineReader{decoders: rowDecoders(), hints: upcHints(hints), to: to, s: s, c: c}
	var line *gozxing.BitArray
	for _, y := range rows {
		var ok bool
		if line, ok = blackRow(view, y, line, s); !ok || edges(line) < minEdges {
			continue // nothing on this line could be a code
		}
		id := c.newLine()
		if r.read(line, y, id) > 0 || !again {
			continue
		}
		if line, ok = midRow(view, y, line, s); ok && edges(line) >= minEdges {
			r.read(line, y, id)
		}
	}
}

// lineReader reads binarised lines of one view into c; to maps the view's
// coordinates to the frame's.
type lineReader struct {
	decoders []oned.RowDecoder
	hints    map[gozxing.DecodeHintType]any
	to       func(x, y float64) (float64, float64)
	s        *lineScratch
	work     *gozxing.BitArray // a piece of the line
	c        *collector
}

// read reads line, row y of the view and scan line id, forwards and
// backwards, whole and piece by piece, and returns how many reads it
// made. line is left reversed.
func (r *lineReader) read(line *gozxing.BitArray, y, id int) int {
	s, c, hints := r.s, r.c, r.hints
	w := line.GetSize()
	n := 0
	whitenWide(line, s)
	for reversed := range 2 {
		if reversed == 1 {
			line.Reverse()
		}
		s.segs = segments(line, s, s.segs[:0])
		segs := s.segs
		for _, dec := range r.decoders {
			done := s.done[:0] // x ranges already read on this line
			read := func(from, until int) {
				r.work = copyRange(r.work, line, from, until)
				for range maxPerLine {
					res, err := dec.DecodeRow(y, r.work, hints)
					if err != nil {
						return
					}
					n++
					lo, hi := math.Inf(1), 0.0
					for _, p := range res.GetResultPoints() {
						lo, hi = min(lo, p.GetX()), max(hi, p.GetX())
					}
					done = append(done, [2]int{int(lo), int(hi)})
					if reversed == 1 {
						flipX(res, w)
					}
					c.addOnLine(res, r.to, id)
					if clearTo(r.work, int(math.Ceil(hi))+1) {
						return
					}
				}
			}
			read(0, w)
			if len(segs) < 2 {
				continue
			}
			for _, sg := range segs {
				if !within(sg, done) {
					read(sg[0], sg[1])
				}
			}
			s.done = done
		}
	}
	return n
}

// segments splits a line into stretches of ink separated by white gaps
// wider than a quiet zone could be inside a code: five times the line's
// typical bar. Stretches with too few edges to be a code are dropped.
func segments(line *gozxing.BitArray, s *lineScratch, out [][2]int) [][2]int {
	size := line.GetSize()
	s.bars = runWidths(line, s.bars[:0])
	bars := s.bars
	if len(bars) < minEdges/2 {
		return out
	}
	gap := max(5*kth(bars, len(bars)*3/10), 6)
	start, last := -1, -1
	flush := func() {
		if start >= 0 && countEdges(line, start, last) >= minEdges {
			out = append(out, [2]int{max(0, start-gap/2), min(size, last+gap/2)})
		}
	}
	for x := line.GetNextSet(0); x < size; {
		end := line.GetNextUnset(x)
		if start < 0 || x-last > gap {
			flush()
			start = x
		}
		last = end
		x = line.GetNextSet(end)
	}
	flush()
	return out
}

// whitenWide turns white every stretch of black too wide to be a bar: a
// Code 128 or EAN bar is at most four modules, so a run of more than
// eight typical bars is a dark desk, a box's print or a label's border.
// Readers want a quiet zone of white beside a code (half a start pattern
// for gozxing's Code 128, five modules or more for EAN), and a label
// printed with a tight margin on a dark box has only a few modules of
// white before the dark: whitening the dark gives the code its quiet zone
// back. Measured on a 15-digit Code 128 with the 5-module margin of
// gozxing's writer, 3.5 px a module, on a dark desk: no line read it
// before, every line after.
func whitenWide(line *gozxing.BitArray, s *lineScratch) {
	size := line.GetSize()
	s.bars = runWidths(line, s.bars[:0])
	bars := s.bars
	if len(bars) < minEdges/2 {
		return
	}
	wide := max(8*kth(bars, len(bars)*3/10), 12)
	words := line.GetBitArray()
	for x := line.GetNextSet(0); x < size; {
		end := line.GetNextUnset(x)
		if end-x > wide {
			for i := x; i < end; i++ {
				words[i/32] &^= 1 << (i % 32)
			}
		}
		x = line.GetNextSet(end)
	}
}

// countEdges counts transitions between from and to.
func countEdges(line *gozxing.BitArray, from, to int) int {
	n := 0
	for x := line.GetNextSet(from); x < to; {
		end := line.GetNextUnset(x)
		n += 2
		x = line.GetNextSet(end)
	}
	return n
}

// within reports whether seg lies inside one of the ranges already read.
func within(seg [2]int, done [][2]int) bool {
	for _, d := range done {
		if seg[0] >= d[0]-2 && seg[1] <= d[1]+2 {
			return true
		}
	}
	return false
}

// copyRange copies bits [from, to) of src into dst, clearing the rest.
func copyRange(dst, src *gozxing.BitArray, from, to int) *gozxing.BitArray {
	dst = copyBits(dst, src)
	if from == 0 && to >= src.GetSize() {
		return dst
	}
	clearTo(dst, from)
	words := dst.GetBitArray()
	for i := to; i < dst.GetSize(); i++ {
		if i%32 == 0 {
			clear(words[i/32:])
			break
		}
		words[i/32] &^= 1 << (i % 32)
	}
	return dst
}

func flipX(res *gozxing.Result, w int) {
	pts := res.GetResultPoints()
	for i, p := range pts {
		pts[i] = gozxing.NewResultPoint(float64(w)-1-p.GetX(), p.GetY())
	}
}

func copyBits(dst, src *gozxing.BitArray) *gozxing.BitArray {
	if dst == nil || dst.GetSize() != src.GetSize() {
		dst = gozxing.NewBitArray(src.GetSize())
	}
	copy(dst.GetBitArray(), src.GetBitArray())
	return dst
}

// clearTo makes bits [0, end) white, and reports whether nothing is left.
func clearTo(b *gozxing.BitArray, end int) bool {
	if end >= b.GetSize() {
		return true
	}
	words := b.GetBitArray()
	for i := range end / 32 {
		words[i] = 0
	}
	if r := end % 32; r != 0 {
		words[end/32] &^= (1 << r) - 1
	}
	return false
}

func identity(x, y float64) (float64, float64) { return x, y }

func offset(dx, dy int) func(x, y float64) (float64, float64) {
	return func(x, y float64) (float64, float64) { return x + float64(dx), y + float64(dy) }
}

// utf8Text returns s as UTF-8. gozxing's Code 128 reader gives extended
// (FNC4) characters as single ISO-8859-1 bytes, which is what the standard
// says they are, but a Go string of them is not valid UTF-8.
func utf8Text(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	r := make([]rune, len(s))
	for i := range len(s) {
		r[i] = rune(s[i])
	}
	return string(r)
}

// collector merges the reads of one image: the same code met on many lines
// or by several passes is one Barcode.
//
// A 1D code counts only once two different lines have read it, as
// zxing-cpp requires: a single line through a 2D code or printed text can
// spell a valid EAN-13 (only a mod-10 check) or, rarely, a Code 128, but
// two lines spelling the same one by chance practically never happen.
type collector struct {
	found map[key]Barcode
	// once holds every 1D read with the lines that read it.
	once  map[key]*sighting
	lines int
}

type key struct{ text, format string }

// sighting is a 1D code as read so far: the last line that read it, how
// many different lines did, and the first read.
type sighting struct {
	line, lines int
	b           Barcode
}

func newCollector() *collector {
	return &collector{found: make(map[key]Barcode), once: make(map[key]*sighting)}
}

// newLine names the next scan line, for addOnLine.
func (c *collector) newLine() int {
	c.lines++
	return c.lines
}

// addOnLine counts a 1D read on scan line line: the code is found when a
// second line reads it too.
func (c *collector) addOnLine(res *gozxing.Result, to func(x, y float64) (float64, float64), line int) {
	k := key{utf8Text(res.GetText()), res.GetBarcodeFormat().String()}
	s, ok := c.once[k]
	if !ok {
		c.once[k] = &sighting{line: line, lines: 1, b: c.barcode(k, res, to)}
		return
	}
	if s.line != line {
		s.line = line
		s.lines++
	}
	if s.lines >= linesToAgree(k.format) {
		if _, ok := c.found[k]; !ok {
			c.found[k] = s.b // the first read's place stands
		}
	}
}

// outvoted reports whether b, an EAN-13 or UPC-A code, lies across
// another of them that more lines read: two readings of one symbol cannot
// both be right, and the one fewer lines agree on is a misread (in ZXing's
// ean13-1/35.png two neighbouring lines through the same smudge agree on
// a wrong digit pair, which a mod-10 check does not catch; 49 lines read
// it right). Code 128, checked mod 103, is left alone: labels stack
// several Code 128 codes close together.
func (c *collector) outvoted(b Barcode) bool {
	mine, ok := c.once[key{b.Text, b.Format}]
	if !ok || len(b.Points) < 2 || !upcEAN(b.Format) {
		return false
	}
	for k, other := range c.once {
		if k.text == b.Text && k.format == b.Format || other.lines <= mine.lines || !upcEAN(k.format) {
			continue
		}
		if _, ok := c.found[k]; ok && crosses(b.Points, other.b.Points) {
			return true
		}
	}
	return false
}

func upcEAN(format string) bool { return format == "EAN_13" || format == "UPC_A" }

// crosses reports whether two scan segments across 1D codes lie on the
// same symbol: their boxes, widened by a quarter of their length across
// and along, overlap.
func crosses(a, b []image.Point) bool {
	box := func(p []image.Point) image.Rectangle {
		r := image.Rect(p[0].X, p[0].Y, p[len(p)-1].X, p[len(p)-1].Y)
		l := max(r.Dx(), r.Dy()) / 4
		return r.Inset(-l)
	}
	return box(a).Overlaps(box(b))
}

// linesToAgree is how many different lines must read a 1D code: two, as
// zxing-cpp asks, and three for EAN-13 and UPC-A, whose mod-10 check lets
// two neighbouring lines through the same blur or text spell the same
// wrong code (the corpus had one: a UPC-A in a box label's text, 1.9 px a
// module, on two lines of the thorough pass).
func linesToAgree(format string) int {
	if upcEAN(format) {
		return 3
	}
	return 2
}

// add counts a 2D read, which its error correction vouches for.
func (c *collector) add(res *gozxing.Result, to func(x, y float64) (float64, float64)) {
	k := key{utf8Text(res.GetText()), res.GetBarcodeFormat().String()}
	if _, ok := c.found[k]; ok {
		return // met again by another pass: the first read stands
	}
	c.found[k] = c.barcode(k, res, to)
}

func (c *collector) barcode(k key, res *gozxing.Result, to func(x, y float64) (float64, float64)) Barcode {
	var pts []image.Point
	for _, p := range res.GetResultPoints() {
		if p == nil {
			continue
		}
		x, y := to(p.GetX(), p.GetY())
		pts = append(pts, image.Pt(int(math.Round(x)), int(math.Round(y))))
	}
	aim, _ := res.GetResultMetadata()[gozxing.ResultMetadataType_SYMBOLOGY_IDENTIFIER].(string)
	return Barcode{Text: k.text, Format: k.format, AIM: aim, Points: pts}
}

// covers reports whether r overlaps a code already found, so is not worth
// another look. A 1D code's points are the ends of a line across it, which
// crosses every piece of ink the code is made of.
func (c *collector) covers(r image.Rectangle) bool {
	for _, f := range c.found {
		if len(f.Points) == 0 {
			continue
		}
		// Not Rectangle.Union: it drops empty rectangles, and a point
		// is one, which shrank every box to its first point.
		box := image.Rectangle{Min: f.Points[0], Max: f.Points[0].Add(image.Pt(1, 1))}
		for _, p := range f.Points[1:] {
			box.Min.X, box.Min.Y = min(box.Min.X, p.X), min(box.Min.Y, p.Y)
			box.Max.X, box.Max.Y = max(box.Max.X, p.X+1), max(box.Max.Y, p.Y+1)
		}
		if box.Inset(-1).Overlaps(r) {
			return true
		}
	}
	return false
}

func (c *collector) barcodes() []Barcode {
	out := make([]Barcode, 0, len(c.found))
	for _, b := range c.found {
		if !c.outvoted(b) {
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b Barcode) int {
		ay, ax := topLeft(a)
		by, bx := topLeft(b)
		return cmp.Or(cmp.Compare(ay, by), cmp.Compare(ax, bx), cmp.Compare(a.Text, b.Text), cmp.Compare(a.Format, b.Format))
	})
	return out
}

func topLeft(b Barcode) (y, x int) {
	if len(b.Points) == 0 {
		return math.MaxInt, math.MaxInt
	}
	y, x = b.Points[0].Y, b.Points[0].X
	for _, p := range b.Points[1:] {
		y, x = min(y, p.Y), min(x, p.X)
	}
	return y, x
}
