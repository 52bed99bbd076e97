package barcode_test

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"image"
	"io"
	"math"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intakebench/intakebench/device/barcode"
	"github.com/intakebench/intakebench/device/barcode/barcodetest"
)

// corpusSize is how many synthetic frames BenchmarkCorpus decodes; fewer
// make a quicker look while working on the decoder.
var corpusSize = flag.Int("corpus", 480, "frames in BenchmarkCorpus's synthetic corpus")

// corpusSeed fixes the corpus: the same frames on every machine and run.
const corpusSeed = 12

// A reader is one decoder under comparison, fed the same luma plane.
type reader struct {
	name   string
	decode func(img *image.Gray) (time.Duration, []textFormat, error)
}

func ours(effort barcode.Effort) func(img *image.Gray) (time.Duration, []textFormat, error) {
	return func(img *image.Gray) (time.Duration, []textFormat, error) {
		start := time.Now()
		codes, err := barcode.Decoder{}.Decode(context.Background(), img, effort)
		return time.Since(start), got(codes), err
	}
}

// refProcess is ZBar or zxing-cpp in a helper process built from
// testdata/refdecode in the benchmark's temporary directory: it is fed
// PGM frames and times its library's decode itself, so process start-up
// and the pipe are not counted against it.
type refProcess struct {
	bin string
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

// errCrashed is a helper process dying on a frame: zxing-cpp 1.4.0 as
// Debian builds it aborts on an assertion in Result::operator== on some
// frames. The frame counts as not read and the helper is started again.
var errCrashed = errors.New("the reader crashed")

// startRef compiles src with compiler and the given libraries and starts
// it. The error says what is missing (the -dev packages) when it fails.
func startRef(tb testing.TB, src, compiler string, args ...string) (*refProcess, error) {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), strings.TrimSuffix(filepath.Base(src), filepath.Ext(src)))
	build := exec.Command(compiler, append([]string{"-O2", "-o", bin, filepath.Join("testdata", "refdecode", src)}, args...)...)
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building %s: %w\n%s", src, err, out)
	}
	p := &refProcess{bin: bin}
	if err := p.start(); err != nil {
		return nil, err
	}
	tb.Cleanup(p.stop)
	return p, nil
}

func (p *refProcess) start() error {
	p.cmd = exec.Command(p.bin)
	in, err := p.cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", p.bin, err)
	}
	p.in, p.out = in, bufio.NewReader(stdout)
	return nil
}

func (p *refProcess) stop() {
	_ = p.in.Close()
	_ = p.cmd.Wait()
}

func (p *refProcess) decode(img *image.Gray) (time.Duration, []textFormat, error) {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	buf := fmt.Appendf(nil, "P5\n%d %d\n255\n", w, h)
	for y := range h {
		buf = append(buf, img.Pix[y*img.Stride:y*img.Stride+w]...)
	}
	if _, err := p.in.Write(buf); err != nil { // a crash is seen on the answer
		return 0, nil, fmt.Errorf("writing a frame: %w", err)
	}
	line, err := p.out.ReadString('\n')
	if errors.Is(err, io.EOF) {
		p.stop()
		if err := p.start(); err != nil {
			return 0, nil, err
		}
		return 0, nil, errCrashed
	}
	if err != nil {
		return 0, nil, fmt.Errorf("reading the answer: %w", err)
	}
	var ns int64
	var n int
	if _, err := fmt.Sscan(line, &ns, &n); err != nil {
		return 0, nil, fmt.Errorf("answer %q: %w", line, err)
	}
	var codes []textFormat
	for range n {
		line, err := p.out.ReadString('\n')
		if err != nil {
			return 0, nil, fmt.Errorf("reading a code: %w", err)
		}
		format, hexText, ok := strings.Cut(strings.TrimRight(line, "\n"), "\t")
		if !ok {
			return 0, nil, fmt.Errorf("code line %q", line)
		}
		text, err := hex.DecodeString(hexText)
		if err != nil {
			return 0, nil, fmt.Errorf("code line %q: %w", line, err)
		}
		codes = append(codes, textFormat{string(text), refFormat(format)})
	}
	return time.Duration(ns), codes, nil
}

// refFormat names ZBar's and zxing-cpp's formats as gozxing does.
func refFormat(f string) string {
	switch strings.ToUpper(strings.NewReplacer("-", "", "_", "").Replace(f)) {
	case "EAN13":
		return "EAN_13"
	case "UPCA":
		return "UPC_A"
	case "CODE128":
		return "CODE_128"
	case "QRCODE":
		return "QR_CODE"
	case "DATAMATRIX":
		return "DATA_MATRIX"
	}
	return f
}

