package serialscan

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFramer(t *testing.T) {
	t.Parallel()
	ok := func(s string) Frame { return Frame{Line: []byte(s)} }
	bad := func(s, reason string) Frame {
		f := Frame{Reason: reason}
		if s != "" {
			f.Line = []byte(s)
		}
		return f
	}
	tests := []struct {
		name   string
		term   Terminator
		in     string
		expire bool // the line goes idle after in
		want   []Frame
	}{
		{name: "CR", term: CR, in: "A\rBC\r", want: []Frame{ok("A"), ok("BC")}},
		{name: "LF", term: LF, in: "A\nBC\n", want: []Frame{ok("A"), ok("BC")}},
		{name: "CRLF", term: CRLF, in: "A\r\nBC\r\n", want: []Frame{ok("A"), ok("BC")}},
		{name: "TAB", term: Tab, in: "A\tBC\t", want: []Frame{ok("A"), ok("BC")}},
		{name: "blank lines dropped", term: CR, in: "\r\rA\r\r", want: []Frame{ok("A")}},
		{name: "LF for CR", term: CR, in: "A\nB\r", want: []Frame{bad("A", "line ended with LF, expected CR: check the scanner's suffix setting"), ok("B")}},
		{name: "CRLF for CR", term: CR, in: "A\r\nB\r", want: []Frame{ok("A"), bad("", "stray LF between lines: the scanner's terminator is not CR"), ok("B")}},
		{name: "CR for LF", term: LF, in: "A\rB\n", want: []Frame{bad("A", "line ended with CR, expected LF: check the scanner's suffix setting"), ok("B")}},
		{name: "LF for CRLF", term: CRLF, in: "A\nB\r\n", want: []Frame{bad("A", "line ended with LF, expected CRLF: check the scanner's suffix setting"), ok("B")}},
		{name: "CR for CRLF", term: CRLF, in: "A\rB\r\n", want: []Frame{bad("A", "CR not followed by LF: the scanner sends CR only, set the terminator to CR"), ok("B")}},
		{name: "CR for TAB", term: Tab, in: "A\rB\t", want: []Frame{bad("A", "line ended with CR, expected TAB: check the scanner's suffix setting"), ok("B")}},
		{name: "TAB is data unless it terminates", term: CR, in: "A\tB\r", want: []Frame{ok("A\tB")}},
		{name: "exactly max", term: CR, in: "12345678\r", want: []Frame{ok("12345678")}},
		{name: "over-long then resync", term: CR, in: "123456789abc\rOK\r", want: []Frame{bad("12345678", "no CR within 8 bytes: dropped until the next terminator"), ok("OK")}},
		{name: "over-long CRLF swallows its LF", term: CRLF, in: "123456789\r\nOK\r\n", want: []Frame{bad("12345678", "no CRLF within 8 bytes: dropped until the next terminator"), ok("OK")}},
		{name: "partial line expires", term: CR, in: "noise", expire: true, want: []Frame{bad("noise", "incomplete line: no CR after it")}},
		{name: "pending CR expires", term: CRLF, in: "A\r", expire: true, want: []Frame{bad("A", "CR not followed by LF: the scanner sends CR only, set the terminator to CR")}},
		{name: "expiry ends discarding", term: CR, in: "123456789abc", expire: true, want: []Frame{bad("12345678", "no CR within 8 bytes: dropped until the next terminator")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := NewFramer(tt.term, 8)
			got := f.Feed([]byte(tt.in), nil)
			if tt.expire {
				got = f.Expire(got)
				assert.False(t, f.Pending())
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestFramerExpiryThenNextLine(t *testing.T) {
	t.Parallel()
	f := NewFramer(CR, 8)
	f.Feed([]byte("123456789"), nil) // over-long, now discarding
	f.Expire(nil)
	assert.Equal(t, []Frame{{Line: []byte("OK")}}, f.Feed([]byte("OK\r"), nil), "after an idle gap the next bytes are a new line")
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"356938035643809":                 "",
		"]d2\x1d0104012345678901\x1d21AB": "", // GS1 DataMatrix with FNC1 as GS
		"[)>\x1e06\x1dS123\x1e\x04":       "", // ISO/IEC 15434 envelope
		"Grüße":                           "",
		"ab\x00c":                         "NUL byte at offset 2: line noise or a wrong baud rate",
		"ab\x1bc":                         "control byte 0x1B at offset 2: line noise or a wrong baud rate",
		"ab\x7f":                          "control byte 0x7F at offset 2: line noise or a wrong baud rate",
		"a\tb":                            "TAB at offset 1: the scanner may use TAB as its terminator",
		"\xc3(":                           "not valid UTF-8: line noise or a wrong baud rate or framing",
	}
	for in, want := range tests {
		assert.Equal(t, want, validate([]byte(in)), "%q", in)
	}
}

// FuzzFramer checks the framer's promises on arbitrary bytes: no panic, no
// line over the bound or holding a terminator, and the same frames however
// the bytes are split into reads.
func FuzzFramer(f *testing.F) {
	for _, seed := range []string{
		"356938035643809\r",
		"]C0356938035643809\r\n",
		"A\nB\rC\r\n\t",
		"\x00\x00\x00\r",
		strings.Repeat("9", 40) + "\r",
		"\r\r\n\n\t\t",
		"\xff\xfe\xc3\r",
		"[)>\x1e06\x1dS123\x1e\x04\r",
	} {
		for term := CR; term <= Tab; term++ {
			f.Add([]byte(seed), uint8(term), uint8(3))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, term, split uint8) {
		tm := Terminator(term % 4)
		const maxLine = 16
		whole := NewFramer(tm, maxLine)
		want := whole.Expire(whole.Feed(data, nil))

		chunked := NewFramer(tm, maxLine)
		var got []Frame
		step := int(split%7) + 1
		for i := 0; i < len(data); i += step {
			got = chunked.Feed(data[i:min(i+step, len(data))], got)
		}
		got = chunked.Expire(got)
		require.Equal(t, want, got, "frames depend on read boundaries")

		total := 0
		for _, fr := range want {
			require.LessOrEqual(t, len(fr.Line), maxLine)
			total += len(fr.Line)
			if fr.Reason == "" {
				require.NotEmpty(t, fr.Line)
				require.False(t, bytes.ContainsAny(fr.Line, "\r\n"), "terminator inside %q", fr.Line)
				if tm == Tab {
					require.NotContains(t, string(fr.Line), "\t")
				}
				if validate(fr.Line) == "" {
					require.True(t, utf8.Valid(fr.Line))
					require.NotContains(t, string(fr.Line), "\x00")
				}
			}
		}
		require.LessOrEqual(t, total, len(data), "frames invent bytes")
	})
}

func TestParseTerminator(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Terminator{"CR": CR, "lf": LF, " CRLF ": CRLF, `\r\n`: CRLF, "tab": Tab, `\t`: Tab} {
		got, err := ParseTerminator(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
		back, err := ParseTerminator(got.String())
		require.NoError(t, err)
		assert.Equal(t, got, back, "String and ParseTerminator agree")
	}
	_, err := ParseTerminator("ETX")
	assert.ErrorContains(t, err, "ETX")
}
