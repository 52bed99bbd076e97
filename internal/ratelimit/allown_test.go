package ratelimit

import (
	"testing"
	"time"
)

// TestAllowNCountsBytes: a quota of bytes takes what a body weighs, all or
// nothing, and says when that much will be there.
func TestAllowNCountsBytes(t *testing.T) {
	l := PerSecond(1000, 10_000) // 1,000 bytes a second, 10,000 at once
	steps := []struct {
		name   string
		at     time.Duration
		n      int64
		ok     bool
		wantTo time.Duration
	}{
		{"most of the burst", 0, 9_000, true, 0},
		{"more than is left takes nothing", 0, 2_000, false, time.Second},
		{"what is left", 0, 1_000, true, 0},
		{"half a second later, 500 are back", 500 * time.Millisecond, 600, false, 100 * time.Millisecond},
		{"and can be taken", 500 * time.Millisecond, 500, true, 0},
		{"over the burst is refused, the bucket full", time.Hour, 10_001, false, time.Millisecond},
	}
	for _, s := range steps {
		ok, wait := l.AllowN("bench-1", s.n, t0.Add(s.at))
		if ok != s.ok || wait != s.wantTo {
			t.Errorf("%s: AllowN(%d) = %v, %v; want %v, %v", s.name, s.n, ok, wait, s.ok, s.wantTo)
		}
	}
	if ok, _ := l.AllowN("bench-2", 10_000, t0); !ok {
		t.Error("another key shares bench-1's bucket")
	}
}
