package intake

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
// MEID, ESN, EID or serial), unlike a product barcode shared by every box.
func (id Identifier) DeviceIdentity() bool {
	return id.Kind != KindEAN13 && id.Kind != KindUPCA && id.Kind != ""
}
