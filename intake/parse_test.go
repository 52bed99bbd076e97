package intake

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Known-good real-world values. Each is checked by the helper tests below
// before the parse tests rely on it.
const (
	imeiA     = "356938035643809"                  // Luhn-valid IMEI
	imeiA2    = "356938035643817"                  // the same TAC, next serial
	imeiABody = "35693803564380"                   // imeiA without its check digit
	imeiASV   = "3569380356438012"                 // IMEISV of imeiA, software version 12
	imeiWiki  = "490154203237518"                  // the IMEI of Wikipedia's Luhn example
	eanApple  = "0190198001795"                    // EAN-13 on an Apple box
	ean4006   = "4006381333931"                    // EAN-13 (Stabilo)
	upcCoke   = "036000291452"                     // UPC-A
	meidA     = "A0000000002329"                   // MEID, check digit 9 (base 16)
	meidA9    = "A00000000023299"                  // meidA and its check digit
	meidADec  = "268435456000009001"               // meidA in decimal form: A0000000→2684354560, 002329→00009001
	eidGSMA   = "89049032123451234512345678901235" // EID passing the mod-97 check
	appleSN   = "F2LXK0ABHG7F"                     // 12-character Apple serial
	samsungSN = "R58N12ABCDE"                      // 11-character Samsung-style serial
)

func idIMEI(v string) Identifier   { return Identifier{Kind: KindIMEI, Value: v} }
func idMEID(v string) Identifier   { return Identifier{Kind: KindMEID, Value: v} }
func idESN(v string) Identifier    { return Identifier{Kind: KindESN, Value: v} }
func idEID(v string) Identifier    { return Identifier{Kind: KindEID, Value: v} }
func idEAN13(v string) Identifier  { return Identifier{Kind: KindEAN13, Value: v} }
func idUPCA(v string) Identifier   { return Identifier{Kind: KindUPCA, Value: v} }
func idSerial(v string) Identifier { return Identifier{Kind: KindSerial, Value: v} }

// withLuhn appends the Luhn check digit to body.
func withLuhn(t *testing.T, body string) string {
	t.Helper()
	d, err := LuhnCheckDigit(body)
	require.NoError(t, err)
	return body + string(d)
}

func TestReferenceValues(t *testing.T) {
	for _, v := range []string{imeiA, imeiA2, imeiWiki} {
		assert.True(t, LuhnValid(v), v)
	}
	assert.Equal(t, imeiA, withLuhn(t, imeiABody))
	assert.Equal(t, imeiABody, imeiASV[:14])
	for _, v := range []string{eanApple, ean4006, upcCoke} {
		assert.True(t, GS1CheckValid(v), v)
	}
	d, err := MEIDCheckDigit(meidA)
	require.NoError(t, err)
	assert.Equal(t, meidA9, meidA+string(d))
	assert.True(t, EIDCheckValid(eidGSMA))
}

// scanCase is one scan and what ParseScan must make of it.
type scanCase struct {
	name string
	scan string
	want []Identifier
	// errs are substrings the error must contain, each; none means no error.
	errs []string
}

