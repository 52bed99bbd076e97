package serialscan_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.bug.st/serial"
	"go.bug.st/serial/enumerator"

	"github.com/intakebench/intakebench/device"
	"github.com/intakebench/intakebench/device/serialscan"
	"github.com/intakebench/intakebench/device/serialscan/serialtest"
)

// fastRetry makes replugs noticed quickly in tests.
func fastRetry(c serialscan.Config) serialscan.Config {
	c.RetryMin, c.RetryMax = 10*time.Millisecond, 100*time.Millisecond
	return c
}

func newScanner(t testing.TB, c serialscan.Config) *serialscan.Scanner {
	t.Helper()
	s, err := serialscan.New(fastRetry(c))
	require.NoError(t, err)
	return s
}

func TestScannerTerminators(t *testing.T) {
	t.Parallel()
	tests := []struct {
		term serialscan.Terminator
		eol  string
	}{
		{serialscan.CR, "\r"},
		{serialscan.LF, "\n"},
		{serialscan.CRLF, "\r\n"},
		{serialscan.Tab, "\t"},
	}
	for _, tt := range tests {
		t.Run(tt.term.String(), func(t *testing.T) {
			t.Parallel()
			pair := serialtest.New(t, t.TempDir(), "scanner")
			sc := newScanner(t, serialscan.Config{Port: pair.A, Terminator: tt.term, Mode: serial.Mode{BaudRate: 115200}})
			ev := run(t, sc)
			st := ev.status(device.Connected)
			assert.Equal(t, pair.A, st.Detail)

			// One write holding two codes, and one code split over writes:
			// framing must not depend on how reads return.
			pair.Write("]C0356938035643809" + tt.eol + "]E04006381333931" + tt.eol + "SN-")
			pair.Write("F2LXK0AB" + tt.eol)

			s := ev.scan()
			assert.Equal(t, device.Scan{Source: "serial:" + pair.A, Raw: "356938035643809", Symbology: "]C0", At: s.At}, s)
			s = ev.scan()
			assert.Equal(t, "4006381333931", s.Raw)
			assert.Equal(t, "]E0", s.Symbology)
			s = ev.scan()
			assert.Equal(t, "SN-F2LXK0AB", s.Raw)
			assert.Empty(t, s.Symbology)
		})
	}
}

func TestScannerRejectsAndResyncs(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("7", 600)
	tests := []struct {
		name   string
		cfg    serialscan.Config
		send   string
		reason string // substring of the Rejected reason
		raw    string // the Rejected's bytes
	}{
		{name: "NUL byte", send: "3569\x00380\r", reason: "NUL byte at offset 4", raw: "3569\x00380"},
		{name: "control noise", send: "\x07\x15\x02\r", reason: "control byte 0x07", raw: "\x07\x15\x02"},
		{name: "invalid UTF-8", send: "\xfe\xff\xc3\r", reason: "not valid UTF-8", raw: "\xfe\xff\xc3"},
		{name: "over-long line", send: long + "\r", reason: "no CR within 512 bytes", raw: long[:512]},
		{name: "LF where CR expected", send: "356938035643809\n", reason: "line ended with LF, expected CR", raw: "356938035643809"},
		{name: "CR where CRLF expected", cfg: serialscan.Config{Terminator: serialscan.CRLF}, send: "ABC\r\r\n", reason: "CR not followed by LF", raw: "ABC"},
		{name: "stray LF", send: "\n", reason: "stray LF", raw: ""},
		{name: "noise without terminator", send: "%$#!garbage", reason: "incomplete line", raw: "%$#!garbage"},
		{name: "missing prefix", cfg: serialscan.Config{Prefix: "<", Suffix: ">"}, send: "123>\r", reason: `missing prefix "<"`, raw: "123>"},
		{name: "only an AIM id", send: "]C0\r", reason: "empty code", raw: "]C0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pair := serialtest.New(t, t.TempDir(), "scanner")
			cfg := tt.cfg
			cfg.Port = pair.A
			cfg.LineTimeout = 100 * time.Millisecond
			ev := run(t, newScanner(t, cfg))
			ev.status(device.Connected)

			pair.Write(tt.send)
			r := ev.rejected()
			assert.Contains(t, r.Reason, tt.reason)
			assert.Equal(t, tt.raw, string(r.Raw))
			assert.Equal(t, "serial:"+pair.A, r.Source)

			// The reader is neither stuck nor out of step: the next good
			// code comes through whole.
			good := cfg.Prefix + "356938035643809" + cfg.Suffix
			eol := "\r"
			if cfg.Terminator == serialscan.CRLF {
				eol = "\r\n"
			}
			pair.Write(good + eol)
			assert.Equal(t, "356938035643809", ev.scan().Raw)
		})
	}
}

