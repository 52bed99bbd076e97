package printer_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/printer"
	"github.com/intakebench/intakebench/printer/printertest"
)

const zpl = "^XA^FO10,10^A0N,20,20^FDhello^FS^XZ\n"

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in      string
		want    printer.Target
		str     string
		wantErr string
	}{
		{in: "tcp://10.0.0.7:9100", want: printer.Target{Kind: printer.Network, Addr: "10.0.0.7:9100"}, str: "tcp://10.0.0.7:9100"},
		{in: "tcp://zebra-3", want: printer.Target{Kind: printer.Network, Addr: "zebra-3:9100"}, str: "tcp://zebra-3:9100"},
		{in: " 10.0.0.7 ", want: printer.Target{Kind: printer.Network, Addr: "10.0.0.7:9100"}, str: "tcp://10.0.0.7:9100"},
		{in: "tcp://[fe80::1]", want: printer.Target{Kind: printer.Network, Addr: "[fe80::1]:9100"}, str: "tcp://[fe80::1]:9100"},
		{in: "usb:/dev/usb/lp0", want: printer.Target{Kind: printer.USB, Addr: "/dev/usb/lp0"}, str: "usb:/dev/usb/lp0"},
		{in: "/dev/usb/lp1", want: printer.Target{Kind: printer.USB, Addr: "/dev/usb/lp1"}, str: "usb:/dev/usb/lp1"},
		{in: "cups:Zebra_ZD421", want: printer.Target{Kind: printer.CUPS, Addr: "Zebra_ZD421"}, str: "cups:Zebra_ZD421"},
		{in: "cups:", want: printer.Target{Kind: printer.CUPS}, str: "cups:"},
		{in: "usb:lp0", wantErr: `usb printer "lp0": give the device file's full path, e.g. usb:/dev/usb/lp0`},
		{in: "http://zebra/print", wantErr: `printer "http://zebra/print": give tcp://HOST[:9100], usb:/dev/usb/lp0 or cups:QUEUE`},
		{in: "", wantErr: "no printer named: give tcp://HOST[:9100], usb:/dev/usb/lp0 or cups:QUEUE"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := printer.ParseTarget(tt.in)
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.str, got.String())
		})
	}
}

func TestParseHostStatus(t *testing.T) {
	line2 := "\x02001,0,0,0,1,2,6,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n"
	tests := []struct {
		name   string
		answer string
		want   printer.Status
		str    string
	}{
		{"ready", "\x02030,0,0,0406,000,0,0,0,000,0,0,0\x03\r\n" + line2,
			printer.Status{Online: true, Known: true}, "ready"},
		{"out of paper and paused", "\x02030,1,1,0406,000,0,0,0,000,0,0,0\x03\r\n" + line2,
			printer.Status{Online: true, Known: true, PaperOut: true, Paused: true}, "out of paper, paused"},
		{"head open, ribbon out, buffer full", "\x02030,0,0,0406,000,1,0,0,000,0,0,0\x03\r\n\x02001,0,1,1,1,2,6,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n",
			printer.Status{Online: true, Known: true, HeadOpen: true, RibbonOut: true, BufferFull: true}, "out of ribbon, head open, buffer full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := printer.ParseHostStatus([]byte(tt.answer))
			require.NoError(t, err)
			assert.Equal(t, tt.want, s)
			assert.Equal(t, tt.str, s.String())
			assert.Equal(t, tt.str == "ready", s.Ready())
		})
	}
	_, err := printer.ParseHostStatus([]byte("HTTP/1.1 400 Bad Request\r\n"))
	assert.EqualError(t, err, "not a ~HS answer")
}

func TestNetworkPrinter(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	z := printertest.NewZebra(t)
	p, err := printer.ParseTarget(z.Target())
	require.NoError(t, err)

	require.NoError(t, p.Print(ctx, []byte(zpl)))
	jobs, err := z.WaitJobs(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, zpl, string(jobs[0]))

	assert.Equal(t, "ready", p.Status(ctx).String())
	z.SetPaperOut(true)
	z.SetPaused(true)
	s := p.Status(ctx)
	assert.Equal(t, "out of paper, paused", s.String())
	assert.False(t, s.Ready())
	z.SetPaperOut(false)
	z.SetPaused(false)
	z.SetHeadOpen(true)
	assert.Equal(t, "head open", p.Status(ctx).String())

	z.Stop()
	s = p.Status(ctx)
	assert.Equal(t, "offline", s.String())
	assert.Contains(t, s.Err, "connection refused")
	err = p.Print(ctx, []byte(zpl))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "print on "+z.Target()+": ")
}

func TestUSBPrinter(t *testing.T) {
	ctx := context.Background()
	dev := filepath.Join(t.TempDir(), "lp0")
	p, err := printer.ParseTarget("usb:" + dev)
	require.NoError(t, err)

	// No device file: the printer is unplugged or off.
	require.ErrorContains(t, p.Print(ctx, []byte(zpl)), "no such file or directory")
	assert.Equal(t, "offline", p.Status(ctx).String())

	require.NoError(t, os.WriteFile(dev, nil, 0o600))
	assert.Equal(t, "ready", p.Status(ctx).String())
	require.NoError(t, p.Print(ctx, []byte(zpl)))
	require.NoError(t, p.Print(ctx, []byte(zpl)))
	got, err := os.ReadFile(dev)
	require.NoError(t, err)
	assert.Equal(t, zpl+zpl, string(got))
}