// canonical spells a UPC-A code as the EAN-13 code it is, the way ZBar
// reports it.
func canonical(c textFormat) textFormat {
	if c.Format == "UPC_A" {
		return textFormat{"0" + c.Text, "EAN_13"}
	}
	return c
}

// outcome is what one reader made of one frame.
type outcome struct {
	read, wrong, crashed bool
	took                 time.Duration
}

// judge: a frame is read when every code it holds was found, and has a
// wrong read when anything else was. want nil (a photo whose codes are
// known only by text) matches on text alone.
func judge(want []textFormat, wantText string, codes []textFormat, took time.Duration) outcome {
	o := outcome{read: true, took: took}
	seen := map[textFormat]bool{}
	for _, c := range codes {
		seen[canonical(c)] = true
	}
	if want == nil {
		o.read = slices.ContainsFunc(codes, func(c textFormat) bool {
			return c.Text == wantText || canonical(c).Text == wantText
		})
		for _, c := range codes {
			if c.Text != wantText && canonical(c).Text != wantText {
				o.wrong = true
			}
		}
		return o
	}
	wanted := map[textFormat]bool{}
	for _, w := range want {
		wanted[canonical(w)] = true
		if !seen[canonical(w)] {
			o.read = false
		}
	}
	for c := range seen {
		if !wanted[c] {
			o.wrong = true
		}
	}
	return o
}

// tally sums the outcomes of one reader in one bucket.
type tally struct {
	n, read, wrong, crashed int
	took                    []time.Duration
}

func (t *tally) add(o outcome) {
	t.n++
	if o.crashed {
		t.crashed++
		return
	}
	if o.read {
		t.read++
	}
	if o.wrong {
		t.wrong++
	}
	t.took = append(t.took, o.took)
}

func (t *tally) pct() float64 { return 100 * float64(t.read) / float64(max(t.n, 1)) }

func (t *tally) ms(q float64) float64 {
	if len(t.took) == 0 {
		return math.NaN()
	}
	d := slices.Clone(t.took)
	slices.Sort(d)
	return float64(d[min(len(d)-1, int(q*float64(len(d))))]) / float64(time.Millisecond)
}

// buckets names the groups a scene is counted in.
func buckets(s barcodetest.Scene) []string {
	out := []string{"all", "kind=" + s.Kind.String(), "rot=" + s.RotationBucket, fmt.Sprintf("size=%dx%d", s.W, s.H)}
	if s.Kind.OneD() {
		off := math.Mod(s.Rotation, 180)
		if math.Abs(off-90) <= 5 {
			out = append(out, "1D within 5° of vertical")
		}
	}
	if s.Module < 2 {
		out = append(out, "module<2px")
	}
	return out
}

// comparison gathers every reader's outcomes per bucket, in bucket order.
type comparison struct {
	readers []reader
	order   []string
	tallies map[string][]tally
}

func newComparison(readers []reader) *comparison {
	return &comparison{readers: readers, tallies: map[string][]tally{}}
}

func (c *comparison) add(bucket string, i int, o outcome) {
	t, ok := c.tallies[bucket]
	if !ok {
		t = make([]tally, len(c.readers))
		c.tallies[bucket] = t
		c.order = append(c.order, bucket)
	}
	t[i].add(o)
}

// table prints the comparison: per bucket and reader, read %, frames with
// a wrong read, median and 95th percentile milliseconds.
func (c *comparison) table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-28s %5s", "bucket", "n")
	for _, r := range c.readers {
		fmt.Fprintf(&b, " | %-26s", r.name+": read% wrong ms p95")
	}
	b.WriteString("\n")
	for _, bucket := range c.order {
		ts := c.tallies[bucket]
		fmt.Fprintf(&b, "%-28s %5d", bucket, ts[0].n)
		for i := range ts {
			fmt.Fprintf(&b, " | %5.1f%% %4d %6.1f %6.1f  ", ts[i].pct(), ts[i].wrong, ts[i].ms(0.5), ts[i].ms(0.95))
		}
		b.WriteString("\n")
	}
	for i, r := range c.readers {
		for _, bucket := range []string{"all", "blackbox photos"} {
			if ts, ok := c.tallies[bucket]; ok && ts[i].crashed > 0 {
				fmt.Fprintf(&b, "%s crashed on %d of %s (counted as not read)\n", r.name, ts[i].crashed, bucket)
			}
		}
	}
	return b.String()
}

// report gives each bucket a sub-benchmark whose metrics are the figures.
func (c *comparison) report(b *testing.B) {
	for _, bucket := range c.order {
		b.Run(strings.NewReplacer(" ", "_", "=", "-").Replace(bucket), func(b *testing.B) {
			for b.Loop() {
			}
			for i, r := range c.readers {
				t := c.tallies[bucket][i]
				b.ReportMetric(t.pct(), r.name+"-read%")
				b.ReportMetric(float64(t.wrong), r.name+"-wrong")
				b.ReportMetric(t.ms(0.5), r.name+"-ms")
				b.ReportMetric(t.ms(0.95), r.name+"-p95ms")
			}
		})
	}
}

