package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/draw"
	"image/png"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"

	"github.com/intakebench/intakebench/device/barcode/barcodetest"
)

// BenchmarkWasmDecodeInChromium is the buyer page's camera decoder (the
// bench's quick pass in WebAssembly, in the page's worker) in a real
// headless Chromium: milliseconds per 960×540 frame, as the page sends
// them, median and p95 over 30 frames of an IMEI barcode, each read back.
// The load of the module itself (fetch and compile) is reported apart.
func BenchmarkWasmDecodeInChromium(b *testing.B) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		b.Skip("chromium is not installed (make deps installs it)")
	}
	e := newEnv(b)
	requireWasmDecoder(b, e.srv.URL)
	frame := labelFrame(b, 960, 540, cleanIMEI)
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.Flag("disable-gpu", true))...)
	defer cancel()
	ctx, cancel := context.WithTimeout(alloc, 5*time.Minute)
	defer cancel()
	tab, closeTab := chromedp.NewContext(ctx)
	defer closeTab()
	if err := chromedp.Do(tab, chromedp.Navigate(e.srv.URL+"/trade-in"),
		chromedp.SetAttributeValue("body", "data-frame", "data:image/png;base64,"+frame)); err != nil {
		b.Fatal(err)
	}
	// The page's own worker script, fed the frame's pixels as the page
	// feeds it a camera frame's.
	const script = `new Promise(function (done, fail) {
  var img = new Image();
  img.onerror = function () { fail("the frame did not load"); };
  img.onload = function () {
    var c = document.createElement("canvas");
    c.width = img.width; c.height = img.height;
    var g = c.getContext("2d", { willReadFrequently: true });
    g.drawImage(img, 0, 0);
    var w = new Worker("/web/static/decoder-worker.js");
    var times = [], texts = [], t0 = performance.now(), load = 0;
    function send() {
      var px = g.getImageData(0, 0, c.width, c.height).data;
      t0 = performance.now();
      w.postMessage({ pixels: px, width: c.width, height: c.height }, [px.buffer]);
    }
    w.onmessage = function (e) {
      if (e.data.error) return fail(e.data.error);
      var ms = performance.now() - t0;
      if (load === 0) load = ms; else { times.push(ms); texts.push(e.data.texts.join(",")); }
      if (times.length === 30) return done({ load: load, times: times, texts: texts });
      send();
    };
    send();
  };
  img.src = document.body.getAttribute("data-frame");
})`
	type result struct {
		Load  float64   `json:"load"`
		Times []float64 `json:"times"`
		Texts []string  `json:"texts"`
	}
	var r result
	for b.Loop() {
		r, err = chromedp.Run(tab, chromedp.Evaluate[result](script, chromedp.EvalAwaitPromise))
		if err != nil {
			b.Fatal(err)
		}
	}
	for i, text := range r.Texts {
		if text != cleanIMEI {
			b.Fatalf("frame %d read %q, want %s", i, text, cleanIMEI)
		}
	}
	slices.Sort(r.Times)
	b.ReportMetric(r.Load, "ms-first-frame(load+decode)")
	b.ReportMetric(r.Times[len(r.Times)/2], "ms/frame-median")
	b.ReportMetric(r.Times[len(r.Times)*95/100], "ms/frame-p95")
}

// labelFrame is a w×h grey frame with an IMEI's Code 128 in the middle, as
// a PNG in base64.
func labelFrame(tb testing.TB, w, h int, imei string) string {
	tb.Helper()
	sym, err := barcodetest.Symbol(barcodetest.Code{Format: gozxing.BarcodeFormat_CODE_128, Text: imei}, 2, 120)
	if err != nil {
		tb.Fatal(err)
	}
	frame := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(frame, frame.Bounds(), image.NewUniform(image.White), image.Point{}, draw.Src)
	at := image.Pt((w-sym.Bounds().Dx())/2, (h-sym.Bounds().Dy())/2)
	draw.Draw(frame, sym.Bounds().Add(at), sym, sym.Bounds().Min, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, frame); err != nil {
		tb.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}
