package intake

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxScanLen is the longest scan ParseScan reads, in bytes. No barcode on a
// phone or its box comes near it: a longer input is a stuck key or a paste
// of something else, so it is refused whole rather than cut short.
const MaxScanLen = 4096

var (
	// ErrEmptyScan is returned for a scan of nothing but spaces and
	// control characters.
	ErrEmptyScan = errors.New("empty scan")
	// ErrScanTooLong is returned, wrapped with the length, for a scan
	// longer than MaxScanLen.
	ErrScanTooLong = errors.New("scan too long")
	// ErrNoIdentifier is returned for a scan that holds text but no
	// identifier and nothing wrong either, such as only a model number.
	ErrNoIdentifier = errors.New("no identifier in scan")
)

// CheckDigitError reports a number of the right length for its kind whose
// check digit disagrees with its other digits. That is almost always a
// misread or mistyped digit, so the number must not be used as it stands.
type CheckDigitError struct {
	Kind  IdentKind // KindIMEI, KindMEID, KindEID, KindEAN13 or KindUPCA
	Value string    // the number as read, check digit(s) included
	Got   string    // the check digit(s) the number ends with
	Want  string    // the check digit(s) its other digits call for
}

func (e *CheckDigitError) Error() string {
	if len(e.Got) > 1 {
		return fmt.Sprintf("%s: %s check digits are %s, expected %s", e.Value, kindName(e.Kind), e.Got, e.Want)
	}
	return fmt.Sprintf("%s: %s check digit is %s, expected %s", e.Value, kindName(e.Kind), e.Got, e.Want)
}

// ScanError reports a part of a scan that is not a usable identifier.
type ScanError struct {
	Part   string    // the offending text, upper-cased if it is letters and digits
	Kind   IdentKind // the kind its label asked for, if it named exactly one
	Reason string    // why it is not usable
}

func (e *ScanError) Error() string { return fmt.Sprintf("%q: %s", e.Part, e.Reason) }

func kindName(k IdentKind) string {
	switch k {
	case KindIMEI, KindMEID, KindESN, KindEID:
		return strings.ToUpper(string(k))
	case KindEAN13:
		return "EAN-13"
	case KindUPCA:
		return "UPC-A"
	case KindSerial:
		return "serial number"
	case KindUnit:
		return "unit id"
	}
	return string(k)
}

// ParseScan reads what a barcode scanner sent and returns every identifier
// in it, typed and normalised, in the order they appear, without duplicates.
//
// It may return identifiers and a non-nil error together. The identifiers
// are good; the error, an errors.Join of *ScanError and *CheckDigitError
// values, says what was wrong with the parts that could not be used, so the
// bench can show it while keeping what was read. With nothing usable it
// returns nil identifiers and an error: ErrEmptyScan, ErrScanTooLong
// (wrapped), ErrNoIdentifier or the joined errors.
//
// A scan is one or more barcodes separated by CR, LF or TAB. Each may begin
// with an AIM symbology identifier (see SplitSymbology), which is dropped
// but says how to read the data:
//
//   - GS1 symbologies (]C1, ]d2, ]Q3, ]e0), and data without an AIM
//     identifier that starts with AI (01) and a checked GTIN and goes on,
//     are GS1 element strings: (01) is
//     the box's EAN-13 or UPC-A, (21) a serial number, (8002) a mobile
//     identity, and other AIs are read past.
//   - An ISO/IEC 15434 envelope ("[)>" RS) is read per format: 05 as GS1
//     element strings, 06 by data identifier (S is a serial number, nS
//     keeps only self-checking identifiers, others are read past).
//   - EAN/UPC symbologies (]E0, ]E3 with its add-on dropped) hold a product
//     code.
//   - Anything else is text: GS, RS, FS, US and EOT separate fields; other
//     control characters are dropped; labels such as "IMEI 1:", "S/N",
//     "MEID HEX" or "Serial No." (any case, colon optional, also as
//     key=value or JSON-ish pairs split by ';', ',', '|' or '&') say what
//     the next value is; digits printed in groups ("35 693803 564380 9",
//     "35-693803-564380-9") are joined only in the layouts those numbers
//     are printed in.
//
// A labelled value must be of its label's kind or it is an error; model
// and part numbers are read past. A value under an unknown key is kept only
// when it checks itself (not a serial). Unlabelled values go by shape:
//
//   - 15 digits are an IMEI; with a wrong check digit they are a
//     *CheckDigitError, never a serial.
//   - 16 digits are an IMEISV, returned as its IMEI.
//   - 14 digits are an IMEI only labelled IMEI, an MEID labelled MEID or
//     IMEI/MEID (the MEID of a dual-mode phone is its IMEI without the check
//     digit); unlabelled they are a serial, as they could be either.
//   - 13 and 12 digits with a good GS1 check digit are an EAN-13 or UPC-A;
//     otherwise a serial, unless labelled EAN or UPC.
//   - 14 hex digits (15 with a good check digit) starting A-F, the range
//     MEIDs are issued from, are an MEID; 8 hex digits are an ESN only when
//     labelled.
//   - 32 digits are an EID, checked mod 97.
//   - "U-" and 16 digits, the last a Luhn check digit, are the id of a
//     unit label this bench printed (see UnitIDFor); with a wrong check
//     digit they are a *CheckDigitError.
//   - Anything else of 5 to 20 letters and digits, with at least one
//     digit, is a serial number. A word without digits is text, never an
//     unlabelled serial, and no label word is ever a serial. Labelled,
//     a serial number may have 3 to 20 letters and digits, digits or not.
func ParseScan(raw string) ([]Identifier, error) {
	if len(raw) > MaxScanLen {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrScanTooLong, len(raw), MaxScanLen)
	}
	if strings.TrimFunc(raw, isBlank) == "" {
		return nil, ErrEmptyScan
	}
	var r scanResult
	for _, line := range strings.FieldsFunc(raw, isBarcodeSeparator) {
		r.parseBarcode(line)
	}
	return r.result()
}

// scanResult gathers what one scan gave, in order.
type scanResult struct {
	ids  []Identifier
	seen map[Identifier]bool
	errs []error
}

func (r *scanResult) add(id Identifier) {
	if r.seen[id] {
		return
	}
	if r.seen == nil {
		r.seen = make(map[Identifier]bool)
	}
	r.seen[id] = true
	r.ids = append(r.ids, id)
}