func TestScannerPrefixSuffixStripped(t *testing.T) {
	t.Parallel()
	pair := serialtest.New(t, t.TempDir(), "scanner")
	ev := run(t, newScanner(t, serialscan.Config{Port: pair.A, Prefix: "\x02", Suffix: "#", Terminator: serialscan.LF}))
	ev.status(device.Connected)
	pair.Write("\x02]Q1{\"imei\":\"356938035643809\"}#\n")
	s := ev.scan()
	assert.Equal(t, `{"imei":"356938035643809"}`, s.Raw)
	assert.Equal(t, "]Q1", s.Symbology)
}

func TestScannerSuppressesDoubleRead(t *testing.T) {
	t.Parallel()
	const window = 300 * time.Millisecond
	pair := serialtest.New(t, t.TempDir(), "scanner")
	ev := run(t, newScanner(t, serialscan.Config{Port: pair.A, DedupWindow: window}))
	ev.status(device.Connected)

	pair.Write("356938035643809\r356938035643809\r")
	first := ev.scan()
	assert.Equal(t, "356938035643809", first.Raw)
	// Events are in order: if the double read had got through it would
	// come before this one.
	pair.Write("4006381333931\r")
	assert.Equal(t, "4006381333931", ev.scan().Raw)
	pair.Write("356938035643809\r")
	assert.Equal(t, "356938035643809", ev.scan().Raw, "a different code in between ends the double read")

	// The same code again once the window has passed is a deliberate rescan.
	pair.Write("356938035643809\r")
	time.Sleep(2 * window) // well past the window, even if a read runs late
	pair.Write("356938035643809\r")
	pair.Write("END\r")
	again := ev.scan()
	assert.Equal(t, "356938035643809", again.Raw)
	assert.Equal(t, "END", ev.scan().Raw)
}

func TestScannerReplugSamePath(t *testing.T) {
	t.Parallel()
	pair := serialtest.New(t, t.TempDir(), "scanner")
	ev := run(t, newScanner(t, serialscan.Config{Port: pair.A}))
	ev.status(device.Connected)
	pair.Write("BEFORE\r")
	assert.Equal(t, "BEFORE", ev.scan().Raw)

	pair.Unplug()
	down := ev.status(device.Disconnected)
	require.Error(t, down.Err, "a disconnect says why")
	assert.Equal(t, pair.A, down.Detail)

	pair.Plug()
	ev.status(device.Connected)
	pair.Write("AFTER\r")
	assert.Equal(t, "AFTER", ev.scan().Raw)
}

func TestScannerNotPresentAtStart(t *testing.T) {
	t.Parallel()
	pair := serialtest.New(t, t.TempDir(), "scanner")
	pair.Unplug()
	ev := run(t, newScanner(t, serialscan.Config{Port: pair.A}))
	assert.Error(t, ev.status(device.Disconnected).Err)
	pair.Plug()
	ev.status(device.Connected)
	pair.Write("LATE\r")
	assert.Equal(t, "LATE", ev.scan().Raw)
}

// fakePorts is the enumerator's answer, set by the test: the port names are
// real ptys, the USB ids are what a scanner would report.
type fakePorts struct {
	mu    sync.Mutex
	ports []*enumerator.PortDetails
}

func (f *fakePorts) set(ports ...*enumerator.PortDetails) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ports = ports
}

func (f *fakePorts) Ports() ([]*enumerator.PortDetails, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ports, nil
}