// comparedReaders are Quick (one Reader kept across frames, as the
// camera keeps it), Thorough, ZBar and zxing-cpp; a library that
// is not installed (libzbar-dev, libzxing-dev) is left out with a note.
func comparedReaders(b *testing.B) []reader {
	readers := []reader{{"quick", kept()}, {"thorough", ours(barcode.Thorough)}}
	if p, err := startRef(b, "zbar.c", "cc", "-lzbar"); err == nil {
		readers = append(readers, reader{"zbar", p.decode})
	} else {
		b.Logf("ZBar left out (apt-get install libzbar-dev): %v", err)
	}
	if p, err := startRef(b, "zxingcpp.cc", "c++", "-std=c++17", "-lZXing"); err == nil {
		readers = append(readers, reader{"zxingcpp", p.decode})
	} else {
		b.Logf("zxing-cpp left out (apt-get install libzxing-dev): %v", err)
	}
	return readers
}

// renderAll draws the scenes on both cores before anything is timed.
func renderAll(b *testing.B, scenes []barcodetest.Scene) []*image.Gray {
	imgs := make([]*image.Gray, len(scenes))
	errs := make([]error, len(scenes))
	var wg sync.WaitGroup
	next := make(chan int)
	for range 2 {
		wg.Go(func() {
			for i := range next {
				imgs[i], errs[i] = scenes[i].Render()
			}
		})
	}
	for i := range scenes {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		b.Fatal(err)
	}
	return imgs
}

// BenchmarkCorpus decodes the synthetic webcam corpus and ZXing's
// blackbox photos with Quick, Thorough, ZBar and zxing-cpp, each frame by
// all four in turn (so a busy moment of the machine costs them alike), and
// reports per bucket: read %, frames with a wrong read, median and p95 ms.
func BenchmarkCorpus(b *testing.B) {
	scenes := barcodetest.Corpus(corpusSeed, *corpusSize)
	runCorpus(b, scenes, renderAll(b, scenes), comparedReaders(b))
}

// runCorpus decodes the rendered scenes and the blackbox photos with each
// reader in turn and prints and reports the comparison.
func runCorpus(b *testing.B, scenes []barcodetest.Scene, imgs []*image.Gray, readers []reader) {
	type photo struct {
		img  *image.Gray
		want string
	}
	var photos []photo
	for _, folder := range []string{"code128-1", "code128-2", "code128-3", "datamatrix-1", "ean13-1", "qrcode-1", "qrcode-2"} {
		for _, s := range samples(b, folder) {
			photos = append(photos, photo{grayOf(loadImage(b, s.path)), s.want})
		}
	}
	var cmp *comparison
	b.ResetTimer()
	for b.Loop() {
		cmp = newComparison(readers)
		for i, s := range scenes {
			want := want(s.Codes)
			for r, rd := range readers {
				took, codes, err := rd.decode(imgs[i])
				o := judge(want, "", codes, took)
				if errors.Is(err, errCrashed) {
					o = outcome{crashed: true}
				} else if err != nil {
					b.Fatalf("%s on %s: %v", rd.name, s.Name(), err)
				}
				for _, bucket := range buckets(s) {
					cmp.add(bucket, r, o)
				}
			}
		}
		for _, p := range photos {
			for r, rd := range readers {
				took, codes, err := rd.decode(p.img)
				o := judge(nil, p.want, codes, took)
				if errors.Is(err, errCrashed) {
					o = outcome{crashed: true}
				} else if err != nil {
					b.Fatalf("%s on a photo: %v", rd.name, err)
				}
				cmp.add("blackbox photos", r, o)
			}
		}
	}
	b.StopTimer()
	// Printed, not logged: a benchmark with sub-benchmarks shows no log.
	fmt.Printf("BenchmarkCorpus: seed %d, %d frames, %d photos\n%s", corpusSeed, len(scenes), len(photos), cmp.table())
	cmp.report(b)
}

// grayOf is the luma plane every reader is given: the decoder's own
// conversion, so no reader sees a different picture.
func grayOf(img image.Image) *image.Gray {
	if g, ok := img.(*image.Gray); ok {
		return g
	}
	b := img.Bounds()
	out := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		for x := range b.Dx() {
			r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			out.Pix[y*out.Stride+x] = uint8(((r+2*g+bl)/4 + 0xffff - a) >> 8)
		}
	}
	return out
}