func (r *scanResult) fail(err error) { r.errs = append(r.errs, err) }

// read classifies one value under hint h and records what it gave.
func (r *scanResult) read(value string, h valueHint) {
	id, err := classify(value, h)
	r.record(id, err, h)
}

func (r *scanResult) record(id Identifier, err error, h valueHint) {
	switch {
	case h == hintKeyed && (err != nil || id.Kind == KindSerial):
		// An unknown key vouches for nothing: only an identifier that
		// checks itself is worth keeping, and its errors are noise.
	case err != nil:
		r.fail(err)
	default:
		r.add(id)
	}
}

func (r *scanResult) result() ([]Identifier, error) {
	err := errors.Join(r.errs...)
	if len(r.ids) == 0 {
		if err == nil {
			err = ErrNoIdentifier
		}
		return nil, err
	}
	return r.ids, err
}

// ASCII control characters that structure a scan.
const (
	gs = "\x1d" // group separator: GS1 FNC1, ISO/IEC 15434 data elements
	rs = "\x1e" // record separator: ISO/IEC 15434 formats
)

// isBarcodeSeparator reports whether c ends one barcode of a scan: scanners
// end each with CR, LF or TAB, and a batch of barcodes arrives as one scan.
func isBarcodeSeparator(c rune) bool { return c == '\r' || c == '\n' || c == '\t' }

// isFieldSeparator reports whether c separates fields within one barcode:
// the ASCII information separators and EOT, as GS1 and ISO/IEC 15434 use.
func isFieldSeparator(c rune) bool { return c == '\x04' || ('\x1c' <= c && c <= '\x1f') }

// isStray reports whether c is an invisible character that carries no
// meaning in a scan (NUL, ESC, DEL, a BOM...) and is best dropped.
func isStray(c rune) bool {
	return (unicode.IsControl(c) || unicode.Is(unicode.Cf, c)) &&
		!isFieldSeparator(c) && !isBarcodeSeparator(c)
}

// isBlank reports whether c is invisible: a space or any control character.
func isBlank(c rune) bool {
	return unicode.IsSpace(c) || unicode.IsControl(c) || unicode.Is(unicode.Cf, c)
}

func dropStray(s string) string {
	if strings.IndexFunc(s, isStray) < 0 {
		return s
	}
	return strings.Map(func(c rune) rune {
		if isStray(c) {
			return -1
		}
		return c
	}, s)
}

// SplitSymbology splits the AIM symbology identifier (ISO/IEC 15424) a
// scanner may put in front of a barcode's data, such as "]C0" (Code 128),
// "]E0" (EAN/UPC), "]Q1" (QR) or "]d2" (GS1 DataMatrix), from the data.
// It must be the first three bytes of raw; without one it returns "", raw.
func SplitSymbology(raw string) (symbology, rest string) {
	if len(raw) >= 3 && raw[0] == ']' && isASCIILetter(raw[1]) && isASCIIAlnum(raw[2]) {
		return raw[:3], raw[3:]
	}
	return "", raw
}

// isGS1Symbology reports whether the AIM identifier says the data is a GS1
// element string: GS1-128, GS1 DataMatrix, GS1 QR Code or GS1 DataBar.
func isGS1Symbology(sym string) bool {
	switch sym {
	case "]C1", "]d2", "]Q3", "]e0":
		return true
	}
	return false
}

// isEANSymbology reports whether the AIM identifier says the data is an
// EAN/UPC product code.
func isEANSymbology(sym string) bool { return strings.HasPrefix(sym, "]E") }

func (r *scanResult) parseBarcode(barcode string) {
	sym, data := SplitSymbology(strings.TrimFunc(dropStray(barcode), isBlank))
	switch {
	case isGS1Symbology(sym) || (sym == "" && looksLikeGS1(data)):
		r.parseGS1(data)
	case strings.HasPrefix(data, "[)>"):
		r.parseISO15434(data)
	default:
		for _, field := range strings.FieldsFunc(data, isFieldSeparator) {
			r.parseField(sym, field)
		}
	}
}

// parseField reads one field of a barcode; it may carry its own AIM
// identifier when a scanner joins several barcodes with separators.
func (r *scanResult) parseField(barcodeSym, field string) {
	sym, text := SplitSymbology(strings.TrimSpace(field))
	text = strings.TrimSpace(text)
	if sym == "" {
		sym = barcodeSym
	}
	switch {
	case text == "":
	case isGS1Symbology(sym):
		r.parseGS1(text)
	case isEANSymbology(sym):
		r.parseProductCode(sym, text)
	default:
		r.parseText(text)
	}
}

// parseProductCode reads the data of an EAN/UPC barcode.
func (r *scanResult) parseProductCode(sym, text string) {
	switch sym {
	case "]E1", "]E2":
		return // a 2- or 5-digit add-on alone: a price or issue number
	case "]E3":
		text = dropAddOn(text)
	}
	r.read(text, hintProduct)
}

// dropAddOn drops the 2- or 5-digit add-on an ]E3 barcode appends to its
// UPC-A or EAN-13; the total length says which combination it is.
func dropAddOn(code string) string {
	switch len(code) {
	case 12 + 2, 12 + 5:
		return code[:12]
	case 13 + 2, 13 + 5:
		return code[:13]
	}
	return code
}

// looksLikeGS1 reports whether data is a GS1 element string sent without
// its AIM identifier (most scanners send none by default): AI (01) and a
// GTIN-14 with a good check digit, followed by more data. Exactly 16 digits
// are left to be an IMEISV.
func looksLikeGS1(data string) bool {
	data = strings.TrimLeft(data, gs)
	return len(data) > 16 && strings.HasPrefix(data, "01") &&
		isDecimal(data[2:16]) && GS1CheckValid(data[2:16])
}

// gs1AI describes a GS1 application identifier: how long it is and how to
// find the end of its data.
type gs1AI struct {
	digits int       // length of the AI itself
	fixed  int       // length of its data when fixed, else 0
	max    int       // longest data when variable, ended by GS
	hint   valueHint // what its data is; hintSkip when no identifier
}