// scanCases are real-world scans; FuzzParseScan seeds from them too.
var scanCases = []scanCase{
	// One barcode, the way scanners send it.
	{name: "bare IMEI", scan: imeiA, want: []Identifier{idIMEI(imeiA)}},
	{name: "Wikipedia IMEI", scan: imeiWiki, want: []Identifier{idIMEI(imeiWiki)}},
	{name: "Code 128 AIM prefix and CRLF", scan: "]C0" + imeiA + "\r\n", want: []Identifier{idIMEI(imeiA)}},
	{name: "QR AIM prefix", scan: "]Q1" + appleSN, want: []Identifier{idSerial(appleSN)}},
	{name: "Code 39 AIM prefix", scan: "]A0" + samsungSN + "\r", want: []Identifier{idSerial(samsungSN)}},
	{name: "DataMatrix AIM prefix", scan: "]d1IMEI: " + imeiA, want: []Identifier{idIMEI(imeiA)}},
	{name: "surrounding spaces", scan: "   " + imeiA + "  \n", want: []Identifier{idIMEI(imeiA)}},

	// Labels.
	{name: "IMEI1 IMEI2 S/N on one line", scan: "IMEI1: " + imeiA + " IMEI2: " + imeiA2 + " S/N: " + appleSN,
		want: []Identifier{idIMEI(imeiA), idIMEI(imeiA2), idSerial(appleSN)}},
	{name: "IMEI 1 and IMEI 2 with spaces", scan: "IMEI 1: " + imeiA + "  IMEI 2: " + imeiA2,
		want: []Identifier{idIMEI(imeiA), idIMEI(imeiA2)}},
	{name: "roundTripLabels without colons", scan: "IMEI " + imeiA + " IMEI2 " + imeiA2 + " SN " + appleSN,
		want: []Identifier{idIMEI(imeiA), idIMEI(imeiA2), idSerial(appleSN)}},
	{name: "mixed-case roundTripLabels and lower-case serial", scan: "imei 1: " + imeiA + " Imei2: " + imeiA2 + " s/n: " + strings.ToLower(appleSN),
		want: []Identifier{idIMEI(imeiA), idIMEI(imeiA2), idSerial(appleSN)}},
	{name: "Serial No.", scan: "Serial No.: " + appleSN, want: []Identifier{idSerial(appleSN)}},
	{name: "SERIAL NUMBER", scan: "SERIAL NUMBER " + appleSN, want: []Identifier{idSerial(appleSN)}},
	{name: "Serial #", scan: "Serial #: " + appleSN, want: []Identifier{idSerial(appleSN)}},
	{name: "S/N makes digits a serial", scan: "S/N: " + imeiA, want: []Identifier{idSerial(imeiA)}},
	{name: "S/N letters only", scan: "S/N: ABCDEFGH", want: []Identifier{idSerial("ABCDEFGH")}},
	{name: "IMEI/MEID with an IMEI", scan: "IMEI/MEID: " + imeiA, want: []Identifier{idIMEI(imeiA)}},
	{name: "IMEI/MEID with 14 digits is the MEID", scan: "IMEI/MEID: " + imeiABody, want: []Identifier{idMEID(imeiABody)}},
	{name: "model and part numbers are read past", scan: "MODEL: A2633 P/N MLPF3LL/A S/N " + appleSN,
		want: []Identifier{idSerial(appleSN)}},
	{name: "only a model number", scan: "Model No. A2633", errs: []string{"no identifier in scan"}},
	{name: "label without a value", scan: "IMEI: \r\nS/N: " + appleSN,
		want: []Identifier{idSerial(appleSN)}, errs: []string{`"IMEI": label without a value`}},
	{name: "IMEI label on a non-IMEI", scan: "IMEI: 12345",
		errs: []string{`"12345": not an IMEI: 5 digits, where an IMEI has 15`}},
	{name: "IMEI label on letters", scan: "IMEI: " + appleSN, errs: []string{"not an IMEI: an IMEI is all digits"}},
	{name: "S/N label on a label word", scan: "S/N: IMEI2 " + imeiA2,
		want: []Identifier{idIMEI(imeiA2)}, errs: []string{`"S/N": label without a value`}},
	{name: "short labelled serial", scan: "S/N: SN1", want: []Identifier{idSerial("SN1")}},
	{name: "serial too short", scan: "S/N: A1", errs: []string{`"A1": not a serial number: 2 characters, where a serial number has 3 to 20`}},
	{name: "serial too long", scan: "SN: ABCDEFGHIJ0123456789X", errs: []string{"not a serial number: 21 characters"}},

	// Digits printed in groups.
	{name: "IMEI in 2-6-6-1 groups", scan: "35 693803 564380 9", want: []Identifier{idIMEI(imeiA)}},
	{name: "IMEI in dashed groups", scan: "IMEI: 35-693803-564380-9", want: []Identifier{idIMEI(imeiA)}},
	{name: "IMEI in TAC-SNR-CD groups", scan: "IMEI 35693803 564380 9", want: []Identifier{idIMEI(imeiA)}},
	{name: "two grouped IMEIs", scan: "IMEI 1: 35 693803 564380 9  IMEI 2: 35-693803-564381-7",
		want: []Identifier{idIMEI(imeiA), idIMEI(imeiA2)}},
	{name: "grouped IMEI with a wrong check digit", scan: "IMEI: 35 693803 564380 8",
		errs: []string{"356938035643808: IMEI check digit is 8, expected 9"}},
	{name: "grouped IMEISV", scan: "IMEISV 35-693803-564380-12", want: []Identifier{idIMEI(imeiA)}},
	{name: "grouped UPC-A", scan: "0 36000 29145 2", want: []Identifier{idUPCA(upcCoke)}},
	{name: "grouped EAN-13", scan: "0 190198 001795", want: []Identifier{idEAN13(eanApple)}},
	{name: "grouped MEID", scan: "A0000000 002329", want: []Identifier{idMEID(meidA)}},
	{name: "grouped EID", scan: "EID 8904 9032 1234 5123 4512 3456 7890 1235", want: []Identifier{idEID(eidGSMA)}},
	{name: "groups that fit no layout are separate values", scan: "123456 654321",
		want: []Identifier{idSerial("123456"), idSerial("654321")}},

	// Several values without roundTripLabels.
	{name: "box label line", scan: imeiA + " " + imeiA2 + " " + eanApple,
		want: []Identifier{idIMEI(imeiA), idIMEI(imeiA2), idEAN13(eanApple)}},
	{name: "doubled spaces and tabs", scan: imeiA + "  \t " + appleSN + "\t\t" + upcCoke,
		want: []Identifier{idIMEI(imeiA), idSerial(appleSN), idUPCA(upcCoke)}},
	{name: "batch of barcodes with AIM prefixes", scan: "]C0" + imeiA + "\r\n]C0" + appleSN + "\r\n]E0" + eanApple + "\r\n",
		want: []Identifier{idIMEI(imeiA), idSerial(appleSN), idEAN13(eanApple)}},

	// Separators and control characters.
	{name: "GS-separated box label", scan: "]C0IMEI1 " + imeiA + "\x1dIMEI2 " + imeiA2 + "\x1dS/N " + appleSN + "\x1dEAN " + eanApple,
		want: []Identifier{idIMEI(imeiA), idIMEI(imeiA2), idSerial(appleSN), idEAN13(eanApple)}},
	{name: "GS RS EOT separators", scan: imeiA + "\x1d" + imeiA2 + "\x1e" + appleSN + "\x04",
		want: []Identifier{idIMEI(imeiA), idIMEI(imeiA2), idSerial(appleSN)}},
	{name: "AIM prefix on each field", scan: "]C0" + imeiA + "\x1d]E0" + eanApple,
		want: []Identifier{idIMEI(imeiA), idEAN13(eanApple)}},
	{name: "stray NUL ESC DEL and BOM", scan: "\ufeffIMEI\x00: \x1b" + imeiA[:7] + "\x00" + imeiA[7:] + "\x7f",
		want: []Identifier{idIMEI(imeiA)}},
	{name: "STX before the AIM prefix", scan: "\x02]C0" + imeiA + "\x03", want: []Identifier{idIMEI(imeiA)}},
	{name: "CRLF-terminated lines", scan: "IMEI: " + imeiA + "\r\nS/N: " + appleSN + "\r\n",
		want: []Identifier{idIMEI(imeiA), idSerial(appleSN)}},

	// QR payloads.
	{name: "key:value pairs", scan: "IMEI:" + imeiA + ";SN:" + appleSN, want: []Identifier{idIMEI(imeiA), idSerial(appleSN)}},
	{name: "key=value pairs", scan: "imei=" + imeiA + "|sn=" + appleSN + ",upc=" + upcCoke,
		want: []Identifier{idIMEI(imeiA), idSerial(appleSN), idUPCA(upcCoke)}},
	{name: "JSON", scan: `{"imei1":"` + imeiA + `","imei2":"` + imeiA2 + `","serial_number":"` + appleSN + `","model":"A2633"}`,
		want: []Identifier{idIMEI(imeiA), idIMEI(imeiA2), idSerial(appleSN)}},
	{name: "URL query", scan: "https://example.com/d?imei=" + imeiA + "&sn=" + appleSN,
		want: []Identifier{idIMEI(imeiA), idSerial(appleSN)}},
	{name: "unknown keys keep only self-checking values", scan: "Color: Blue; Storage: 128GB; Device: " + imeiWiki + "; Ref: 12345678",
		want: []Identifier{idIMEI(imeiWiki)}},

	// IMEI forms.
	{name: "IMEISV", scan: imeiASV, want: []Identifier{idIMEI(imeiA)}},
	{name: "IMEISV and its IMEI are one identifier", scan: imeiASV + " " + imeiA, want: []Identifier{idIMEI(imeiA)}},
	{name: "14 digits labelled IMEI", scan: "IMEI: " + imeiABody, want: []Identifier{idIMEI(imeiA)}},
	{name: "14 digits unlabelled are a serial", scan: imeiABody, want: []Identifier{idSerial(imeiABody)}},
	{name: "wrong check digit", scan: "356938035643808",
		errs: []string{"356938035643808: IMEI check digit is 8, expected 9"}},
	{name: "wrong check digit beside a good IMEI", scan: "IMEI1: 356938035643808 IMEI2: " + imeiA2,
		want: []Identifier{idIMEI(imeiA2)}, errs: []string{"356938035643808: IMEI check digit is 8, expected 9"}},
	{name: "duplicate IMEIs", scan: imeiA + "\r\n" + imeiA + "\r\nIMEI: " + imeiA, want: []Identifier{idIMEI(imeiA)}},

	// MEID and ESN.
	{name: "MEID", scan: "MEID: " + meidA, want: []Identifier{idMEID(meidA)}},
	{name: "MEID lower case", scan: "meid " + strings.ToLower(meidA), want: []Identifier{idMEID(meidA)}},
	{name: "MEID HEX with check digit", scan: "MEID HEX: " + meidA9, want: []Identifier{idMEID(meidA)}},
	{name: "MEID with a wrong check digit", scan: "MEID: A00000000023298",
		errs: []string{"A00000000023298: MEID check digit is 8, expected 9"}},
	{name: "MEID DEC", scan: "MEID DEC: " + meidADec, want: []Identifier{idMEID(meidA)}},
	{name: "MEID DEC in 5-5-4-4 groups", scan: "MEID DEC 26843 54560 0000 9001", want: []Identifier{idMEID(meidA)}},
	{name: "MEID outside the A0-FF range needs its label", scan: "MEID: 6C4BFFC00000044", want: []Identifier{idMEID("6C4BFFC0000004")}},
	{name: "unlabelled MEID with check digit", scan: meidA9, want: []Identifier{idMEID(meidA)}},
	{name: "unlabelled hex starting with a digit is a serial", scan: "6C4BFFC0000004", want: []Identifier{idSerial("6C4BFFC0000004")}},
	{name: "ESN", scan: "ESN: 8012abcd", want: []Identifier{idESN("8012ABCD")}},
	{name: "ESN decimal", scan: "ESN DEC: 12801223629", want: []Identifier{idESN("8012ABCD")}}, // 128 = 0x80, 1223629 = 0x12ABCD
	{name: "unlabelled 8 hex digits are a serial", scan: "8012ABCD", want: []Identifier{idSerial("8012ABCD")}},
	{name: "ESN label on a non-ESN", scan: "ESN: 12345", errs: []string{"not an ESN: 5 characters"}},

	// EID.
	{name: "EID", scan: "EID: " + eidGSMA, want: []Identifier{idEID(eidGSMA)}},
	{name: "unlabelled EID", scan: eidGSMA, want: []Identifier{idEID(eidGSMA)}},
	{name: "EID with wrong check digits", scan: "EID " + eidGSMA[:30] + "34",
		errs: []string{eidGSMA[:30] + "34: EID check digits are 34, expected 35"}},
	{name: "EID label on a short number", scan: "EID: 8904903212345", errs: []string{"not an EID: an EID has 32 digits"}},

	// Product barcodes.
	{name: "EAN-13", scan: ean4006, want: []Identifier{idEAN13(ean4006)}},
	{name: "UPC-A", scan: "UPC " + upcCoke, want: []Identifier{idUPCA(upcCoke)}},
	{name: "EAN symbology", scan: "]E0" + eanApple, want: []Identifier{idEAN13(eanApple)}},
	{name: "EAN with add-on", scan: "]E3" + ean4006 + "12", want: []Identifier{idEAN13(ean4006)}},
	{name: "EAN with a 5-digit add-on is not GS1", scan: "]E3" + eanApple + "12345", want: []Identifier{idEAN13(eanApple)}},
	{name: "EAN label with a wrong check digit", scan: "EAN: 4006381333932",
		errs: []string{"4006381333932: EAN-13 check digit is 2, expected 1"}},
	{name: "13 digits with a wrong check digit unlabelled are a serial", scan: "4006381333932",
		want: []Identifier{idSerial("4006381333932")}},
	{name: "EAN symbology on an EAN-8", scan: "]E496385074", errs: []string{"not an EAN-13 or UPC-A: 8 digits"}},

	// GS1 element strings.
	{name: "GS1 DataMatrix", scan: "]d2010019019800179521" + appleSN + "\x1d10LOT42\x1d17261231",
		want: []Identifier{idUPCA("190198001795"), idSerial(appleSN)}},
	{name: "GS1-128 with an EAN-13 GTIN", scan: "]C10104006381333931",
		want: []Identifier{idEAN13(ean4006)}},
	{name: "GS1 without AIM prefix", scan: "0100190198001795" + "21" + appleSN,
		want: []Identifier{idUPCA("190198001795"), idSerial(appleSN)}},
	{name: "GS1 mobile identifier AI 8002", scan: "]C18002" + imeiA, want: []Identifier{idIMEI(imeiA)}},
	{name: "GS1 unknown AI stops the read", scan: "]C121" + appleSN + "\x1d" + "99ABC\x1d0012345",
		want: []Identifier{idSerial(appleSN)}, errs: []string{`"0012345": GS1 AI (00) needs 18 characters`}},
	{name: "GS1 GTIN-14 of a case", scan: "]C101" + "12345678901231", errs: []string{"GTIN-14 of a case or pack"}},

	// ISO/IEC 15434.
	{name: "ISO 15434 format 06", scan: "[)>\x1e06\x1dS" + appleSN + "\x1d1PMLPF3LL/A\x1d22S" + imeiA + "\x1dQ1\x1e\x04",
		want: []Identifier{idSerial(appleSN), idIMEI(imeiA)}},
	{name: "ISO 15434 format 05", scan: "]d1[)>\x1e05\x1d0100190198001795\x1d21" + appleSN + "\x1e\x04",
		want: []Identifier{idUPCA("190198001795"), idSerial(appleSN)}},

	// The edges of each rule.
	{name: "FS separates fields", scan: imeiA + "\x1c" + imeiA2, want: []Identifier{idIMEI(imeiA), idIMEI(imeiA2)}},
	{name: "US separates fields", scan: imeiA + "\x1f" + imeiA2, want: []Identifier{idIMEI(imeiA), idIMEI(imeiA2)}},
	{name: "16 digits after 01 are an IMEISV, not GS1", scan: "0100190198001795", want: []Identifier{idIMEI("010019019800174")}},
	{name: "GS1 AI without data", scan: "]C121", errs: []string{`"21": GS1 AI (21) takes 1 to 20 characters of data`}},
	{name: "GS1 AI followed at once by GS", scan: "]C121\x1d0104006381333931",
		want: []Identifier{idEAN13(ean4006)}, errs: []string{`"21": GS1 AI (21) takes 1 to 20 characters of data`}},
	{name: "GS1 serial of 20 characters", scan: "]C121ABCDEFGHIJ0123456789", want: []Identifier{idSerial("ABCDEFGHIJ0123456789")}},
	{name: "GS1 serial of 21 characters", scan: "]C121ABCDEFGHIJ0123456789X", errs: []string{"GS1 AI (21) takes 1 to 20 characters of data"}},
	{name: "ISO 15434 with an empty format", scan: "[)>\x1e\x1e06\x1dS" + appleSN + "\x1e\x04", want: []Identifier{idSerial(appleSN)}},
	{name: "ISO 15434 format 06 element of digits only", scan: "[)>\x1e06\x1d12\x1dS" + appleSN + "\x1e\x04",
		want: []Identifier{idSerial(appleSN)}, errs: []string{`"12": not an identifier: too short`}},
	{name: "ISO 15434 data identifiers have at most 3 digits", scan: "[)>\x1e06\x1d1234S" + imeiA + "\x1e\x04",
		want: []Identifier{idSerial("1234S" + imeiA)}},
	{name: "ISO 15434 data identifiers A and Z are read past", scan: "[)>\x1e06\x1dA" + samsungSN + "\x1dZ" + samsungSN + "\x1dS" + appleSN + "\x1e\x04",
		want: []Identifier{idSerial(appleSN)}},
	{name: "four-word label", scan: "IMEI 1 No. # " + imeiA, want: []Identifier{idIMEI(imeiA)}},
	{name: "label as the last word", scan: "S/N: IMEI",
		errs: []string{`"S/N": label without a value`, `"IMEI": label without a value`}},
	{name: "lower-case a and z", scan: "serial: c39za0abhg", want: []Identifier{idSerial("C39ZA0ABHG")}},

	// Garbage.
	{name: "punctuation only", scan: "###", errs: []string{`"###": not an identifier: '#' is not a letter or digit`}},
	{name: "non-ASCII", scan: "café12345", errs: []string{`"café12345": not an identifier: 'é' is not a letter or digit`}},
	{name: "emoji", scan: "📱" + imeiA, errs: []string{"not an identifier"}},
	{name: "English words", scan: "hello world", errs: []string{`"HELLO": not an identifier: a word without digits`}},
	{name: "too short", scan: "1234", errs: []string{`"1234": not an identifier: too short`}},
	{name: "garbage beside an IMEI", scan: "!!! " + imeiA, want: []Identifier{idIMEI(imeiA)}, errs: []string{`"!!!"`}},
	{name: "only separators", scan: ":: ;; ,,", errs: []string{"no identifier in scan"}},
	{name: "empty", scan: "", errs: []string{"empty scan"}},
	{name: "whitespace", scan: " \t\r\n ", errs: []string{"empty scan"}},
	{name: "control characters only", scan: "\x00\x1d\x1e\x04\x1b", errs: []string{"empty scan"}},
	{name: "too long", scan: strings.Repeat(imeiA+" ", 300), errs: []string{"scan too long: 4800 bytes, at most 4096"}},
	{name: "as long as allowed", scan: imeiA + strings.Repeat(" ", MaxScanLen-len(imeiA)), want: []Identifier{idIMEI(imeiA)}},
}

