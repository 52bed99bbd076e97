package intake

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
)

// IdentKind names what an identifier on a device or its box is.
type IdentKind string

const (
	KindIMEI   IdentKind = "imei"   // 15 digits, Luhn check digit
	KindMEID   IdentKind = "meid"   // 14 hex digits (CDMA)
	KindESN    IdentKind = "esn"    // 8 hex digits (old CDMA)
	KindEID    IdentKind = "eid"    // 32 digits, eSIM
	KindEAN13  IdentKind = "ean13"  // box barcode, never a device identity
	KindUPCA   IdentKind = "upca"   // box barcode, never a device identity
	KindSerial IdentKind = "serial" // manufacturer serial number
)

// Identifier is one typed, normalised identifier read from a scan.
type Identifier struct {
	Kind  IdentKind `json:"kind"`
	Value string    `json:"value"`
}

// DeviceIdentity reports whether the identifier names one device (an IMEI,
// MEID, ESN, EID or serial), unlike a product barcode shared by every box
// or a unit label, which names what this bench made of a device.
func (id Identifier) DeviceIdentity() bool {
	return id.Kind != KindEAN13 && id.Kind != KindUPCA && id.Kind != KindUnit && id.Kind != ""
}

// KindUnit is the id on a unit label this bench printed: "U-" and 16
// digits, the last a Luhn check digit. It names a unit, not a device: it
// finds no trade-in by the device's identity, only the unit it labels.
const KindUnit IdentKind = "unit"

// unitIDPrefix marks a unit id. The dash keeps unit ids apart from serial
// numbers, which never hold one, so no serial is ever read as a unit.
const unitIDPrefix = "U-"

// unitIDDigits is how many digits follow the prefix: 15 drawn from the
// receipt's key (about 50 bits, so a million units collide with odds of
// 1 in 2,000) and a check digit for ids typed by hand. An even count lets
// Code 128 print them as 8 digit pairs: the barcode fits a 2-inch label at
// 203 dpi with bars of 2 dots.
const unitIDDigits = 16

// UnitIDFor returns the unit id of the unit recorded under key (its
// receipt's or its quarantine's event key). It is derived, not drawn, so
// every reprint of a unit's label and every bench that computes it again
// gets the same id without storing it first.
func UnitIDFor(key string) string {
	sum := sha256.Sum256([]byte("intakebench unit " + key))
	n := binary.BigEndian.Uint64(sum[:8]) % 1_000_000_000_000_000
	body := fmt.Sprintf("%015d", n)
	return unitIDPrefix + body + string(luhnDigit(body, 10))
}

// ParseUnitID reads a unit id in either case, as scanned or typed. ok is
// false when s is not shaped as one; a unit id whose check digit is wrong
// is a *CheckDigitError.
func ParseUnitID(s string) (id Identifier, ok bool, err error) {
	if len(s) != len(unitIDPrefix)+unitIDDigits || !strings.EqualFold(s[:len(unitIDPrefix)], unitIDPrefix) {
		return Identifier{}, false, nil
	}
	digits := s[len(unitIDPrefix):]
	if !isDecimal(digits) {
		return Identifier{}, false, nil
	}
	v := unitIDPrefix + digits
	if want := luhnDigit(digits[:unitIDDigits-1], 10); digits[unitIDDigits-1] != want {
		return Identifier{}, true, &CheckDigitError{Kind: KindUnit, Value: v, Got: digits[unitIDDigits-1:], Want: string(want)}
	}
	return Identifier{Kind: KindUnit, Value: v}, true, nil
}
