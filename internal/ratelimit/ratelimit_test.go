package ratelimit

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

func TestBurstThenRate(t *testing.T) {
	l := PerSecond(2, 3)
	for i := range 3 {
		if ok, _ := l.Allow("a", t0); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := l.Allow("a", t0)
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("fourth at once: ok=%v wait=%v, want refused for 500ms", ok, wait)
	}
	if ok, _ := l.Allow("b", t0); !ok {
		t.Fatal("another key shares a's bucket")
	}
	if ok, _ := l.Allow("a", t0.Add(499*time.Millisecond)); ok {
		t.Fatal("a token came back before 500ms")
	}
	if ok, _ := l.Allow("a", t0.Add(time.Second)); !ok {
		t.Fatal("no token after a second at 2/s")
	}
}

func TestPerMinute(t *testing.T) {
	l := PerMinute(60, 1)
	if ok, _ := l.Allow("k", t0); !ok {
		t.Fatal("first refused")
	}
	ok, wait := l.Allow("k", t0)
	if ok || wait != time.Second {
		t.Fatalf("second at once: ok=%v wait=%v, want refused for 1s", ok, wait)
	}
}

func TestIdleBucketsAreForgottenFull(t *testing.T) {
	l := PerSecond(1, 2)
	l.Allow("a", t0)
	l.Allow("a", t0)
	later := t0.Add(2 * time.Minute)
	l.Allow("b", later)
	if _, kept := l.buckets["a"]; kept {
		t.Fatal("an idle bucket was kept")
	}
	if len(l.buckets) != 1 {
		t.Fatalf("%d buckets, want 1", len(l.buckets))
	}
}

func TestOffAllowsEverything(t *testing.T) {
	var nilLimiter *Limiter
	for _, l := range []*Limiter{nilLimiter, PerSecond(0, 0)} {
		for range 1000 {
			if ok, _ := l.Allow("k", t0); !ok {
				t.Fatal("a limiter that is off refused")
			}
		}
	}
}
