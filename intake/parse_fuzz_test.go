package intake

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzParseScan checks what must hold for any scan, well-formed or not.
// Seeds: every scan of scanCases, and testdata/fuzz/FuzzParseScan.
func FuzzParseScan(f *testing.F) {
	for _, tc := range scanCases {
		f.Add(tc.scan)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		ids, err := ParseScan(raw)

		if len(ids) == 0 {
			require.Nil(t, ids, "no identifiers is nil, not empty")
			require.Error(t, err, "a scan with nothing usable says why")
		}
		requireKnownErrors(t, err)
		seen := make(map[Identifier]bool)
		for _, id := range ids {
			require.False(t, seen[id], "duplicate %v", id)
			seen[id] = true
			requireWellFormed(t, id)
			requireRoundTrip(t, id)
		}
		requireLabelledLinesRoundTrip(t, ids)

		again, againErr := ParseScan(raw)
		require.Equal(t, ids, again, "deterministic")
		require.Equal(t, errString(err), errString(againErr), "deterministic")
	})
}

// requireKnownErrors checks that every error ParseScan joins is one the
// bench can explain: a sentinel, a *ScanError or a *CheckDigitError.
func requireKnownErrors(t *testing.T, err error) {
	t.Helper()
	if err == nil || errors.Is(err, ErrEmptyScan) || errors.Is(err, ErrScanTooLong) || errors.Is(err, ErrNoIdentifier) {
		return
	}
	for _, leaf := range errorLeaves(err) {
		var se *ScanError
		var cde *CheckDigitError
		switch {
		case errors.As(leaf, &se):
			require.NotEmpty(t, se.Reason)
		case errors.As(leaf, &cde):
			require.NotEqual(t, cde.Got, cde.Want, "a check digit error has a wrong digit")
			require.True(t, strings.HasSuffix(cde.Value, cde.Got))
		default:
			t.Fatalf("unexplained error %T: %v", leaf, leaf)
		}
	}
}

// errorLeaves returns the errors errors.Join combined into err.
func errorLeaves(err error) []error {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var leaves []error
		for _, e := range joined.Unwrap() {
			leaves = append(leaves, errorLeaves(e)...)
		}
		return leaves
	}
	return []error{err}
}

// requireWellFormed checks an identifier's value has its kind's shape.
func requireWellFormed(t *testing.T, id Identifier) {
	t.Helper()
	v := id.Value
	require.NotEmpty(t, v)
	require.Equal(t, -1, strings.IndexFunc(v, isNotUpperAlnum), "%v: letters and digits only, upper case: no spaces or control characters", id)
	switch id.Kind {
	case KindIMEI:
		require.Len(t, v, 15, "%v", id)
		require.True(t, LuhnValid(v), "%v", id)
	case KindMEID:
		require.Len(t, v, 14, "%v", id)
		require.True(t, isHex(v), "%v", id)
	case KindESN:
		require.Len(t, v, 8, "%v", id)
		require.True(t, isHex(v), "%v", id)
	case KindEID:
		require.True(t, EIDCheckValid(v), "%v", id)
	case KindEAN13:
		require.Len(t, v, 13, "%v", id)
		require.True(t, GS1CheckValid(v), "%v", id)
	case KindUPCA:
		require.Len(t, v, 12, "%v", id)
		require.True(t, GS1CheckValid(v), "%v", id)
	case KindSerial:
		require.GreaterOrEqual(t, len(v), minLabelledSerialLen, "%v", id)
		require.LessOrEqual(t, len(v), maxSerialLen, "%v", id)
		require.False(t, isLabelWord(v), "%v: a label word is never a serial", id)
	default:
		t.Fatalf("unknown kind in %v", id)
	}
}

func isNotUpperAlnum(c rune) bool { return !('0' <= c && c <= '9') && !('A' <= c && c <= 'Z') }

// roundTripLabels are the roundTripLabels the round trips put before a value of each kind.
var roundTripLabels = map[IdentKind]string{
	KindIMEI:   "IMEI: ",
	KindMEID:   "MEID: ",
	KindESN:    "ESN: ",
	KindEID:    "EID: ",
	KindEAN13:  "EAN: ",
	KindUPCA:   "UPC: ",
	KindSerial: "S/N: ",
}

// requireRoundTrip checks that an identifier's value, labelled with its
// kind, parses back to exactly that identifier, and alone too when the
// value's shape leaves no doubt. It does not for:
//   - serials, which may have any other kind's shape (S/N: 356938035643809)
//     or, letters only, need their label to be taken for a serial at all;
//   - ESNs, whose 8 hex digits are a serial when unlabelled;
//   - MEIDs starting with a digit, which unlabelled may as well be a serial
//     or an IMEI without its check digit.
func requireRoundTrip(t *testing.T, id Identifier) {
	t.Helper()
	requireParsesTo(t, roundTripLabels[id.Kind]+id.Value, []Identifier{id})
	switch id.Kind {
	case KindIMEI, KindEID, KindEAN13, KindUPCA:
		requireParsesTo(t, id.Value, []Identifier{id})
	case KindMEID:
		if id.Value[0] >= 'A' {
			requireParsesTo(t, id.Value, []Identifier{id})
		}
	}
}

// requireLabelledLinesRoundTrip checks that the identifiers, each labelled
// on a line of its own, parse back to the same identifiers in order.
func requireLabelledLinesRoundTrip(t *testing.T, ids []Identifier) {
	t.Helper()
	if len(ids) == 0 {
		return
	}
	var lines []string
	for _, id := range ids {
		lines = append(lines, roundTripLabels[id.Kind]+id.Value)
	}
	if scan := strings.Join(lines, "\r\n"); len(scan) <= MaxScanLen {
		requireParsesTo(t, scan, ids)
	}
}

func requireParsesTo(t *testing.T, scan string, want []Identifier) {
	t.Helper()
	got, err := ParseScan(scan)
	require.NoError(t, err, "%q", scan)
	require.Equal(t, want, got, "%q", scan)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
