package label

import (
	"fmt"
	"strings"
)

// Code 128 symbol values with a meaning of their own (ISO/IEC 15417).
const (
	c128CodeC  = 99
	c128CodeB  = 100
	c128StartB = 104
	c128StartC = 105
	c128Stop   = 106
)

// c128Widths are the bar and space widths, in modules, of each symbol
// value 0-106, bar first; the stop symbol has a seventh, final bar.
var c128Widths = [107]string{
	"212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
	"221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
	"223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
	"312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
	"112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
	"113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
	"311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
	"111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
	"122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
	"121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
	"214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
	"113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
}

// c128QuietZone is the blank margin, in modules, the standard asks for on
// each side of the symbol.
const c128QuietZone = 10

// Code128 is one encoded Code 128 symbol: the symbol values from the start
// code to the stop code, check symbol included, and the same sequence as
// ZPL ^BC field data in no-mode (N), whose invocation codes name every
// subset change. The printer is told exactly the symbols the preview draws,
// so the two cannot pick different subsets and differ in width.
type Code128 struct {
	Text    string
	Symbols []int
	ZPLData string
}

// EncodeCode128 encodes text, printable ASCII without the characters ZPL
// reserves (> ^ ~), in subset B, switching to subset C for runs of digits
// long enough to be shorter that way: 4 at either end, 6 inside.
func EncodeCode128(text string) (Code128, error) {
	if text == "" {
		return Code128{}, fmt.Errorf("code 128: nothing to encode")
	}
	for _, c := range text {
		if c < ' ' || c > '~' || strings.ContainsRune(">^~", c) {
			return Code128{}, fmt.Errorf("code 128: %q cannot be printed in %q", c, text)
		}
	}
	var (
		syms []int
		zpl  strings.Builder
		set  byte // 0 before the start code, then 'B' or 'C'
	)
	use := func(want byte) {
		switch {
		case set == want:
			return
		case set == 0 && want == 'B':
			syms = append(syms, c128StartB)
			zpl.WriteString(">:")
		case set == 0:
			syms = append(syms, c128StartC)
			zpl.WriteString(">;")
		case want == 'B':
			syms = append(syms, c128CodeB)
			zpl.WriteString(">6")
		default:
			syms = append(syms, c128CodeC)
			zpl.WriteString(">5")
		}
		set = want
	}
	for i := 0; i < len(text); {
		n := digitRun(text, i)
		edge := i == 0 || i+n == len(text)
		if n >= 6 || (n >= 4 && edge) {
			if n%2 == 1 { // the odd digit goes in subset B, before the pairs
				use('B')
				syms = append(syms, int(text[i]-' '))
				zpl.WriteByte(text[i])
				i, n = i+1, n-1
			}
			use('C')
			for ; n > 0; i, n = i+2, n-2 {
				syms = append(syms, int(text[i]-'0')*10+int(text[i+1]-'0'))
				zpl.WriteString(text[i : i+2])
			}
			continue
		}
		use('B')
		syms = append(syms, int(text[i]-' '))
		zpl.WriteByte(text[i])
		i++
	}
	sum := syms[0]
	for i, v := range syms[1:] {
		sum += (i + 1) * v
	}
	syms = append(syms, sum%103, c128Stop)
	return Code128{Text: text, Symbols: syms, ZPLData: zpl.String()}, nil
}

func digitRun(s string, i int) int {
	n := 0
	for i+n < len(s) && s[i+n] >= '0' && s[i+n] <= '9' {
		n++
	}
	return n
}

// Modules returns the symbol's bars and spaces, one bool per module (true
// is a bar), without quiet zones.
func (c Code128) Modules() []bool {
	var out []bool
	for _, v := range c.Symbols {
		bar := true
		for _, w := range c128Widths[v] {
			for range int(w - '0') {
				out = append(out, bar)
			}
			bar = !bar
		}
	}
	return out
}

// Width is the symbol's width in modules, quiet zones included.
func (c Code128) Width() int { return 11*len(c.Symbols) + 2 + 2*c128QuietZone }
