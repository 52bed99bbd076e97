package keyburst_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/device/keyburst"
)

const (
	scanner = 7 * time.Millisecond   // a USB HID scanner's key interval
	fast    = 3 * time.Millisecond   // a fast one
	human   = 150 * time.Millisecond // a technician typing
)

// typed is a run of keys, each arriving gap after the one before.
type typed struct {
	keys string
	gap  time.Duration
}

type result struct {
	pass  string   // what reached the widget
	scans []string // what was reported as scans
}

// simulate plays runs through a detector the way an adapter drives it: a
// timer fires Tick at the deadline when no key comes first. It also checks
// that typed keys are never held once the keyboard has been quiet for
// MaxGap (plus the timer's slack): a person's keys arrive promptly.
func simulate(t *testing.T, cfg keyburst.Config, runs ...typed) result {
	t.Helper()
	d := keyburst.New(cfg)
	maxGap := cfg.MaxGap
	if maxGap == 0 {
		maxGap = 40 * time.Millisecond
	}
	var (
		res     result
		now     = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
		arrived []time.Time // when each not yet delivered key was typed
		latest  time.Time   // when the latest key was typed
	)
	apply := func(out keyburst.Output, at time.Time) {
		for range out.Pass {
			require.NotEmpty(t, arrived)
			assert.LessOrEqual(t, at.Sub(latest), maxGap+time.Millisecond, "a typed key was held after the keyboard went quiet")
			arrived = arrived[1:]
		}
		res.pass += string(out.Pass)
		if out.Scan != "" {
			res.scans = append(res.scans, out.Scan)
			arrived = arrived[:0]
		}
	}
	for _, run := range runs {
		for _, r := range run.keys {
			next := now.Add(run.gap)
			if dl, ok := d.Deadline(); ok && dl.Before(next) {
				fire := dl.Add(time.Millisecond)
				apply(d.Tick(fire), fire)
			}
			now, latest = next, next
			arrived = append(arrived, now)
			apply(d.Feed(r, now), now)
		}
	}
	if dl, ok := d.Deadline(); ok {
		fire := dl.Add(time.Millisecond)
		apply(d.Tick(fire), fire)
	}
	assert.Empty(t, arrived, "keys left undelivered")
	return res
}

func TestDetector(t *testing.T) {
	t.Parallel()
	const imei = "356938035643809"
	tests := []struct {
		name string
		cfg  keyburst.Config
		runs []typed
		want result
	}{
		{
			name: "scanner burst ending in Enter",
			runs: []typed{{imei + "\n", scanner}},
			want: result{scans: []string{imei}},
		},
		{
			name: "fast scanner ending in Tab",
			runs: []typed{{"4006381333931\t", fast}},
			want: result{scans: []string{"4006381333931"}},
		},
		{
			name: "person keys in an IMEI and presses Enter: a manual entry",
			runs: []typed{{imei + "\n", human}},
			want: result{pass: imei + "\n"},
		},
		{
			name: "person presses Enter quickly after the last digit",
			runs: []typed{{imei, human}, {"\n", 20 * time.Millisecond}},
			want: result{pass: imei + "\n"},
		},
		{
			name: "typing, a scan, more typing",
			runs: []typed{{"ab", human}, {"S", human}, {"N-F2LXK0AB\n", scanner}, {"c\n", human}},
			want: result{pass: "abc\n", scans: []string{"SN-F2LXK0AB"}},
		},
		{
			name: "scan starts soon after a typed key",
			runs: []typed{{"x", human}, {"3", 41 * time.Millisecond}, {"56938035643809\n", scanner}},
			want: result{pass: "x", scans: []string{"356938035643809"}},
		},
		{
			name: "two scans back to back",
			runs: []typed{{imei + "\n", scanner}, {"4006381333931\n", scanner}},
			want: result{scans: []string{imei, "4006381333931"}},
		},
		{
			name: "short fast run is typing",
			runs: []typed{{"ok\n", scanner}},
			want: result{pass: "ok\n"},
		},
		{
			name: "exactly the minimum length",
			cfg:  keyburst.Config{MinLength: 4},
			runs: []typed{{"1234\n", scanner}},
			want: result{scans: []string{"1234"}},
		},
		{
			name: "fast typist's rolled pairs",
			runs: []typed{{"t", human}, {"h", 35 * time.Millisecond}, {"e", human}, {"n", 30 * time.Millisecond}, {"\n", human}},
			want: result{pass: "then\n"},
		},
		{
			name: "burst without terminator is typing by default",
			runs: []typed{{imei, scanner}},
			want: result{pass: imei},
		},
		{
			name: "burst without terminator is a scan when allowed",
			cfg:  keyburst.Config{Unterminated: true},
			runs: []typed{{imei, scanner}, {"ab", human}},
			want: result{pass: "ab", scans: []string{imei}},
		},
		{
			// Timestamps come from the event loop, so a stalled UI bunches
			// keys rather than spreading them; a real mid-code pause is rare
			// and the domain parser refuses the fragments.
			name: "stall inside a burst splits it",
			runs: []typed{{"35693803", scanner}, {"5", 100 * time.Millisecond}, {"643809\n", scanner}},
			want: result{pass: "35693803", scans: []string{"5643809"}},
		},
		{
			name: "a slower scanner with a wider gap setting",
			cfg:  keyburst.Config{MaxGap: 60 * time.Millisecond},
			runs: []typed{{imei + "\n", 50 * time.Millisecond}},
			want: result{scans: []string{imei}},
		},
		{
			name: "unicode and GS1 separators pass through a scan",
			runs: []typed{{"]d2\x1d0104012345678901\x1d21Grüße\n", scanner}},
			want: result{scans: []string{"]d2\x1d0104012345678901\x1d21Grüße"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := simulate(t, tt.cfg, tt.runs...)
			assert.Equal(t, tt.want.pass, got.pass)
			assert.Equal(t, tt.want.scans, got.scans)
		})
	}
}

func TestDetectorFlushKeepsOrder(t *testing.T) {
	t.Parallel()
	d := keyburst.New(keyburst.Config{})
	now := time.Now()
	assert.Equal(t, keyburst.Output{}, d.Feed('a', now))
	assert.Equal(t, keyburst.Output{}, d.Feed('b', now.Add(time.Millisecond)))
	// Backspace arrives: whatever is held goes first, as typing.
	assert.Equal(t, "ab", string(d.Flush().Pass))
	_, pending := d.Deadline()
	assert.False(t, pending)
	assert.Equal(t, keyburst.Output{}, d.Tick(now.Add(time.Hour)))
}

func TestDetectorDeadline(t *testing.T) {
	t.Parallel()
	d := keyburst.New(keyburst.Config{MaxGap: 30 * time.Millisecond})
	t0 := time.Now()
	d.Feed('1', t0)
	dl, ok := d.Deadline()
	require.True(t, ok)
	assert.Equal(t, t0.Add(30*time.Millisecond), dl)
	assert.Empty(t, d.Tick(dl).Pass, "not before the gap has passed")
	assert.Equal(t, "1", string(d.Tick(dl.Add(time.Nanosecond)).Pass))
}

func BenchmarkDetectorScan(b *testing.B) {
	d := keyburst.New(keyburst.Config{})
	code := strings.Repeat("356938035643809", 2) + "\n"
	now := time.Now()
	for b.Loop() {
		for _, r := range code {
			now = now.Add(scanner)
			if out := d.Feed(r, now); out.Scan == "" && r == '\n' {
				b.Fatal("no scan")
			}
		}
		now = now.Add(time.Second)
	}
}
