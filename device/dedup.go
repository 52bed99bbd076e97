package device

import "time"

// DefaultDedupWindow is long enough to swallow the double read a trigger
// bounce or a scanner in continuous mode produces, and short enough that a
// technician who deliberately rescans a label a second later is heard.
const DefaultDedupWindow = 750 * time.Millisecond

// Dedup suppresses the same code read again from the same source within a
// window. The window slides: each repeat extends it, so a scanner left
// reading a label every few hundred milliseconds reports it once. The zero
// value uses DefaultDedupWindow; a Dedup is not safe for concurrent use.
type Dedup struct {
	Window time.Duration // <0 disables suppression

	last map[string]lastRead
}

type lastRead struct {
	raw, symbology string
	at             time.Time
}

// Fresh reports whether s should be delivered, and records it.
func (d *Dedup) Fresh(s Scan) bool {
	window := d.Window
	if window == 0 {
		window = DefaultDedupWindow
	}
	if d.last == nil {
		d.last = make(map[string]lastRead)
	}
	prev, seen := d.last[s.Source]
	d.last[s.Source] = lastRead{raw: s.Raw, symbology: s.Symbology, at: s.At}
	if window < 0 || !seen {
		return true
	}
	repeat := prev.raw == s.Raw && prev.symbology == s.Symbology
	return !(repeat && s.At.Sub(prev.at) < window)
}