// fakeLP puts an lp on PATH that records its arguments and standard input
// in dir, and fails with a CUPS-like message when dir/fail exists.
func fakeLP(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	script := `#!/bin/sh
if [ -e "` + dir + `/fail" ]; then echo "lp: The printer or class does not exist." >&2; exit 1; fi
echo "$@" > "` + dir + `/args"
cat > "` + dir + `/stdin"
echo "request id is Zebra-1 (1 file(s))"
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "lp"), []byte(script), 0o755))
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return dir
}

func TestCUPSPrinter(t *testing.T) {
	ctx := context.Background()
	dir := fakeLP(t)
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		return string(b)
	}
	labels, err := printer.ParseTarget("cups:Zebra_ZD421")
	require.NoError(t, err)
	require.NoError(t, labels.Print(ctx, []byte(zpl)))
	assert.Equal(t, "-d Zebra_ZD421 -o raw\n", read("args"))
	assert.Equal(t, zpl, read("stdin"))

	def, err := printer.ParseTarget("cups:")
	require.NoError(t, err)
	require.NoError(t, def.PrintDocument(ctx, []byte("%PDF-1.4 receipt")))
	assert.Equal(t, "\n", read("args"), "the default queue, and CUPS converts the PDF")
	assert.Equal(t, "%PDF-1.4 receipt", read("stdin"))

	require.NoError(t, os.WriteFile(filepath.Join(dir, "fail"), nil, 0o600))
	assert.EqualError(t, labels.Print(ctx, []byte(zpl)),
		"print on cups:Zebra_ZD421: lp: exit status 1: lp: The printer or class does not exist.")

	usb := printer.Target{Kind: printer.USB, Addr: "/dev/usb/lp0"}
	assert.EqualError(t, usb.PrintDocument(ctx, []byte("%PDF")),
		"print a document on usb:/dev/usb/lp0: only a CUPS printer (cups:QUEUE) prints documents")
}

// fakeLPStat puts an lpstat on PATH that answers -d with dir/default and
// -p with dir/queues/QUEUE, or fails as CUPS's does for a queue it lacks.
func fakeLPStat(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "queues"), 0o755))
	script := `#!/bin/sh
case "$1" in
-d) if [ -e "` + dir + `/default" ]; then cat "` + dir + `/default"; else echo "no system default destination"; fi ;;
-p) if [ -e "` + dir + `/queues/$2" ]; then cat "` + dir + `/queues/$2"; else echo "lpstat: Invalid destination name in list \"$2\"." >&2; exit 1; fi ;;
esac
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "lpstat"), []byte(script), 0o755))
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return dir
}

// lpstat -p's answers, as CUPS 2.4 words them.
const (
	lpstatIdle     = "printer Zebra_ZD421 is idle.  enabled since Sat 05 Dec 2026 10:00:00 AM UTC\n"
	lpstatPrinting = "printer Zebra_ZD421 now printing Zebra_ZD421-12.  enabled since Sat 05 Dec 2026 10:00:00 AM UTC\n"
	lpstatPaused   = "printer Zebra_ZD421 disabled since Sat 05 Dec 2026 10:02:11 AM UTC -\n\tPaused by Tess for a new roll\n"
	lpstatAway     = "printer Zebra_ZD421 disabled since Sat 05 Dec 2026 10:04:00 AM UTC -\n\tThe printer is not responding.\n"
)

func TestParseCUPSStatus(t *testing.T) {
	tests := []struct {
		name, out string
		want      printer.Status
		says      string
	}{
		{"idle", lpstatIdle, printer.Status{Online: true, Known: true}, "ready"},
		{"printing", lpstatPrinting, printer.Status{Online: true, Known: true}, "ready"},
		{"stopped by someone", lpstatPaused, printer.Status{Online: true, Known: true, Paused: true, Err: "Paused by Tess for a new roll"}, "paused"},
		{"stopped by CUPS, the printer away", lpstatAway, printer.Status{Known: true, Err: "The printer is not responding."}, "offline"},
		{"not lpstat's answer", "lpstat: Bad file descriptor\n", printer.Status{Known: true, Err: "CUPS: lpstat: Bad file descriptor"}, "offline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := printer.ParseCUPSStatus(tt.out)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.says, got.String())
		})
	}
}

func TestCUPSQueueStatus(t *testing.T) {
	ctx := context.Background()
	dir := fakeLPStat(t)
	write := func(name, text string) {
		t.Helper()
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600))
	}
	named, err := printer.ParseTarget("cups:Zebra_ZD421")
	require.NoError(t, err)
	def, err := printer.ParseTarget("cups:")
	require.NoError(t, err)

	assert.Equal(t, printer.Status{Known: true, Err: `CUPS: lpstat: Invalid destination name in list "Zebra_ZD421".`}, named.Status(ctx))
	assert.Equal(t, printer.Status{Known: true, Err: "CUPS has no default printer: set one, or name the queue (cups:QUEUE)"}, def.Status(ctx))

	write("queues/Zebra_ZD421", lpstatPaused)
	write("default", "system default destination: Zebra_ZD421\n")
	for _, p := range []printer.Target{named, def} {
		s := p.Status(ctx)
		assert.True(t, s.Paused, "%s", p)
		assert.Equal(t, "paused", s.String())
	}
	write("queues/Zebra_ZD421", lpstatIdle)
	assert.True(t, named.Status(ctx).Ready())
}
