// Package retryafter reads and writes the HTTP Retry-After header
// (RFC 9110 §10.2.3): a number of seconds or an HTTP date.
package retryafter

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Parse reads a Retry-After value at now. It reports false for an empty,
// negative or unreadable value; a date in the past is a wait of zero. The
// wait is capped at most: a hostile or broken server must not park a
// client for years.
func Parse(v string, now time.Time, most time.Duration) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return min(time.Duration(min(secs, int64(most/time.Second)+1))*time.Second, most), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(t.Sub(now), 0), most), true
	}
	return 0, false
}

// Seconds writes a wait as whole seconds, rounded up and at least one: a
// client told 0 would come straight back.
func Seconds(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(s, 1), 10)
}