// gs1AIs maps an AI, or the first digits of a family of AIs (31 for
// 3100-3199), to its description. Read only.
var gs1AIs = map[string]gs1AI{
	"00":   {2, 18, 0, hintSkip},    // SSCC
	"01":   {2, 14, 0, hintProduct}, // GTIN of the trade item: the box's EAN/UPC
	"02":   {2, 14, 0, hintSkip},    // GTIN of contained items
	"03":   {2, 14, 0, hintSkip},    // GTIN of a made-to-order item
	"10":   {2, 0, 20, hintSkip},    // batch or lot
	"11":   {2, 6, 0, hintSkip},     // production date
	"12":   {2, 6, 0, hintSkip},     // due date
	"13":   {2, 6, 0, hintSkip},     // packaging date
	"15":   {2, 6, 0, hintSkip},     // best before
	"16":   {2, 6, 0, hintSkip},     // sell by
	"17":   {2, 6, 0, hintSkip},     // expiry
	"20":   {2, 2, 0, hintSkip},     // internal product variant
	"21":   {2, 0, 20, hintSerial},  // serial number
	"22":   {2, 0, 20, hintSkip},    // consumer product variant
	"235":  {3, 0, 28, hintSkip},    // third-party serial extension of the GTIN
	"240":  {3, 0, 30, hintSkip},    // additional product identification
	"241":  {3, 0, 30, hintSkip},    // customer part number
	"242":  {3, 0, 6, hintSkip},     // made-to-order variation
	"243":  {3, 0, 20, hintSkip},    // packaging component
	"250":  {3, 0, 30, hintSkip},    // secondary serial number (of a component)
	"251":  {3, 0, 30, hintSkip},    // reference to source entity
	"253":  {3, 0, 30, hintSkip},    // GDTI
	"254":  {3, 0, 20, hintSkip},    // GLN extension
	"255":  {3, 0, 25, hintSkip},    // GCN
	"30":   {2, 0, 8, hintSkip},     // variable count
	"31":   {4, 6, 0, hintSkip},     // 31nn-36nn: measures
	"32":   {4, 6, 0, hintSkip},
	"33":   {4, 6, 0, hintSkip},
	"34":   {4, 6, 0, hintSkip},
	"35":   {4, 6, 0, hintSkip},
	"36":   {4, 6, 0, hintSkip},
	"37":   {2, 0, 8, hintSkip},  // count of trade items
	"390":  {4, 0, 15, hintSkip}, // amounts payable
	"391":  {4, 0, 18, hintSkip},
	"392":  {4, 0, 15, hintSkip},
	"393":  {4, 0, 18, hintSkip},
	"394":  {4, 4, 0, hintSkip},    // coupon discount
	"400":  {3, 0, 30, hintSkip},   // customer's order number
	"401":  {3, 0, 30, hintSkip},   // GINC
	"402":  {3, 17, 0, hintSkip},   // GSIN
	"403":  {3, 0, 30, hintSkip},   // routing code
	"41":   {3, 13, 0, hintSkip},   // 410-417: GLNs
	"420":  {3, 0, 20, hintSkip},   // ship-to postal code
	"421":  {3, 0, 12, hintSkip},   // ship-to postal code with country
	"422":  {3, 3, 0, hintSkip},    // country of origin
	"423":  {3, 0, 15, hintSkip},   // country of initial processing
	"424":  {3, 3, 0, hintSkip},    // country of processing
	"425":  {3, 0, 15, hintSkip},   // country of disassembly
	"426":  {3, 3, 0, hintSkip},    // country of full process chain
	"7001": {4, 13, 0, hintSkip},   // NATO stock number
	"7003": {4, 10, 0, hintSkip},   // expiry date and time
	"7020": {4, 0, 20, hintSkip},   // refurbishment lot
	"7021": {4, 0, 20, hintSkip},   // functional status
	"7022": {4, 0, 20, hintSkip},   // revision status
	"7023": {4, 0, 30, hintSkip},   // GIAI of an assembly
	"8001": {4, 14, 0, hintSkip},   // roll products
	"8002": {4, 0, 20, hintMobile}, // cellular mobile telephone identifier
	"8003": {4, 0, 30, hintSkip},   // GRAI
	"8004": {4, 0, 30, hintSkip},   // GIAI
	"8005": {4, 6, 0, hintSkip},    // price per unit
	"8006": {4, 18, 0, hintSkip},   // ITIP
	"8008": {4, 0, 12, hintSkip},   // production date and time
	"8012": {4, 0, 20, hintSkip},   // software version
	"8020": {4, 0, 25, hintSkip},   // payment slip reference
	"90":   {2, 0, 30, hintSkip},   // mutually agreed
	"91":   {2, 0, 90, hintSkip},   // 91-99: company internal
	"92":   {2, 0, 90, hintSkip},
	"93":   {2, 0, 90, hintSkip},
	"94":   {2, 0, 90, hintSkip},
	"95":   {2, 0, 90, hintSkip},
	"96":   {2, 0, 90, hintSkip},
	"97":   {2, 0, 90, hintSkip},
	"98":   {2, 0, 90, hintSkip},
	"99":   {2, 0, 90, hintSkip},
}

// lookupGS1AI finds the AI data starts with, trying the longest first.
func lookupGS1AI(data string) (gs1AI, bool) {
	for n := min(4, len(data)); n >= 2; n-- {
		if ai, ok := gs1AIs[data[:n]]; ok && len(data) >= ai.digits && isDecimal(data[:ai.digits]) {
			return ai, true
		}
	}
	return gs1AI{}, false
}

// parseGS1 reads a GS1 element string: AIs and their data, variable-length
// data ended by GS. An unknown AI leaves no way to find where its data
// ends, so the rest of the string is reported and not read.
func (r *scanResult) parseGS1(data string) {
	for data = strings.TrimLeft(data, gs); data != ""; data = strings.TrimLeft(data, gs) {
		ai, ok := lookupGS1AI(data)
		if !ok {
			r.fail(&ScanError{Part: data, Reason: "not a known GS1 application identifier; the rest of the barcode is not read"})
			return
		}
		code := data[:ai.digits]
		value, rest, err := ai.cut(code, data[ai.digits:])
		data = rest
		switch {
		case err != nil:
			r.fail(err)
		case ai.hint != hintSkip:
			r.read(value, ai.hint)
		}
	}
}

