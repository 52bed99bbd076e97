package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/device/barcode/barcodetest"
	"github.com/intakebench/intakebench/hub/web"
)

// shotsEnv names the folder the browser test writes the README's pictures
// to (make shots sets it); unset, it takes none.
const shotsEnv = "INTAKEBENCH_WEB_SHOTS"

// viewport is a screen the pages are tried on.
type viewport struct {
	name          string
	width, height int64
	mobile        bool
	imei          string
	reference     string
}

// TestBrowserBuyerSubmitsAndStaffQuote drives the pages in a real headless
// Chromium (Debian's chromium), on a phone and on a desktop: a buyer picks
// the phone, answers the questions and types the IMEI, which the page
// checks as typed; staff log in and send the quote.
func TestBrowserBuyerSubmitsAndStaffQuote(t *testing.T) {
	if testing.Short() {
		t.Skip("a browser test: not in -short runs")
	}
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (make deps installs it)")
	}
	e := newEnv(t, web.WithLimits(100, 100, 10))
	shots := os.Getenv(shotsEnv)
	if shots != "" {
		require.NoError(t, os.MkdirAll(shots, 0o755))
	}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.Flag("disable-gpu", true))...)
	defer cancel()
	ctx, cancel := context.WithTimeout(alloc, 90*time.Second)
	defer cancel()

	for _, vp := range []viewport{
		{name: "phone", width: 360, height: 740, mobile: true, imei: cleanIMEI, reference: "TI-2024-000001"},
		{name: "desktop", width: 1280, height: 900, imei: cleanIMEI2, reference: "TI-2024-000002"},
	} {
		t.Run(vp.name, func(t *testing.T) {
			tab, closeTab := chromedp.NewContext(ctx)
			defer closeTab()
			shot := func(name string) chromedp.Action[chromedp.Void] {
				return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					if shots == "" {
						return nil
					}
					png, err := chromedp.FullScreenshot(100)(ctx, tg)
					if err != nil {
						return err
					}
					return os.WriteFile(filepath.Join(shots, name+"-"+vp.name+".png"), png, 0o644)
				})
			}
			var opts []chromedp.EmulateViewportOption
			if vp.mobile {
				opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
			}
			start := time.Now()
			require.NoError(t, chromedp.Do(tab,
				chromedp.EmulateViewport(vp.width, vp.height, opts...),
				chromedp.Navigate(e.srv.URL+"/trade-in"),
				chromedp.WaitVisible("#model"),
			))
			fits, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
			require.NoError(t, err)
			assert.True(t, fits, "the buyer page is wider than the %s screen", vp.name)
			unlabelled, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("input,select,textarea"))
				.filter(el => el.type !== "hidden" && !(el.labels && el.labels.length) && !el.closest("label"))
				.map(el => el.name || el.id)`))
			require.NoError(t, err)
			assert.Empty(t, unlabelled, "fields without a label")

			require.NoError(t, chromedp.Do(tab,
				chromedp.SendKeys("#model", "Apple iPhone 13"),
				chromedp.SetValue("#storage", "128GB"),
				chromedp.SetValue("#carrier", "Unlocked"),
				chromedp.Click(`input[name="powers_on"][value="yes"]`),
				chromedp.Click(`input[name="account_removed"][value="yes"]`),
				chromedp.Click(`input[name="screen"][value="light"]`),
				chromedp.Click(`input[name="body"][value="none"]`),
				chromedp.Click(`input[name="battery_ok"][value="yes"]`),
				chromedp.Click(`input[name="accessories"][value="charger"]`),
				chromedp.SendKeys("#imei", vp.imei),
			))
			// The page checks the IMEI as it is typed.
			_, err = chromedp.Run(tab, chromedp.Poll[bool](`document.getElementById("imei-msg").textContent.includes("checks out")`,
				chromedp.WithPollingTimeout(10*time.Second)))
			require.NoError(t, err, "the IMEI check did not answer")
			require.NoError(t, chromedp.Do(tab,
				chromedp.SendKeys("#name", "Ada Buyer"),
				chromedp.SendKeys("#email", "ada@example.com"),
				shot("buyer"),
				chromedp.Click(`button[type="submit"].primary`),
				chromedp.WaitVisible(".steps"),
			))
			t.Logf("%s: the buyer's flow took %s of browser time", vp.name, time.Since(start).Round(time.Millisecond))
			got, err := chromedp.Run(tab, chromedp.Text("main"))
			require.NoError(t, err)
			assert.Contains(t, got, "Your trade-in "+vp.reference)
			assert.Contains(t, got, "we have your trade-in")
			require.NoError(t, chromedp.Do(tab, shot("status")))

			// Staff, in the same browser, log in and send the quote.
			require.NoError(t, chromedp.Do(tab,
				chromedp.Navigate(e.srv.URL+"/dashboard/login"),
				chromedp.SendKeys("#operator", supervisor),
				chromedp.SendKeys("#pin", superPIN),
				chromedp.Click(`button[type="submit"]`),
				chromedp.WaitVisible("table"),
				shot("dashboard"),
				chromedp.Click(`//a[text()="`+vp.reference+`"]`),
				chromedp.WaitVisible("#amount"),
				shot("submission"),
			))
			check, err := chromedp.Run(tab, chromedp.Text("#imei-result"))
			require.NoError(t, err)
			assert.Contains(t, check, vp.imei+" is clean")
			require.NoError(t, chromedp.Do(tab,
				chromedp.Click(`//button[text()="Send Quote"]`),
				chromedp.WaitVisible(".ok"),
			))
			done, err := chromedp.Run(tab, chromedp.Text(".ok"))
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(done, "Quote sent"), done)
		})
	}
}

