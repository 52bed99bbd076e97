package intake

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// unitA is UnitIDFor("0b9f3e2a-1c4d-4e5f-8a6b-7c8d9e0f1a2b"), worked out
// apart from this code (SHA-256 of the prefixed key, the first 8 bytes
// modulo 10^15, then the Luhn digit).
const unitA = "U-5936715130527394"

func TestUnitIDFor(t *testing.T) {
	tests := []struct{ key, want string }{
		{"0b9f3e2a-1c4d-4e5f-8a6b-7c8d9e0f1a2b", unitA},
		{"key-1", "U-0068609408775028"}, // leading zeros kept: always 16 digits
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			assert.Equal(t, tt.want, UnitIDFor(tt.key))
			assert.Equal(t, tt.want, UnitIDFor(tt.key), "the same key gives the same id again")
		})
	}
	assert.NotEqual(t, UnitIDFor("key-1"), UnitIDFor("key-2"))
}

func TestParseUnitID(t *testing.T) {
	tests := []struct {
		in      string
		want    Identifier
		ok      bool
		wantErr string
	}{
		{in: unitA, want: Identifier{Kind: KindUnit, Value: unitA}, ok: true},
		{in: "u-5936715130527394", want: Identifier{Kind: KindUnit, Value: unitA}, ok: true},
		{in: "U-5936715130527395", ok: true, wantErr: "U-5936715130527395: unit id check digit is 5, expected 4"},
		{in: "U-593671513052739"},   // 15 digits
		{in: "U-59367151305273944"}, // 17 digits
		{in: "U-593671513052739A"},
		{in: "X-5936715130527394"},
		{in: "U5936715130527394"},
		{in: ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			id, ok, err := ParseUnitID(tt.in)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, id)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
		})
	}
}

func TestParseScanReadsUnitLabels(t *testing.T) {
	unit := Identifier{Kind: KindUnit, Value: unitA}
	tests := []struct {
		name    string
		scan    string
		want    []Identifier
		wantErr string
	}{
		{"as a Code 128 scanner sends it", unitA + "\r", []Identifier{unit}, ""},
		{"with the AIM identifier of Code 128", "]C0" + unitA, []Identifier{unit}, ""},
		{"typed in lower case", "  u-5936715130527394 ", []Identifier{unit}, ""},
		{"beside an IMEI", unitA + "\t" + imeiA, []Identifier{unit, idIMEI(imeiA)}, ""},
		{"under an unknown key", "unit: " + unitA, []Identifier{unit}, ""},
		{"a wrong check digit", "U-5936715130527390", nil, "U-5936715130527390: unit id check digit is 0, expected 4"},
		{"a serial that merely starts with U stays a serial", "U5936715130527394", []Identifier{idSerial("U5936715130527394")}, ""},
		{"labelled as a serial it is no serial", "S/N " + unitA, nil, `"U-5936715130527394": not an identifier: '-' is not a letter or digit`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, err := ParseScan(tt.scan)
			assert.Equal(t, tt.want, ids)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
		})
	}
}

func TestUnitIDIsNoDeviceIdentity(t *testing.T) {
	assert.False(t, Identifier{Kind: KindUnit, Value: unitA}.DeviceIdentity())
	assert.True(t, Identifier{Kind: KindIMEI, Value: imeiA}.DeviceIdentity())
}