// cut splits the data of AI code from what follows it.
func (ai gs1AI) cut(code, data string) (value, rest string, err error) {
	if ai.fixed > 0 {
		if len(data) < ai.fixed {
			return "", "", &ScanError{Part: code + data, Reason: fmt.Sprintf("GS1 AI (%s) needs %d characters of data", code, ai.fixed)}
		}
		return data[:ai.fixed], data[ai.fixed:], nil
	}
	end := strings.Index(data, gs)
	if end < 0 {
		end = len(data)
	}
	value, rest = data[:end], data[end:]
	if len(value) == 0 || len(value) > ai.max {
		return "", rest, &ScanError{Part: code + value, Reason: fmt.Sprintf("GS1 AI (%s) takes 1 to %d characters of data", code, ai.max)}
	}
	return value, rest, nil
}

// parseISO15434 reads an ISO/IEC 15434 message: "[)>" RS, then formats
// each made of a two-digit format indicator and data elements separated
// by GS, each format ended by RS, the message by EOT.
func (r *scanResult) parseISO15434(data string) {
	data = strings.TrimPrefix(strings.TrimPrefix(data, "[)>"), rs)
	for _, format := range strings.Split(data, rs) {
		elements := strings.FieldsFunc(format, isFieldSeparator)
		var indicator string
		if len(elements) > 0 && len(elements[0]) == 2 && isDecimal(elements[0]) {
			indicator, elements = elements[0], elements[1:]
		}
		for _, element := range elements {
			switch indicator {
			case "05":
				r.parseGS1(element)
			case "06":
				r.parseDataIdentified(element)
			default:
				r.parseText(element)
			}
		}
	}
}

// parseDataIdentified reads an ANSI MH10.8.2 data element: a data
// identifier (up to three digits and a letter) and its data. S is the
// supplier's serial number; the other S identifiers name items in ways
// this bench does not track, so only self-checking identifiers are kept
// from them, and everything else (part numbers, quantities, dates) is read
// past.
func (r *scanResult) parseDataIdentified(element string) {
	element = strings.TrimSpace(element)
	n := 0
	for n < len(element) && n < 3 && isASCIIDigit(element[n]) {
		n++
	}
	if n >= len(element) || element[n] < 'A' || element[n] > 'Z' {
		r.parseText(element)
		return
	}
	di, value := element[:n+1], element[n+1:]
	switch {
	case di == "S":
		r.read(value, hintSerial)
	case strings.HasSuffix(di, "S"):
		r.read(value, hintKeyed)
	}
}

// valueHint is what the context of a value (its label, the barcode's
// symbology, a GS1 AI) says it is.
type valueHint uint8

const (
	hintNone    valueHint = iota // no context: go by shape alone
	hintIMEI                     // IMEI, IMEI 1, IMEI2, IMEISV...
	hintMobile                   // IMEI/MEID, GS1 AI 8002: an IMEI, MEID or ESN
	hintMEID                     // MEID, MEID HEX, MEID DEC
	hintESN                      // ESN
	hintEID                      // EID
	hintProduct                  // EAN, UPC, GTIN, an EAN/UPC barcode
	hintSerial                   // S/N, Serial No., GS1 AI 21...
	hintSkip                     // model and part numbers: read past
	hintKeyed                    // an unknown key: keep only self-checking identifiers
)

// kind is the one kind the hint demands, if it demands exactly one.
func (h valueHint) kind() IdentKind {
	switch h {
	case hintIMEI:
		return KindIMEI
	case hintMEID:
		return KindMEID
	case hintESN:
		return KindESN
	case hintEID:
		return KindEID
	case hintSerial:
		return KindSerial
	}
	return ""
}

// labelHints maps a label, squeezed to upper-case letters and digits
// ("S/N" → SN, "Serial No." → SERIALNO, "IMEI 1" → IMEI1), to its hint.
// Built once, read only.
var labelHints = buildLabelHints()

func buildLabelHints() map[string]valueHint {
	heads := map[string]valueHint{
		"IMEI": hintIMEI, "IMEISV": hintIMEI,
		"IMEIMEID": hintMobile, "MEIDIMEI": hintMobile,
		"MEID": hintMEID, "MEIDHEX": hintMEID, "MEIDDEC": hintMEID,
		"ESN": hintESN, "ESNHEX": hintESN, "ESNDEC": hintESN,
		"EID": hintEID,
		"SN":  hintSerial, "SERIAL": hintSerial,
		"EAN": hintProduct, "EAN13": hintProduct, "UPC": hintProduct, "UPCA": hintProduct, "GTIN": hintProduct,
		"MODEL": hintSkip, "PN": hintSkip, "PART": hintSkip, "MPN": hintSkip, "SKU": hintSkip,
		"ICCID": hintSkip, "LOT": hintSkip, "QTY": hintSkip,
		"COLOR": hintSkip, "COLOUR": hintSkip, "CAPACITY": hintSkip, "STORAGE": hintSkip,
	}
	// Dual-SIM phones number their IMEIs (and MEIDs): IMEI 1, IMEI2.
	indexed := map[string]bool{"IMEI": true, "IMEIMEID": true, "MEID": true}
	labels := make(map[string]valueHint)
	for head, h := range heads {
		indexes := []string{""}
		if indexed[head] {
			indexes = append(indexes, "1", "2")
		}
		for _, index := range indexes {
			for _, suffix := range []string{"", "NO", "NR", "NUM", "NUMBER"} {
				labels[head+index+suffix] = h
			}
		}
	}
	return labels
}

// maxLabelWords is the most words a label spans ("IMEI 1 No.").
const maxLabelWords = 4

// squeeze upper-cases the ASCII letters and digits of s and drops the rest.
func squeeze(s string) string {
	var b strings.Builder
	for i := range len(s) {
		if c := s[i]; isASCIIAlnum(c) {
			b.WriteByte(upperASCII(c))
		}
	}
	return b.String()
}

// isLabelWord reports whether the upper-case word v is itself a label.
func isLabelWord(v string) bool {
	_, ok := labelHints[v]
	return ok
}

// tokenKind sorts the tokens of a text barcode.
type tokenKind uint8

const (
	tokenWord  tokenKind = iota
	tokenColon           // ':' or '=': ends a label or key
	tokenBreak           // ';', ',', '|' or '&': ends a value
)

