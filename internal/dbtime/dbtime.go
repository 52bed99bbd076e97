// Package dbtime is how this project's databases store a time: UTC text of
// fixed width, nanoseconds always written, so that comparing two stored
// times as text (ORDER BY, <, max) compares them as times. RFC 3339 with
// trimmed fractions does not: "12:00:00Z" sorts after "12:00:00.5Z".
package dbtime

import (
	"fmt"
	"time"
)

// Layout is the stored form: 2026-12-04T14:06:35.000000000Z.
const Layout = "2006-01-02T15:04:05.000000000Z"

// Format writes t in UTC as Layout.
func Format(t time.Time) string { return t.UTC().Format(Layout) }

// Parse reads a stored time. It also reads the RFC 3339 forms written
// before the layout was fixed, so rows not yet migrated stay readable.
func Parse(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// Nullable stores an empty string as NULL.
func Nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