func TestParseScan(t *testing.T) {
	for _, tc := range scanCases {
		t.Run(tc.name, func(t *testing.T) {
			ids, err := ParseScan(tc.scan)
			assert.Equal(t, tc.want, ids)
			if len(tc.errs) == 0 {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, want := range tc.errs {
				assert.Contains(t, err.Error(), want)
			}
		})
	}
}

func TestParseScanComputedIMEIs(t *testing.T) {
	// A dual-SIM box label, IMEIs made from a TAC and serials.
	first := withLuhn(t, "35209900"+"176148")
	second := withLuhn(t, "35209900"+"176149")
	scan := "]C0IMEI 1: " + first[:2] + " " + first[2:8] + " " + first[8:14] + " " + first[14:] +
		"\x1dIMEI 2: " + second + "\x1dSN: " + samsungSN + "\r\n"

	ids, err := ParseScan(scan)

	require.NoError(t, err)
	assert.Equal(t, []Identifier{idIMEI(first), idIMEI(second), idSerial(samsungSN)}, ids)
}

func TestParseScanIMEISVOfAnyIMEI(t *testing.T) {
	body := "49015420323751"
	ids, err := ParseScan("IMEISV: " + body + "07")
	require.NoError(t, err)
	assert.Equal(t, []Identifier{idIMEI(withLuhn(t, body))}, ids)
}

func TestParseScanReturnsIdentifiersAndErrorsTogether(t *testing.T) {
	ids, err := ParseScan("IMEI1: 356938035643808\x1dIMEI2: " + imeiA2 + "\x1dS/N: ###\x1d" + appleSN)

	assert.Equal(t, []Identifier{idIMEI(imeiA2), idSerial(appleSN)}, ids)
	require.Error(t, err)
	var cde *CheckDigitError
	require.ErrorAs(t, err, &cde)
	assert.Equal(t, &CheckDigitError{Kind: KindIMEI, Value: "356938035643808", Got: "8", Want: "9"}, cde)
	var se *ScanError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "###", se.Part)
	assert.Equal(t, KindSerial, se.Kind)
}

