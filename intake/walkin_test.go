package intake

import (
	"strings"
	"testing"
)

func TestSingleIMEI(t *testing.T) {
	for _, c := range []struct {
		raw, want, err string
	}{
		{"356938035643809", "356938035643809", ""},
		{"  356938035643809\r\n", "356938035643809", ""},
		{"356938035643809 490154203237518", "", `holds 2 IMEIs: scan or type the device's first IMEI only`},
		{"356938035643808", "", "check the digits, or dial *#06#"},
		{"hello", "", "not an identifier"},
		{"4006381333931", "", `"4006381333931" is not an IMEI: an IMEI has 15 digits`},
	} {
		got, err := SingleIMEI(c.raw)
		if got != c.want || (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("SingleIMEI(%q) = %q, %v; want %q, error containing %q", c.raw, got, err, c.want, c.err)
		}
	}
}