type token struct {
	kind tokenKind
	text string
}

// isSoftSeparator reports whether c merely separates words: spaces, and
// the quotes and brackets of JSON-ish payloads.
func isSoftSeparator(c rune) bool {
	return unicode.IsSpace(c) || strings.ContainsRune(`"'{}[]()<>`, c)
}

// tokenize splits a text barcode into words, colons and breaks.
func tokenize(text string) []token {
	var tokens []token
	start := -1
	endWord := func(end int) {
		if start >= 0 {
			tokens = append(tokens, token{tokenWord, text[start:end]})
			start = -1
		}
	}
	for i, c := range text {
		switch {
		case isSoftSeparator(c):
			endWord(i)
		case c == ':' || c == '=':
			endWord(i)
			tokens = append(tokens, token{tokenColon, string(c)})
		case strings.ContainsRune(";,|&", c):
			endWord(i)
			tokens = append(tokens, token{tokenBreak, string(c)})
		case start < 0:
			start = i
		}
	}
	endWord(len(text))
	return tokens
}

// textParser reads the tokens of one text barcode.
type textParser struct {
	tokens []token
	out    *scanResult
}

func (r *scanResult) parseText(text string) {
	p := textParser{tokens: tokenize(text), out: r}
	for i := 0; i < len(p.tokens); {
		i = p.item(i)
	}
}

// item reads what starts at token i, a labelled value, a keyed value or a
// bare value, and returns the index after it.
func (p *textParser) item(i int) int {
	if p.tokens[i].kind != tokenWord {
		return i + 1 // a stray colon or break carries nothing
	}
	if hint, n := p.matchLabel(i); n > 0 {
		return p.labelled(i, n, hint)
	}
	if p.keyAt(i) {
		j := p.skipColons(i + 1)
		if !p.valueAt(j) {
			return j
		}
		return p.value(j, hintKeyed)
	}
	return p.value(i, hintNone)
}

// labelAt returns how many words the longest label at token i spans, or 0.
func (p *textParser) labelAt(i int) int {
	_, n := p.matchLabel(i)
	return n
}

func (p *textParser) matchLabel(i int) (valueHint, int) {
	var (
		key   string
		hint  valueHint
		words int
	)
	for n := 1; n <= maxLabelWords && i+n <= len(p.tokens); n++ {
		t := p.tokens[i+n-1]
		if t.kind != tokenWord {
			break
		}
		part := squeeze(t.text)
		switch {
		case part != "":
			key += part
			if h, ok := labelHints[key]; ok {
				hint, words = h, n
			}
		case words == n-1 && words > 0 && strings.Trim(t.text, "#./-_") == "":
			words = n // punctuation after a label is part of it: "Serial #", "IMEI /"
		default:
			return hint, words // "### IMEI" does not start with a label
		}
	}
	return hint, words
}

// keyAt reports whether token i is an unknown key: a word with a letter in
// it, followed by a colon.
func (p *textParser) keyAt(i int) bool {
	return i+1 < len(p.tokens) && p.tokens[i+1].kind == tokenColon &&
		strings.IndexFunc(p.tokens[i].text, unicode.IsLetter) >= 0
}

func (p *textParser) skipColons(i int) int {
	for i < len(p.tokens) && p.tokens[i].kind == tokenColon {
		i++
	}
	return i
}

// valueAt reports whether token i can be a value: a word, not a label.
func (p *textParser) valueAt(i int) bool {
	return i < len(p.tokens) && p.tokens[i].kind == tokenWord && p.labelAt(i) == 0
}

// labelled reads the n-word label at token i and the value it labels.
func (p *textParser) labelled(i, n int, hint valueHint) int {
	j := p.skipColons(i + n)
	if p.valueAt(j) {
		return p.value(j, hint)
	}
	if hint != hintSkip {
		var words []string
		for _, t := range p.tokens[i : i+n] {
			words = append(words, t.text)
		}
		p.out.fail(&ScanError{Part: strings.Join(words, " "), Kind: hint.kind(), Reason: "label without a value"})
	}
	return j
}

// value reads the value at token i under hint h and returns the index
// after it. A value is one word, or several words that are the digit
// groups of one number.
func (p *textParser) value(i int, h valueHint) int {
	if i >= len(p.tokens) || p.tokens[i].kind != tokenWord {
		return i
	}
	word := p.tokens[i].text
	if id, ok, err := ParseUnitID(word); ok && (h == hintNone || h == hintKeyed) {
		// A unit label of this bench: its dash is no digit grouping.
		p.out.record(id, err, h)
		return i + 1
	}
	switch {
	case h == hintSkip:
		return i + 1
	case h == hintSerial:
		// Serial numbers are not printed in groups.
	case strings.Contains(word, "-"):
		// Dashes group one number within one word: the groups must
		// make up the whole word.
		groups := strings.Split(word, "-")
		if n, id, err := matchLayout(groups, h); n == len(groups) {
			p.out.record(id, err, h)
			return i + 1
		}
	default:
		if n, id, err := matchLayout(p.groupWords(i), h); n > 0 {
			p.out.record(id, err, h)
			return i + n
		}
	}
	p.out.read(word, h)
	return i + 1
}

// groupWords returns the words from token i on that could be the digit
// groups of one number: words in a row, none of them a label.
func (p *textParser) groupWords(i int) []string {
	var words []string
	for ; i < len(p.tokens) && len(words) < maxGroups; i++ {
		if p.tokens[i].kind != tokenWord || p.labelAt(i) > 0 {
			break
		}
		words = append(words, p.tokens[i].text)
	}
	return words
}

// digitLayout is a way a number is printed in groups, such as an IMEI as
// "35 693803 564380 9", and the kinds of number printed that way.
type digitLayout struct {
	groups []int
	kinds  []IdentKind
}

var (
	imeiKinds     = []IdentKind{KindIMEI}
	imeiMEIDKinds = []IdentKind{KindIMEI, KindMEID}
)

