package label

import (
	"fmt"
	"strings"
)

// ZPL returns the label as one ZPL II format. Text is UTF-8 (^CI28) and
// goes through ^FH, so no character of a model name or a scan can end a
// field or start a command; the barcode is sent as the exact symbols the
// preview draws (see Code128).
func (l Layout) ZPL() []byte {
	var b strings.Builder
	b.WriteString("^XA\n^CI28\n")
	fmt.Fprintf(&b, "^PW%d\n^LL%d\n^LH0,0\n", l.Width, l.Height)
	fmt.Fprintf(&b, "^FO%d,%d^BY%d^BCN,%d,N,N,N,N^FD%s^FS\n", l.Bars.X, l.Bars.Y, l.Bars.Module, l.Bars.Height, l.Bars.Code.ZPLData)
	for _, x := range l.Boxes {
		fmt.Fprintf(&b, "^FO%d,%d^GB%d,%d,%d^FS\n", x.X, x.Y, x.Width, x.Height, min(x.Width, x.Height))
	}
	for _, t := range l.Texts {
		fmt.Fprintf(&b, "^FO%d,%d^A0N,%d,%d^FB%d,1,0,%c,0", t.X, t.Y, t.Height, t.Height, t.Width, t.Align)
		if t.Reverse {
			b.WriteString("^FR")
		}
		fmt.Fprintf(&b, "^FH_^FD%s^FS\n", escapeField(t.Value))
	}
	b.WriteString("^XZ\n")
	return []byte(b.String())
}

// escapeField writes the characters ZPL would read as commands (and ^FH's
// own indicator) as ^FH hex escapes.
func escapeField(s string) string {
	return strings.NewReplacer("_", "_5F", "^", "_5E", "~", "_7E").Replace(s)
}
