package clock

import (
	"testing"
	"time"
)

func TestFakeMovesOnlyWhenTold(t *testing.T) {
	start := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	c := NewFake(start)
	if !c.Now().Equal(start) {
		t.Fatal("the clock moved by itself")
	}
	if got := c.Advance(90 * time.Second); !got.Equal(start.Add(90*time.Second)) || !c.Now().Equal(got) {
		t.Fatalf("Advance = %v, Now = %v", got, c.Now())
	}
	c.Set(start.Add(-time.Hour))
	if !c.Now().Equal(start.Add(-time.Hour)) {
		t.Fatal("Set did not move the clock back")
	}
}

func TestTimersFireInDeadlineOrderAsTheClockPasses(t *testing.T) {
	start := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	c := NewFake(start)
	var fired []string
	at := func(name string) func() {
		return func() { fired = append(fired, name+"@"+c.Now().Sub(start).String()) }
	}
	c.AfterFunc(3*time.Second, at("c"))
	c.AfterFunc(time.Second, func() {
		at("a")()
		c.AfterFunc(time.Second, at("a+1")) // set by a timer, due within the same Advance
	})
	stopped := c.AfterFunc(2*time.Second, at("stopped"))
	reset := c.AfterFunc(time.Second, at("reset"))
	if !stopped.Stop() || stopped.Stop() {
		t.Fatal("Stop reports pending only the first time")
	}
	if !reset.Reset(5 * time.Second) {
		t.Fatal("Reset of a pending timer reports false")
	}
	c.Advance(4 * time.Second)
	want := []string{"a@1s", "a+1@2s", "c@3s"}
	if len(fired) != len(want) {
		t.Fatalf("fired %v, want %v", fired, want)
	}
	for i := range want {
		if fired[i] != want[i] {
			t.Fatalf("fired %v, want %v", fired, want)
		}
	}
	if !c.Now().Equal(start.Add(4 * time.Second)) {
		t.Fatalf("clock at %v after Advance(4s)", c.Now())
	}
	c.Advance(time.Second)
	if fired[len(fired)-1] != "reset@5s" {
		t.Fatalf("the reset timer did not fire at 5s: %v", fired)
	}
	if reset.Reset(time.Second) {
		t.Fatal("Reset of a fired timer reports true")
	}
	c.Advance(time.Second)
	if fired[len(fired)-1] != "reset@6s" {
		t.Fatalf("a fired timer reset did not fire again: %v", fired)
	}
}