// digitLayouts lists the layouts, those of more groups first so that
// "35 693803 564380 9" is not read as an IMEI body and a stray 9. Read only.
var digitLayouts = []digitLayout{
	{[]int{4, 4, 4, 4, 4, 4, 4, 4}, []IdentKind{KindEID}},
	{[]int{2, 6, 6, 1}, imeiKinds}, // AA-BBBBBB-CCCCCC-D
	{[]int{2, 6, 6, 2}, imeiKinds}, // IMEISV AA-BBBBBB-CCCCCC-EE
	{[]int{6, 2, 6, 1}, imeiKinds}, // pre-2004 TAC-FAC-SNR-CD
	{[]int{6, 2, 6, 2}, imeiKinds},
	{[]int{1, 5, 5, 1}, []IdentKind{KindUPCA}},
	{[]int{5, 5, 4, 4}, []IdentKind{KindMEID}}, // decimal MEID
	{[]int{8, 6, 1}, imeiMEIDKinds},            // TAC-SNR-CD, MEID and check digit
	{[]int{8, 6, 2}, imeiKinds},                // TAC-SNR-SVN
	{[]int{2, 6, 6}, imeiMEIDKinds},            // IMEI body, MEID RR-XXXXXX-ZZZZZZ
	{[]int{6, 2, 6}, imeiMEIDKinds},
	{[]int{1, 6, 6}, []IdentKind{KindEAN13}},
	{[]int{8, 6}, imeiMEIDKinds},
	{[]int{10, 8}, []IdentKind{KindMEID}}, // decimal MEID: manufacturer, serial
	{[]int{3, 8}, []IdentKind{KindESN}},   // decimal ESN: manufacturer, serial
}

// maxGroups is the most groups of any layout.
const maxGroups = 8

// matchLayout reads the leading groups as one number when they fit a
// layout and the joined number, read under h, is of a kind printed that
// way, or fails as one would (a wrong check digit is worth reporting as
// such, not as four bad fragments). It returns how many groups it joined,
// 0 if none, and what the number read as.
func matchLayout(groups []string, h valueHint) (int, Identifier, error) {
	for _, layout := range digitLayouts {
		joined, ok := layout.join(groups)
		if !ok {
			continue
		}
		if id, err := classify(joined, h); layout.accepts(id, err) {
			return len(layout.groups), id, err
		}
	}
	return 0, Identifier{}, nil
}

// join joins the leading groups if they have the layout's lengths and hold
// hex digits only; whether the number may have hex letters is classify's
// to say.
func (l digitLayout) join(groups []string) (string, bool) {
	if len(groups) < len(l.groups) {
		return "", false
	}
	var b strings.Builder
	for i, n := range l.groups {
		if len(groups[i]) != n || !isHex(groups[i]) {
			return "", false
		}
		b.WriteString(groups[i])
	}
	return b.String(), true
}

func (l digitLayout) accepts(id Identifier, err error) bool {
	kind := id.Kind
	if cde := (*CheckDigitError)(nil); errors.As(err, &cde) {
		kind = cde.Kind
	} else if err != nil {
		return false
	}
	return slices.Contains(l.kinds, kind)
}

// classify reads one value, its digit groups already joined, as the kind
// its hint demands, or by its shape when there is no hint.
func classify(raw string, h valueHint) (Identifier, error) {
	if i := strings.IndexFunc(raw, isNotASCIIAlnum); i >= 0 {
		c, _ := utf8.DecodeRuneInString(raw[i:])
		return Identifier{}, &ScanError{Part: raw, Kind: h.kind(), Reason: fmt.Sprintf("not an identifier: %q is not a letter or digit", c)}
	}
	v := strings.ToUpper(raw)
	switch h {
	case hintIMEI:
		return readIMEI(v)
	case hintMobile:
		return readMobile(v)
	case hintMEID:
		return readMEID(v)
	case hintESN:
		return readESN(v)
	case hintEID:
		return readEID(v)
	case hintProduct:
		return readProduct(v)
	case hintSerial:
		return readSerial(v, true)
	}
	return readUnlabelled(v)
}

func notA(kind IdentKind, v, why string) error {
	article := "an"
	if kind == KindSerial || kind == KindUPCA {
		article = "a"
	}
	return &ScanError{Part: v, Kind: kind, Reason: fmt.Sprintf("not %s %s: %s", article, kindName(kind), why)}
}

// readIMEI reads a value labelled IMEI: 15 digits with a good check digit,
// 14 without one, or 16 of an IMEISV.
func readIMEI(v string) (Identifier, error) {
	if !isDecimal(v) {
		return Identifier{}, notA(KindIMEI, v, "an IMEI is all digits")
	}
	switch len(v) {
	case 15:
		return checkedIMEI(v)
	case 14, 16:
		return imeiOf(v[:14]), nil
	}
	return Identifier{}, notA(KindIMEI, v, fmt.Sprintf("%d digits, where an IMEI has 15 (14 without its check digit, 16 as an IMEISV)", len(v)))
}

// checkedIMEI reads 15 digits as an IMEI if its check digit is right.
func checkedIMEI(v string) (Identifier, error) {
	if want := luhnDigit(v[:14], 10); v[14] != want {
		return Identifier{}, &CheckDigitError{Kind: KindIMEI, Value: v, Got: v[14:], Want: string(want)}
	}
	return Identifier{Kind: KindIMEI, Value: v}, nil
}

// imeiOf is the IMEI of a 14-digit body: an IMEISV's software version
// takes the place of the check digit, which is computed again.
func imeiOf(body string) Identifier {
	return Identifier{Kind: KindIMEI, Value: body + string(luhnDigit(body, 10))}
}

// MissingCheckDigit returns the IMEI an unlabelled 14-digit number is
// when it is an IMEI whose check digit was left off (typed from a label
// that prints it apart, or read by a scanner that drops it): the number
// with its Luhn check digit computed. ParseScan reads such a number as a
// serial, as it could be one; a lookup that finds nothing by the serial
// tries this IMEI next. False for any other identifier.
func MissingCheckDigit(id Identifier) (Identifier, bool) {
	if id.Kind != KindSerial || len(id.Value) != 14 || !isDecimal(id.Value) {
		return Identifier{}, false
	}
	return imeiOf(id.Value), true
}

