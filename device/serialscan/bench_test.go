package serialscan_test

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/intakebench/intakebench/device"
	"github.com/intakebench/intakebench/device/serialscan"
	"github.com/intakebench/intakebench/device/serialscan/serialtest"
)

// BenchmarkLineToScan measures from writing a code into the far end of a
// pseudo-terminal pair to its Scan arriving on the stream: the pty and
// socat hops, the port read, framing and validation.
func BenchmarkLineToScan(b *testing.B) {
	pair := serialtest.New(b, b.TempDir(), "bench")
	sc, err := serialscan.New(serialscan.Config{Port: pair.A, DedupWindow: -1})
	if err != nil {
		b.Fatal(err)
	}
	ev := run(b, sc)
	ev.status(device.Connected)
	var ds []time.Duration
	i := 0
	for b.Loop() {
		i++
		code := "35693803564" + strconv.Itoa(1000+i%9000) + "\r"
		start := time.Now()
		pair.Write(code)
		if s := ev.scan(); s.Raw != code[:len(code)-1] {
			b.Fatalf("got %q for %q", s.Raw, code)
		}
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(ds[len(ds)/2]), "ms-median")
	b.ReportMetric(ms(ds[min(len(ds)-1, len(ds)*95/100)]), "ms-p95")
}