func TestParseScanCheckDigitErrorMessage(t *testing.T) {
	_, err := ParseScan("356938035643808")
	require.EqualError(t, err, "356938035643808: IMEI check digit is 8, expected 9")
	var cde *CheckDigitError
	require.ErrorAs(t, err, &cde)
	assert.Equal(t, KindIMEI, cde.Kind)
}

func TestParseScanSentinelErrors(t *testing.T) {
	for _, tc := range []struct {
		scan string
		want error
	}{
		{"", ErrEmptyScan},
		{"\x00 \r\n", ErrEmptyScan},
		{strings.Repeat("1", MaxScanLen+1), ErrScanTooLong},
		{"MODEL: A2633", ErrNoIdentifier},
	} {
		ids, err := ParseScan(tc.scan)
		assert.Nil(t, ids)
		assert.ErrorIs(t, err, tc.want, "%q", tc.scan)
	}
}

func TestSplitSymbology(t *testing.T) {
	for _, tc := range []struct{ raw, sym, rest string }{
		{"]C0" + imeiA, "]C0", imeiA},
		{"]E0" + eanApple, "]E0", eanApple},
		{"]d2010019019800179521X", "]d2", "010019019800179521X"},
		{"]Q1IMEI:1", "]Q1", "IMEI:1"},
		{"]C1", "]C1", ""},
		{"]z0" + imeiA, "]z0", imeiA}, // Aztec
		{"]a9" + imeiA, "]a9", imeiA},
		{imeiA, "", imeiA},
		{"]C", "", "]C"},
		{"]0C" + imeiA, "", "]0C" + imeiA},
		{" ]C0" + imeiA, "", " ]C0" + imeiA},
		{"", "", ""},
	} {
		sym, rest := SplitSymbology(tc.raw)
		assert.Equal(t, tc.sym, sym, "%q", tc.raw)
		assert.Equal(t, tc.rest, rest, "%q", tc.raw)
	}
}