// readMobile reads a value labelled IMEI/MEID (or GS1 AI 8002): an IMEI,
// an MEID or an ESN, told apart by length. 14 decimal digits are read as
// the MEID: a dual-mode phone's MEID is its IMEI without the check digit.
func readMobile(v string) (Identifier, error) {
	switch {
	case isDecimal(v) && (len(v) == 15 || len(v) == 16):
		return readIMEI(v)
	case len(v) == 8 || (len(v) == 11 && isDecimal(v)):
		return readESN(v)
	case len(v) == 14 || len(v) == 15 || len(v) == 18 || len(v) == 19:
		return readMEID(v)
	}
	return Identifier{}, &ScanError{Part: v, Reason: fmt.Sprintf("not an IMEI, MEID or ESN: %d characters", len(v))}
}

// readMEID reads a value labelled MEID: 14 hex digits, 15 with the check
// digit, or the 18-digit decimal form (19 with its check digit).
func readMEID(v string) (Identifier, error) {
	switch {
	case len(v) == 14 && isHex(v):
		return Identifier{Kind: KindMEID, Value: v}, nil
	case len(v) == 15 && isHex(v):
		return checkedMEID(v)
	case len(v) == 19 && isDecimal(v):
		if want := luhnDigit(v[:18], 10); v[18] != want {
			return Identifier{}, &CheckDigitError{Kind: KindMEID, Value: v, Got: v[18:], Want: string(want)}
		}
		return readMEID(v[:18])
	case len(v) == 18 && isDecimal(v):
		hex, ok := decimalToHex(v, 32)
		if !ok {
			return Identifier{}, notA(KindMEID, v, "a decimal MEID's manufacturer code is at most 4294967295 and its serial number at most 16777215")
		}
		return Identifier{Kind: KindMEID, Value: hex}, nil
	}
	return Identifier{}, notA(KindMEID, v, fmt.Sprintf("%d characters, where an MEID has 14 hex digits (15 with its check digit) or 18 decimal digits", len(v)))
}

// checkedMEID reads 15 hex digits as an MEID if its check digit is right.
func checkedMEID(v string) (Identifier, error) {
	want, _ := MEIDCheckDigit(v[:14])
	if v[14] != want {
		return Identifier{}, &CheckDigitError{Kind: KindMEID, Value: v, Got: v[14:], Want: string(want)}
	}
	return Identifier{Kind: KindMEID, Value: v[:14]}, nil
}

// decimalToHex converts the decimal form of an MEID or ESN to hex. The
// decimal form writes the manufacturer code (the MEID's first 32 bits, the
// ESN's first 8) and the 24-bit serial number that follows it each in
// decimal: d is the manufacturer code in its digits, then 8 serial digits.
func decimalToHex(d string, manufacturerBits int) (string, bool) {
	split := len(d) - 8
	manufacturer, err1 := strconv.ParseUint(d[:split], 10, manufacturerBits)
	serial, err2 := strconv.ParseUint(d[split:], 10, 24)
	if err1 != nil || err2 != nil {
		return "", false
	}
	return fmt.Sprintf("%0*X%06X", manufacturerBits/4, manufacturer, serial), true
}

// readESN reads a value labelled ESN: 8 hex digits, or the 11-digit
// decimal form.
func readESN(v string) (Identifier, error) {
	switch {
	case len(v) == 8 && isHex(v):
		return Identifier{Kind: KindESN, Value: v}, nil
	case len(v) == 11 && isDecimal(v):
		hex, ok := decimalToHex(v, 8)
		if !ok {
			return Identifier{}, notA(KindESN, v, "a decimal ESN's manufacturer code is at most 255 and its serial number at most 16777215")
		}
		return Identifier{Kind: KindESN, Value: hex}, nil
	}
	return Identifier{}, notA(KindESN, v, fmt.Sprintf("%d characters, where an ESN has 8 hex digits or 11 decimal digits", len(v)))
}

// readEID reads a value labelled EID: 32 digits passing the mod-97 check.
func readEID(v string) (Identifier, error) {
	if len(v) != 32 || !isDecimal(v) {
		return Identifier{}, notA(KindEID, v, "an EID has 32 digits")
	}
	if !EIDCheckValid(v) {
		return Identifier{}, &CheckDigitError{Kind: KindEID, Value: v, Got: v[30:], Want: eidCheckDigits(v[:30])}
	}
	return Identifier{Kind: KindEID, Value: v}, nil
}

// readProduct reads a value labelled EAN, UPC or GTIN, or read from an
// EAN/UPC barcode or GS1 AI (01): the length says which kind it is.
func readProduct(v string) (Identifier, error) {
	if !isDecimal(v) {
		return Identifier{}, &ScanError{Part: v, Reason: "not an EAN-13 or UPC-A: not all digits"}
	}
	switch len(v) {
	case 14:
		return readGTIN14(v)
	case 13:
		return checkedGS1(v, KindEAN13)
	case 12:
		return checkedGS1(v, KindUPCA)
	}
	return Identifier{}, &ScanError{Part: v, Reason: fmt.Sprintf("not an EAN-13 or UPC-A: %d digits, where an EAN-13 has 13 and a UPC-A 12", len(v))}
}

// readGTIN14 reads a GTIN-14 as the unit barcode it pads: two leading
// zeros pad a UPC-A, one an EAN-13. Any other indicator digit marks a case
// or pack, which is not a unit this bench receives.
func readGTIN14(v string) (Identifier, error) {
	switch {
	case strings.HasPrefix(v, "00"):
		return checkedGS1(v[2:], KindUPCA)
	case v[0] == '0':
		return checkedGS1(v[1:], KindEAN13)
	}
	return Identifier{}, &ScanError{Part: v, Reason: "a GTIN-14 of a case or pack, not the barcode of one unit"}
}

func checkedGS1(v string, kind IdentKind) (Identifier, error) {
	last := len(v) - 1
	if want := gs1Digit(v[:last]); v[last] != want {
		return Identifier{}, &CheckDigitError{Kind: kind, Value: v, Got: v[last:], Want: string(want)}
	}
	return Identifier{Kind: kind, Value: v}, nil
}

// Serial numbers are letters and digits, at most 20 (GS1 AI (21)'s limit;
// Apple's have 10 or 12, Samsung's 11). Unlabelled, shorter than 5 is far
// likelier a fragment, a quantity or a word than a serial; a label vouches
// for shorter ones, down to 3.
const (
	minSerialLen         = 5
	minLabelledSerialLen = 3
	maxSerialLen         = 20
)

