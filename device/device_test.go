package device_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/device"
)

func TestDedup(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	scan := func(src, raw string, ms int) device.Scan {
		return device.Scan{Source: src, Raw: raw, At: t0.Add(time.Duration(ms) * time.Millisecond)}
	}
	tests := []struct {
		name   string
		window time.Duration
		scans  []device.Scan
		fresh  []bool
	}{
		{"double read", 0, []device.Scan{scan("a", "X", 0), scan("a", "X", 100)}, []bool{true, false}},
		{"after the window", 0, []device.Scan{scan("a", "X", 0), scan("a", "X", 800)}, []bool{true, true}},
		{"window slides with each repeat", 0,
			[]device.Scan{scan("a", "X", 0), scan("a", "X", 500), scan("a", "X", 1000), scan("a", "X", 1800)},
			[]bool{true, false, false, true}},
		{"another code in between", 0, []device.Scan{scan("a", "X", 0), scan("a", "Y", 10), scan("a", "X", 20)}, []bool{true, true, true}},
		{"other source", 0, []device.Scan{scan("a", "X", 0), scan("b", "X", 10)}, []bool{true, true}},
		{"symbology differs", 0,
			[]device.Scan{{Source: "a", Raw: "X", Symbology: "]C0", At: t0}, {Source: "a", Raw: "X", Symbology: "]Q1", At: t0}},
			[]bool{true, true}},
		{"custom window", 2 * time.Second, []device.Scan{scan("a", "X", 0), scan("a", "X", 1500)}, []bool{true, false}},
		{"disabled", -1, []device.Scan{scan("a", "X", 0), scan("a", "X", 0)}, []bool{true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := device.Dedup{Window: tt.window}
			for i, s := range tt.scans {
				assert.Equal(t, tt.fresh[i], d.Fresh(s), "scan %d", i)
			}
		})
	}
}

func TestSplitAIM(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string][2]string{
		"]C0356938035643809": {"]C0", "356938035643809"},
		"]d2010401234567890": {"]d2", "010401234567890"},
		"]Q1":                {"]Q1", ""},
		"356938035643809":    {"", "356938035643809"},
		"]C":                 {"", "]C"},
		"]1C0":               {"", "]1C0"},
		"]C-0":               {"", "]C-0"},
		"":                   {"", ""},
	} {
		sym, rest := device.SplitAIM(raw)
		assert.Equal(t, want, [2]string{sym, rest}, "%q", raw)
	}
}

type funcSource func(ctx context.Context, out chan<- device.Event) error

func (f funcSource) Run(ctx context.Context, out chan<- device.Event) error { return f(ctx, out) }

func TestRunAll(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan device.Event)
	broken := errors.New("broken")
	done := make(chan error, 1)
	go func() {
		done <- device.RunAll(ctx, out,
			funcSource(func(ctx context.Context, out chan<- device.Event) error {
				device.Send(ctx, out, device.Scan{Source: "a", Raw: "1"})
				<-ctx.Done()
				return ctx.Err()
			}),
			funcSource(func(context.Context, chan<- device.Event) error { return broken }),
		)
	}()
	ev := <-out
	assert.Equal(t, "a", ev.Origin())
	cancel()
	err := <-done
	require.ErrorIs(t, err, broken, "a failing source is reported")
	assert.NotErrorIs(t, err, context.Canceled, "cancellation is not")
}

func TestSendGivesUpWhenCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.False(t, device.Send(ctx, make(chan device.Event), device.Status{}), "nobody reads; ctx ended")
	ch := make(chan device.Event, 1)
	assert.True(t, device.Send(context.Background(), ch, device.Rejected{Source: "x"}))
	assert.Equal(t, "x", (<-ch).Origin())
}

func TestStateString(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "connected", device.Connected.String())
	assert.Equal(t, "disconnected", device.Disconnected.String())
	assert.Equal(t, "State(7)", device.State(7).String())
}