func TestLuhnValid(t *testing.T) {
	for _, tc := range []struct {
		digits string
		want   bool
	}{
		{imeiA, true},
		{imeiWiki, true},
		{"79927398713", true}, // the usual Luhn example
		{"356938035643808", false},
		{"79927398710", false},
		{"00", true},
		{"0", false},
		{"", false},
		{"35693803564380A", false},
		{" 356938035643809", false},
	} {
		assert.Equal(t, tc.want, LuhnValid(tc.digits), "%q", tc.digits)
	}
}

func TestLuhnCheckDigit(t *testing.T) {
	for _, tc := range []struct {
		body string
		want byte
	}{
		{imeiABody, '9'},
		{"49015420323751", '8'},
		{"7992739871", '3'},
		{"0", '0'},
	} {
		got, err := LuhnCheckDigit(tc.body)
		require.NoError(t, err)
		assert.Equal(t, string(tc.want), string(got), tc.body)
		assert.True(t, LuhnValid(tc.body+string(got)))
	}
	for _, bad := range []string{"", "12a4", "١٢٣"} {
		_, err := LuhnCheckDigit(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestGS1CheckValid(t *testing.T) {
	for _, tc := range []struct {
		digits string
		want   bool
	}{
		{eanApple, true},
		{ean4006, true},
		{upcCoke, true},
		{"96385074", true},           // EAN-8
		{"00190198001795", true},     // GTIN-14 padding eanApple
		{"106141411234567897", true}, // SSCC, 18 digits
		{"4006381333932", false},
		{"036000291453", false},
		{"17", true}, // the shortest: one digit and its check digit
		{"0", false},
		{"", false},
		{"40063813339X1", false},
	} {
		assert.Equal(t, tc.want, GS1CheckValid(tc.digits), "%q", tc.digits)
	}
}

func TestMEIDCheckDigit(t *testing.T) {
	for _, tc := range []struct {
		meid string
		want byte
	}{
		{meidA, '9'},
		{strings.ToLower(meidA), '9'},
		{"6C4BFFC0000004", '4'}, // worked example from a public Q&A on hex Luhn
		{imeiABody, '9'},        // all decimal: the IMEI's own check digit
	} {
		got, err := MEIDCheckDigit(tc.meid)
		require.NoError(t, err)
		assert.Equal(t, string(tc.want), string(got), tc.meid)
	}
	for _, bad := range []string{"", meidA9, "A000000000232G"} {
		_, err := MEIDCheckDigit(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestEIDCheckValid(t *testing.T) {
	assert.True(t, EIDCheckValid(eidGSMA))
	assert.False(t, EIDCheckValid(eidGSMA[:31]+"4"))
	assert.False(t, EIDCheckValid(eidGSMA[:31]))
	assert.False(t, EIDCheckValid(eidGSMA[:31]+"A"))
	// The check digits eidCheckDigits computes make any body valid.
	body := "890490320000000000000000000012"
	assert.True(t, EIDCheckValid(body+eidCheckDigits(body)))
}

func TestCheckDigitErrorMessages(t *testing.T) {
	for _, tc := range []struct {
		err  *CheckDigitError
		want string
	}{
		{&CheckDigitError{Kind: KindMEID, Value: "A00000000023298", Got: "8", Want: "9"}, "A00000000023298: MEID check digit is 8, expected 9"},
		{&CheckDigitError{Kind: KindUPCA, Value: "036000291453", Got: "3", Want: "2"}, "036000291453: UPC-A check digit is 3, expected 2"},
		{&CheckDigitError{Kind: KindEID, Value: "x", Got: "34", Want: "35"}, "x: EID check digits are 34, expected 35"},
	} {
		assert.EqualError(t, tc.err, tc.want)
	}
}

func BenchmarkParseScan(b *testing.B) {
	scan := "]C0IMEI1 " + imeiA + "\x1dIMEI2 " + imeiA2 + "\x1dS/N " + appleSN + "\x1dEAN " + eanApple + "\r\n"
	for b.Loop() {
		if _, err := ParseScan(scan); err != nil {
			b.Fatal(err)
		}
	}
}