// writeY4M writes a few seconds of a camera pointed at a phone box's IMEI
// barcode, as the Y4M clip Chromium plays as its fake camera.
func writeY4M(t *testing.T, path, imei string) {
	t.Helper()
	sym, err := barcodetest.Symbol(barcodetest.Code{Format: gozxing.BarcodeFormat_CODE_128, Text: imei}, 2, 120)
	require.NoError(t, err)
	const w, h = 640, 480
	y := bytes.Repeat([]byte{200}, w*h) // a grey desk
	b := sym.Bounds()
	x0, y0 := (w-b.Dx())/2, (h-b.Dy())/2
	for sy := range b.Dy() {
		copy(y[(y0+sy)*w+x0:], sym.Pix[sy*sym.Stride:sy*sym.Stride+b.Dx()])
	}
	chroma := bytes.Repeat([]byte{128}, w*h/2) // no colour: U and V planes
	var clip bytes.Buffer
	fmt.Fprintf(&clip, "YUV4MPEG2 W%d H%d F10:1 Ip A1:1 C420jpeg\n", w, h)
	for range 10 {
		clip.WriteString("FRAME\n")
		clip.Write(y)
		clip.Write(chroma)
	}
	require.NoError(t, os.WriteFile(path, clip.Bytes(), 0o644))
}

