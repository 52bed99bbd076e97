package wire_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
)

// TestPulledHandLinksAreChecked validates trade-ins whose receipt was
// linked by hand, as a bench pulls them: a label's separators in the scan
// are fine, what the contract bounds is not.
func TestPulledHandLinksAreChecked(t *testing.T) {
	imei := "358240051111110"
	tests := []struct {
		name string
		link intake.HandLink
		want string
	}{
		{"a scan with a label's separators", intake.HandLink{Scan: "]C0" + imei + "\x1dS/N F17XQ9Z1HG7K", Reason: "slip",
			Identifiers: []intake.Identifier{{Kind: intake.KindIMEI, Value: imei}}}, ""},
		{"no scan", intake.HandLink{Reason: "slip"}, "no scan"},
		{"a scan too long", intake.HandLink{Scan: strings.Repeat("9", intake.MaxScanLen+1), Reason: "slip"}, "scan is longer"},
		{"a scan that is not text", intake.HandLink{Scan: "\xff\xfe", Reason: "slip"}, "not UTF-8"},
		{"no reason", intake.HandLink{Scan: imei, Reason: " "}, "no reason"},
		{"a reason on two lines", intake.HandLink{Scan: imei, Reason: "a\nb"}, "control characters"},
		{"a reason too long", intake.HandLink{Scan: imei, Reason: strings.Repeat("x", intake.MaxReasonLen+1)}, "reason is longer"},
		{"too many identifiers", intake.HandLink{Scan: imei, Reason: "slip",
			Identifiers: make([]intake.Identifier, wire.MaxLinkIdentifiers+1)}, "identifiers, more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			link := tt.link
			ti := intake.TradeIn{ID: "ti-1", Reference: "TI-1", Status: intake.StatusReceived, IMEI: "356938035643809",
				UpdatedAt: time.Now(), Receipt: &intake.Receipt{TradeInID: "ti-1", IMEI: imei, Operator: "op", Bench: "b", At: time.Now(), Link: &link}}
			err := wire.ValidateTradeIn(ti)
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.want)
		})
	}
}
