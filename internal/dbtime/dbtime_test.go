package dbtime

import (
	"slices"
	"testing"
	"time"
)

func TestStoredTimesSortAsTimes(t *testing.T) {
	base := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	times := []time.Time{
		base.Add(500 * time.Millisecond), base, base.Add(time.Nanosecond),
		base.Add(-time.Nanosecond), base.Add(time.Second), base.Add(10 * time.Millisecond),
	}
	var stored []string
	for _, tm := range times {
		stored = append(stored, Format(tm))
	}
	slices.Sort(stored)
	want := []string{
		"2026-12-04T11:59:59.999999999Z",
		"2026-12-04T12:00:00.000000000Z",
		"2026-12-04T12:00:00.000000001Z",
		"2026-12-04T12:00:00.010000000Z",
		"2026-12-04T12:00:00.500000000Z",
		"2026-12-04T12:00:01.000000000Z",
	}
	if !slices.Equal(stored, want) {
		t.Fatalf("sorted stored times:\n%v\nwant\n%v", stored, want)
	}
}

func TestFormatIsUTC(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	if got := Format(time.Date(2026, 12, 4, 13, 0, 0, 0, paris)); got != "2026-12-04T12:00:00.000000000Z" {
		t.Fatalf("Format = %s", got)
	}
}

func TestParseReadsOldAndNewForms(t *testing.T) {
	want := time.Date(2026, 12, 4, 12, 0, 0, 500_000_000, time.UTC)
	for _, s := range []string{"2026-12-04T12:00:00.5Z", "2026-12-04T12:00:00.500000000Z", "2026-12-04T13:00:00.5+01:00"} {
		got, err := Parse(s)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("Parse(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := Parse("yesterday"); err == nil {
		t.Error("Parse read a word")
	}
}