// TestBrowserReadsIMEIFromCamera: a phone whose browser has no
// BarcodeDetector (Chromium on Linux has none) reads the camera with the
// bench's decoder compiled to WebAssembly, in a worker; or, on a hub that
// leaves that out, sends camera frames to the hub, which reads them with
// the same decoder. The camera is Chromium's fake one, playing a clip of a
// label.
func TestBrowserReadsIMEIFromCamera(t *testing.T) {
	if testing.Short() {
		t.Skip("a browser test: not in -short runs")
	}
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (make deps installs it)")
	}
	clip := filepath.Join(t.TempDir(), "label.y4m")
	writeY4M(t, clip, cleanIMEI)
	for _, tc := range []struct {
		name string
		opts []web.Option
		wasm bool // the page reads frames itself, in WebAssembly
	}{
		// The hub could read frames too, but is sent none.
		{name: "in WebAssembly", wasm: true},
		{name: "at the hub", opts: []web.Option{web.WithoutWasmDecoder()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var decoded atomic.Int32
			countingDecoder := func(ctx context.Context, img image.Image) ([]string, error) {
				decoded.Add(1)
				return decodeBarcodes(ctx, img)
			}
			e := newEnv(t, append([]web.Option{web.WithLimits(100, 100, 10), web.WithDecoder(countingDecoder)}, tc.opts...)...)
			if tc.wasm {
				requireWasmDecoder(t, e.srv.URL)
			}
			alloc, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
				chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.Flag("disable-gpu", true),
				chromedp.Flag("use-fake-ui-for-media-stream", true), chromedp.Flag("use-fake-device-for-media-stream", true),
				chromedp.Flag("use-file-for-fake-video-capture", clip))...)
			defer cancel()
			ctx, cancel := context.WithTimeout(alloc, 60*time.Second)
			defer cancel()
			tab, closeTab := chromedp.NewContext(ctx)
			defer closeTab()
			require.NoError(t, chromedp.Do(tab,
				chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch),
				chromedp.Navigate(e.srv.URL+"/trade-in"),
				chromedp.WaitVisible("#camera"),
			))
			detector, err := chromedp.Run(tab, chromedp.Evaluate[bool](`"BarcodeDetector" in window`))
			require.NoError(t, err)
			require.False(t, detector, "this Chromium reads barcodes itself: the test would prove nothing of ours")
			wasmBefore, err := chromedp.Run(tab, chromedp.Evaluate[int](`performance.getEntriesByType("resource").filter(function (e) { return /decoder/.test(e.name); }).length`))
			require.NoError(t, err)
			assert.Zero(t, wasmBefore, "the decoder loads only when the camera is used")

			require.NoError(t, chromedp.Do(tab, chromedp.Click("#camera")))
			_, err = chromedp.Run(tab, chromedp.Poll[bool](`document.getElementById("imei").value === "`+cleanIMEI+`"`,
				chromedp.WithPollingTimeout(30*time.Second)))
			require.NoError(t, err, "the camera's IMEI never reached the field")
			_, err = chromedp.Run(tab, chromedp.Poll[bool](`document.getElementById("imei-msg").textContent.indexOf("checks out") > 0`,
				chromedp.WithPollingTimeout(10*time.Second)))
			require.NoError(t, err)
			msg, err := chromedp.Run(tab, chromedp.Text("#imei-msg"))
			require.NoError(t, err)
			assert.Equal(t, "IMEI 356938035643809 checks out: not reported lost, stolen or financed.", msg)
			streaming, err := chromedp.Run(tab, chromedp.Evaluate[bool](`!!document.getElementById("video").srcObject && !document.getElementById("video").hidden`))
			require.NoError(t, err)
			assert.False(t, streaming, "the camera stops once the IMEI is read")
			wasmLoaded, err := chromedp.Run(tab, chromedp.Evaluate[bool](`performance.getEntriesByType("resource").some(function (e) { return /decoder\.wasm$/.test(e.name); }) || false`))
			require.NoError(t, err)
			if tc.wasm {
				// A worker's fetches are in its own timeline, not the page's:
				// the worker script is what the page loaded.
				worker, err := chromedp.Run(tab, chromedp.Evaluate[bool](`performance.getEntriesByType("resource").some(function (e) { return /decoder-worker\.js$/.test(e.name); })`))
				require.NoError(t, err)
				assert.True(t, worker, "the page read the camera in its worker")
			} else {
				assert.False(t, wasmLoaded)
			}
			if tc.wasm {
				assert.Zero(t, decoded.Load(), "no frame was sent to the hub")
			} else {
				assert.GreaterOrEqual(t, int(decoded.Load()), 1, "the hub read the frames")
			}
		})
	}
}

// requireWasmDecoder fails the test when the hub has no WebAssembly
// decoder: the Makefile builds it before the tests.
func requireWasmDecoder(t testing.TB, base string) {
	t.Helper()
	resp, err := http.Get(base + "/web/static/decoder.wasm")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode,
		"the WebAssembly decoder is not built: make hub/web/static/decoder.wasm.gz hub/web/static/wasm_exec.js (make test does)")
}
