package intake

import "time"

// HourStats is one hour of a shift. The counts are of the devices received
// in the hour: a device received at 09:50 and graded at 10:05 counts in the
// 09:00 hour, so that Rerouted is always a part of Received.
type HourStats struct {
	Start    time.Time
	Received int // devices received in the hour, walk-ins included
	Graded   int // of those, graded since
	Rerouted int // of those, graded worse than disclosed
}

// ShiftStats is what the bench did since a time.
type ShiftStats struct {
	Since time.Time
	Hours []HourStats // one per hour from Since, oldest first, empty hours included
	// AvgPerDevice is the mean time from receipt to recorded grading.
	AvgPerDevice time.Duration
}

// Received is the number of devices received in the shift.
func (s ShiftStats) Received() int {
	n := 0
	for _, h := range s.Hours {
		n += h.Received
	}
	return n
}

// Graded is the number of devices received in the shift that were graded.
func (s ShiftStats) Graded() int {
	n := 0
	for _, h := range s.Hours {
		n += h.Graded
	}
	return n
}

// Rerouted is the number of devices that arrived worse than disclosed.
func (s ShiftStats) Rerouted() int {
	n := 0
	for _, h := range s.Hours {
		n += h.Rerouted
	}
	return n
}

// DamagedRate is the share of received devices that arrived damaged, 0-1.
func (s ShiftStats) DamagedRate() float64 {
	if r := s.Received(); r > 0 {
		return float64(s.Rerouted()) / float64(r)
	}
	return 0
}