// readSerial reads a serial number. Unlabelled, a word without digits is
// text ("MODEL", "Apple"), not a serial.
func readSerial(v string, labelled bool) (Identifier, error) {
	minLen := minSerialLen
	if labelled {
		minLen = minLabelledSerialLen
	}
	switch {
	case len(v) < minLen && !labelled:
		return Identifier{}, &ScanError{Part: v, Reason: "not an identifier: too short"}
	case len(v) < minLen || len(v) > maxSerialLen:
		return Identifier{}, notA(KindSerial, v, fmt.Sprintf("%d characters, where a serial number has %d to %d", len(v), minLen, maxSerialLen))
	case isLabelWord(v):
		return Identifier{}, notA(KindSerial, v, "a label, not a value")
	case !labelled && !strings.ContainsFunc(v, unicode.IsDigit):
		return Identifier{}, &ScanError{Part: v, Reason: "not an identifier: a word without digits (label it S/N if it is a serial number)"}
	}
	return Identifier{Kind: KindSerial, Value: v}, nil
}

// readUnlabelled reads a value by its shape alone; ParseScan's doc comment
// lists the decisions.
func readUnlabelled(v string) (Identifier, error) {
	if isDecimal(v) {
		switch len(v) {
		case 15:
			return checkedIMEI(v)
		case 16:
			return imeiOf(v[:14]), nil
		case 32:
			return readEID(v)
		case 13, 12:
			if GS1CheckValid(v) {
				return readProduct(v)
			}
		}
	} else if isHex(v) && v[0] >= 'A' {
		// MEIDs are issued from regional codes A0-FF; a hex word
		// starting with a digit is far likelier a serial.
		if len(v) == 14 {
			return Identifier{Kind: KindMEID, Value: v}, nil
		}
		if len(v) == 15 {
			if id, err := checkedMEID(v); err == nil {
				return id, nil
			}
		}
	}
	return readSerial(v, false)
}

// LuhnValid reports whether digits, at least two decimal digits, end in
// the right Luhn (ISO/IEC 7812) check digit, as an IMEI does.
func LuhnValid(digits string) bool {
	n := len(digits)
	return n >= 2 && isDecimal(digits) && luhnDigit(digits[:n-1], 10) == digits[n-1]
}

// LuhnCheckDigit returns the Luhn check digit of body, a non-empty string
// of decimal digits, as the ASCII digit to append: body+string(d) passes
// LuhnValid.
func LuhnCheckDigit(body string) (byte, error) {
	if body == "" || !isDecimal(body) {
		return 0, fmt.Errorf("luhn check digit of %q: not a string of decimal digits", body)
	}
	return luhnDigit(body, 10), nil
}

// MEIDCheckDigit returns the check digit of a 14-hex-digit MEID (either
// case) as an upper-case hex digit. An MEID with hex letters uses the Luhn
// formula in base 16; an all-decimal one is an IMEI's first 14 digits and
// takes that IMEI's base-10 check digit.
func MEIDCheckDigit(meid string) (byte, error) {
	if len(meid) != 14 || !isHex(meid) {
		return 0, fmt.Errorf("MEID check digit of %q: not 14 hex digits", meid)
	}
	if isDecimal(meid) {
		return luhnDigit(meid, 10), nil
	}
	return luhnDigit(strings.ToUpper(meid), 16), nil
}

// luhnDigit computes the Luhn check digit of body in base 10 or 16: every
// second digit from the right, starting with the rightmost, is doubled and
// the digits of the product (in that base) added; the check digit brings
// the sum to a multiple of the base. body must hold digits of that base.
func luhnDigit(body string, base int) byte {
	sum := 0
	double := true
	for i := len(body) - 1; i >= 0; i-- {
		d := hexValue(body[i])
		if double {
			d *= 2
			d = d/base + d%base
		}
		sum += d
		double = !double
	}
	return hexDigits[(base-sum%base)%base]
}

// GS1CheckValid reports whether digits, at least two decimal digits, end
// in the right GS1 mod-10 check digit, as a GTIN-8, UPC-A (GTIN-12),
// EAN-13 (GTIN-13), GTIN-14 or SSCC does.
func GS1CheckValid(digits string) bool {
	n := len(digits)
	return n >= 2 && isDecimal(digits) && gs1Digit(digits[:n-1]) == digits[n-1]
}

// gs1Digit computes the GS1 check digit of body: digits weighted 3 and 1
// alternately from the right, starting with 3.
func gs1Digit(body string) byte {
	sum := 0
	weight := 3
	for i := len(body) - 1; i >= 0; i-- {
		sum += int(body[i]-'0') * weight
		weight = 4 - weight
	}
	return hexDigits[(10-sum%10)%10]
}

// EIDCheckValid reports whether eid is 32 decimal digits whose last two
// check the rest: as with an IBAN (ISO 7064 MOD 97-10), the whole number
// modulo 97 is 1.
func EIDCheckValid(eid string) bool {
	return len(eid) == 32 && isDecimal(eid) && mod97(eid) == 1
}

// eidCheckDigits returns the two check digits for the first 30 digits of
// an EID.
func eidCheckDigits(body string) string {
	return fmt.Sprintf("%02d", 98-mod97(body+"00"))
}

func mod97(digits string) int {
	r := 0
	for i := range len(digits) {
		r = (r*10 + int(digits[i]-'0')) % 97
	}
	return r
}

const hexDigits = "0123456789ABCDEF"

// hexValue is the value of the hex digit c, either case.
func hexValue(c byte) int {
	switch {
	case c >= 'a':
		return int(c-'a') + 10
	case c >= 'A':
		return int(c-'A') + 10
	}
	return int(c - '0')
}

func isASCIIDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isASCIILetter(c byte) bool { return ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z') }
func isASCIIAlnum(c byte) bool  { return isASCIIDigit(c) || isASCIILetter(c) }

// isNotASCIIAlnum reports whether c cannot be part of an identifier.
func isNotASCIIAlnum(c rune) bool { return c >= utf8.RuneSelf || !isASCIIAlnum(byte(c)) }

func upperASCII(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

func isDecimal(s string) bool {
	for i := range len(s) {
		if !isASCIIDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func isHex(s string) bool {
	for i := range len(s) {
		if c := upperASCII(s[i]); !isASCIIDigit(c) && (c < 'A' || c > 'F') {
			return false
		}
	}
	return s != ""
}
