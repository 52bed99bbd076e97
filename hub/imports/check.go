package imports

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/intakebench/intakebench/intake"
)

// The checks every kind's rows share. Their reasons are the report's
// stable wording: clients and people read them, tests hold them to the
// letter. A value is quoted in a reason only where it cannot be a secret,
// and cut to 40 characters.

// text is column i's value when it is text of at most max bytes without
// control characters; a problem is recorded and "" returned otherwise.
func text(r *row, i, max int) string {
	v := r.get(i)
	switch {
	case len(v) > max:
		r.reject(i, "longer than %d bytes", max)
		return ""
	case !utf8.ValidString(v):
		r.reject(i, "not UTF-8 text")
		return ""
	}
	for _, c := range v {
		if c < ' ' && c != '\t' || c == 0x7f {
			r.reject(i, "holds control characters")
			return ""
		}
	}
	return v
}

// required is text that must be there.
func required(r *row, i, max int) string {
	if r.get(i) == "" {
		r.reject(i, "required")
		return ""
	}
	return text(r, i, max)
}

// maxWord bounds a value read as a name (a status, a condition, a kind):
// longer is never one, and is not echoed.
const maxWord = 40

// word is a short name (a status, a kind, a role), in any case, to be
// parsed by parse; the reason of parse's error is recorded when it fails.
func word[T any](r *row, i int, parse func(string) (T, error)) (T, bool) {
	var zero T
	v := text(r, i, maxWord)
	if v == "" {
		return zero, false
	}
	out, err := parse(strings.ToLower(v))
	if err != nil {
		r.reject(i, "%s", err.Error())
		return zero, false
	}
	return out, true
}

// money reads column i as a decimal amount (never a float) between 0 and
// intake.MaxAmount: ok is false when there is none, or a problem was
// recorded.
func money(r *row, i int) (c intake.Cents, ok bool) {
	if r.get(i) == "" {
		return 0, false
	}
	v := text(r, i, maxWord)
	if v == "" {
		return 0, false
	}
	c, err := intake.ParseCents(v)
	if err == nil {
		err = intake.CheckAmount(c)
	}
	if err != nil {
		r.reject(i, "%s", err.Error())
		return 0, false
	}
	return c, true
}

// imei reads column i as one IMEI, as intake reads a scan: digits may be
// grouped or labelled ("IMEI: 35 693803 564380 9"), an IMEISV gives its
// IMEI. Anything else in the value is refused, not read past.
func imei(r *row, i int) string {
	v := text(r, i, 64)
	if v == "" {
		return ""
	}
	if len(v) == 15 && intake.LuhnValid(v) {
		return v // the common case, without a scan's parse
	}
	ids, err := intake.ParseScan(v)
	var imeis []string
	for _, id := range ids {
		if id.Kind == intake.KindIMEI {
			imeis = append(imeis, id.Value)
		}
	}
	var cd *intake.CheckDigitError
	switch {
	case len(imeis) == 1 && len(ids) == 1 && err == nil:
		return imeis[0]
	case len(imeis) > 1:
		r.reject(i, "holds %d IMEIs: give one", len(imeis))
	case errors.As(err, &cd) && cd.Kind == intake.KindIMEI:
		r.reject(i, "IMEI check digit is %s, expected %s", cd.Got, cd.Want)
	default:
		r.reject(i, "not an IMEI: want 15 digits with a Luhn check digit")
	}
	return ""
}

// timeAt reads column i as an RFC 3339 time or a date (midnight UTC),
// not after now; def when the value is empty.
func timeAt(r *row, i int, def, now time.Time) time.Time {
	v := text(r, i, maxWord)
	if v == "" {
		return def
	}
	t, err := parseTime(v)
	if err != nil {
		r.reject(i, "not a time: want RFC 3339 (2026-03-01T09:30:00Z) or a date (2026-03-01)")
		return def
	}
	if t.After(now) {
		r.reject(i, "in the future")
		return def
	}
	return t.UTC()
}

func parseTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, v)
}

// quoted is a value for a reason: quoted, cut to 40 characters.
func quoted(v string) string { return fmt.Sprintf("%.40q", v) }

// fieldName is a name from the file (a JSON key) for a report: as it is
// when it is plain text, quoted when it is not, so that a file cannot
// write control sequences to the terminal the report is printed on.
func fieldName(v string) string {
	for _, c := range v {
		if !unicode.IsPrint(c) {
			return quoted(v)
		}
	}
	if utf8.RuneCountInString(v) > 40 {
		return string([]rune(v)[:40])
	}
	return v
}
