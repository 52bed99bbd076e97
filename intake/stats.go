package intake

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// MaxStatsSpan bounds how far back shift stats reach: they make one bar per
// hour, and a month of them is already more than a screen shows.
const MaxStatsSpan = 31 * 24 * time.Hour

// ReceivedDevice is one device received at the bench, as the shift stats
// read it: when and by whom it was received, and what its grading said.
type ReceivedDevice struct {
	At time.Time
	// Operator is the id of who received it. The device counts for them
	// in every figure, also when someone else graded it: at this bench the
	// one who scans a device in grades it, and a supervisor's later
	// regrade does not make it the supervisor's device.
	Operator string
	Graded   bool // it has been graded at least once
	Rerouted bool // its latest grading found it worse than disclosed
}

// HourStats is one hour of a shift. The counts are of the devices received
// in the hour: a device received at 09:50 and graded at 10:05 counts in the
// 09:00 hour, so that Rerouted is always a part of Graded, and Graded of
// Received.
type HourStats struct {
	Start    time.Time
	Received int // devices received in the hour, walk-ins included
	Graded   int // of those, graded since
	Rerouted int // of those, graded worse than disclosed
}

// Figures are what one person, or the whole bench, did in a shift.
type Figures struct {
	Hours []HourStats // one per hour of the shift, oldest first, empty hours included
	// PerDevice is the median time per device: the gap between one receipt
	// and the same person's next one. That gap holds all the work on a
	// device, whatever order it is done in (open the box, scan, grade,
	// photograph, reroute; or a walk-in's questions and quote), so it is
	// the pace a supervisor plans a shift with; the time from receipt to
	// grading would instead measure how long a device waited when devices
	// are scanned in as a batch and graded later, and walk-ins are never
	// graded at all. The median, not the mean, because one long gap (a
	// break, a phone call, a question to a supervisor) would otherwise
	// make a steady person look slow. Each person's first device of the
	// shift has no gap; zero means no gap yet.
	PerDevice time.Duration
}

// Received is the number of devices received.
func (f Figures) Received() int { return f.sum(func(h HourStats) int { return h.Received }) }

// Graded is the number of the devices received that were graded.
func (f Figures) Graded() int { return f.sum(func(h HourStats) int { return h.Graded }) }

// Rerouted is the number of devices that arrived worse than disclosed.
func (f Figures) Rerouted() int { return f.sum(func(h HourStats) int { return h.Rerouted }) }

// ActiveHours is the number of hours in which at least one device was
// received: the hours worked, as far as the records tell.
func (f Figures) ActiveHours() int {
	return f.sum(func(h HourStats) int { return min(h.Received, 1) })
}

// PerHour is the devices received per hour worked (ActiveHours), not per
// hour since the shift began: a technician who started at ten is not slow
// for the hours before. An hour worked in part counts as a whole one.
func (f Figures) PerHour() float64 {
	if n := f.ActiveHours(); n > 0 {
		return float64(f.Received()) / float64(n)
	}
	return 0
}

// DamagedRate is the share of graded devices that arrived damaged, 0-1.
// Devices not graded yet are left out rather than counted as fine: how a
// device arrived is not known until it is graded, and a bench behind on
// grading would otherwise look as if fewer devices arrived damaged. (Walk-
// ins, never graded at the bench, are left out too: the customer is there.)
func (f Figures) DamagedRate() float64 {
	if g := f.Graded(); g > 0 {
		return float64(f.Rerouted()) / float64(g)
	}
	return 0
}

func (f Figures) sum(of func(HourStats) int) int {
	n := 0
	for _, h := range f.Hours {
		n += of(h)
	}
	return n
}

// PersonStats is one person's part of a shift.
type PersonStats struct {
	Operator string // the operator's id
	Figures
}

// ShiftStats is what the bench, and each person at it, did since a time.
type ShiftStats struct {
	Since time.Time
	Figures
	// People are those who received a device in the shift, by id. The
	// bench's PerDevice is the median of all their gaps together: the
	// typical time one person takes per device here (the gap between two
	// receipts by different people says nothing about either).
	People []PersonStats
}

// Person is what the operator with id did: zero counts over the shift's
// hours if they received nothing.
func (s ShiftStats) Person(id string) PersonStats {
	for _, p := range s.People {
		if p.Operator == id {
			return p
		}
	}
	return PersonStats{Operator: id, Figures: Figures{Hours: emptyHours(s.Since, len(s.Hours))}}
}

// ShiftStatsOf works out the figures of a shift from the devices received:
// those from since (truncated to the hour in since's location) up to now
// count, the rest are ignored.
func ShiftStatsOf(since, now time.Time, devices []ReceivedDevice) (ShiftStats, error) {
	if since.IsZero() {
		return ShiftStats{}, errors.New("shift stats: no start time")
	}
	// Truncating in since's location, not with time.Truncate: that works on
	// absolute time and would start a shift in India at half past.
	start := time.Date(since.Year(), since.Month(), since.Day(), since.Hour(), 0, 0, 0, since.Location())
	switch {
	case start.After(now):
		return ShiftStats{}, fmt.Errorf("shift stats: the start %s is in the future", since.Format(time.RFC3339))
	case now.Sub(start) > MaxStatsSpan:
		return ShiftStats{}, fmt.Errorf("shift stats: the start %s is more than %d days ago", since.Format(time.RFC3339), MaxStatsSpan/(24*time.Hour))
	}
	n := int(now.Sub(start)/time.Hour) + 1
	st := ShiftStats{Since: start, Figures: Figures{Hours: emptyHours(start, n)}}
	// Each person's receipts in time order, for their gaps.
	byPerson := map[string][]ReceivedDevice{}
	var order []string
	for _, d := range devices {
		if d.At.Before(start) || d.At.After(now) {
			continue
		}
		count(&st.Hours[int(d.At.Sub(start)/time.Hour)], d)
		if _, ok := byPerson[d.Operator]; !ok {
			order = append(order, d.Operator)
		}
		byPerson[d.Operator] = append(byPerson[d.Operator], d)
	}
	slices.Sort(order)
	var all []time.Duration
	for _, id := range order {
		p := PersonStats{Operator: id, Figures: Figures{Hours: emptyHours(start, n)}}
		ds := byPerson[id]
		slices.SortStableFunc(ds, func(a, b ReceivedDevice) int { return a.At.Compare(b.At) })
		var gaps []time.Duration
		for i, d := range ds {
			count(&p.Hours[int(d.At.Sub(start)/time.Hour)], d)
			if i > 0 {
				gaps = append(gaps, d.At.Sub(ds[i-1].At))
			}
		}
		p.PerDevice = median(gaps)
		all = append(all, gaps...)
		st.People = append(st.People, p)
	}
	st.PerDevice = median(all)
	return st, nil
}

func emptyHours(start time.Time, n int) []HourStats {
	hours := make([]HourStats, n)
	for i := range hours {
		hours[i].Start = start.Add(time.Duration(i) * time.Hour)
	}
	return hours
}

func count(h *HourStats, d ReceivedDevice) {
	h.Received++
	if d.Graded {
		h.Graded++
		if d.Rerouted {
			h.Rerouted++
		}
	}
}

// median is the middle one of ds, or the mean of the middle two; zero for
// none. It sorts ds.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	m := len(ds) / 2
	if len(ds)%2 == 1 {
		return ds[m]
	}
	return ds[m-1] + (ds[m]-ds[m-1])/2
}