// usbScanner describes the scanner model the USB tests plug in, on port name.
func usbScanner(name, serial string) *enumerator.PortDetails {
	return &enumerator.PortDetails{Name: name, IsUSB: true, VID: "0C2E", PID: "0B61", SerialNumber: serial}
}

// replugElsewhere unplugs the USB scanner on old and plugs it back on a new
// port (others stay listed): its events must say it went, came back on the
// new port under the same source, and read from there.
func replugElsewhere(t *testing.T, ev events, lister *fakePorts, old *serialtest.Pair, serial string, others ...*enumerator.PortDetails) {
	t.Helper()
	source := "serial:usb:0c2e:0b61:" + serial
	lister.set(others...)
	old.Unplug()
	assert.Equal(t, source, ev.status(device.Disconnected).Source)

	moved := serialtest.New(t, t.TempDir(), "ttyACM9")
	lister.set(append(others, usbScanner(moved.A, serial))...)
	st := ev.status(device.Connected)
	assert.Equal(t, moved.A, st.Detail)
	moved.Write("AFTER-REPLUG\r")
	s := ev.scan()
	assert.Equal(t, "AFTER-REPLUG", s.Raw)
	assert.Equal(t, source, s.Source, "the source name survives the new port")
}

func TestScannerUSBReplugUnderNewName(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := serialtest.New(t, dir, "ttyACM0")
	decoy := serialtest.New(t, dir, "ttyACM1")
	lister := &fakePorts{}
	// Another scanner of the same model is on the bench: the serial number
	// tells them apart.
	lister.set(usbScanner(decoy.A, "OTHER"), usbScanner(first.A, "SN123"))
	ev := run(t, newScanner(t, serialscan.Config{
		USB:    &serialscan.USBMatch{VID: "0c2e", PID: "0b61", Serial: "SN123"},
		Lister: lister,
	}))
	st := ev.status(device.Connected)
	assert.Equal(t, first.A, st.Detail)
	assert.Equal(t, "serial:usb:0c2e:0b61:SN123", st.Source)
	first.Write("ONE\r")
	decoy.Write("NOT-MINE\r")
	assert.Equal(t, "ONE", ev.scan().Raw)

	replugElsewhere(t, ev, lister, first, "SN123", usbScanner(decoy.A, "OTHER"))
}

func TestTwoScannersOneStream(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	left, right := serialtest.New(t, dir, "left"), serialtest.New(t, dir, "right")
	ev := run(t,
		newScanner(t, serialscan.Config{Port: left.A, Name: "serial:left"}),
		newScanner(t, serialscan.Config{Port: right.A, Name: "serial:right", Terminator: serialscan.CRLF}),
	)
	seen := map[string]bool{}
	for range 2 {
		seen[ev.status(device.Connected).Source] = true
	}
	assert.Equal(t, map[string]bool{"serial:left": true, "serial:right": true}, seen)

	const n = 20
	for i := range n {
		left.Write("L" + strings.Repeat("x", i) + "\r")
		right.Write("R" + strings.Repeat("y", i) + "\r\n")
	}
	got := map[string][]string{}
	for range 2 * n {
		s := ev.scan()
		got[s.Source] = append(got[s.Source], s.Raw)
	}
	require.Len(t, got["serial:left"], n)
	require.Len(t, got["serial:right"], n)
	for i := range n {
		assert.Equal(t, "L"+strings.Repeat("x", i), got["serial:left"][i], "each scanner's scans stay in order")
		assert.Equal(t, "R"+strings.Repeat("y", i), got["serial:right"][i])
	}

	// Unplugging one leaves the other reading.
	left.Unplug()
	assert.Equal(t, "serial:left", ev.status(device.Disconnected).Source)
	right.Write("STILL\r\n")
	assert.Equal(t, "STILL", ev.scan().Raw)
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]serialscan.Config{
		"neither port nor USB": {},
		"both port and USB":    {Port: "/dev/ttyACM0", USB: &serialscan.USBMatch{VID: "1", PID: "2"}},
		"USB without PID":      {USB: &serialscan.USBMatch{VID: "0c2e"}},
		"bad terminator":       {Port: "/dev/ttyACM0", Terminator: 9},
	} {
		_, err := serialscan.New(cfg)
		assert.Error(t, err, name)
	}
}
