package label

import (
	"fmt"
	"strings"

	"github.com/intakebench/intakebench/intake"
)

// Align is where a text sits in its field.
type Align byte

const (
	AlignLeft  Align = 'L'
	AlignRight Align = 'R'
)

// Text is one line of text. X, Y is the top left of its field, Width the
// field's width; Height is the font's height. All in dots.
type Text struct {
	X, Y, Width, Height int
	Value               string
	Align               Align
	// Reverse prints white on a filled box.
	Reverse bool
}

// Bars is the unit id's Code 128 symbol: its top left (the quiet zone
// excluded), module width and bar height in dots.
type Bars struct {
	X, Y, Module, Height int
	Code                 Code128
}

// Box is a filled rectangle, in dots.
type Box struct{ X, Y, Width, Height int }

// Layout is a label laid out in printer dots: what both the ZPL and the
// preview are made from.
type Layout struct {
	Spec          Spec
	Width, Height int // dots
	Bars          Bars
	Boxes         []Box
	Texts         []Text
}

// row is where a line of text goes, in inches; the layouts below are
// tables of rows so that the two sizes read side by side.
type row struct {
	y, height float64
	x, width  float64 // from the left margin; width 0 is up to the right margin
	align     Align
	text      func(Unit) string
}

// design is one label stock's layout in inches.
type design struct {
	margin            float64
	barsY, barsHeight float64
	bandY, bandHeight float64
	rows              []row
	bandRows          []row   // white on the band
	maxModuleIn       float64 // the widest bar module worth printing
	centerBars        bool
}

func date(u Unit) string {
	if u.At.IsZero() {
		return ""
	}
	return u.At.UTC().Format("2006-01-02")
}

func deviceLine(u Unit) string {
	d := u.Device
	return strings.Join(strings.Fields(strings.Join([]string{d.Make, d.Model, d.Storage}, " ")), " ")
}

func imeiLine(u Unit) string {
	if u.IMEI == "" {
		return ""
	}
	if strings.HasPrefix(u.IMEI, "U-") || len(u.IMEI) != 15 {
		return u.IMEI
	}
	return "IMEI " + u.IMEI
}

func designFor(s Size) design {
	if s == Size4x2 {
		return design{
			margin: 0.08, barsY: 0.08, barsHeight: 0.62, maxModuleIn: 0.02, centerBars: true,
			bandY: 1.62, bandHeight: 0.30,
			rows: []row{
				{y: 0.76, height: 0.18, text: func(u Unit) string { return u.ID }},
				{y: 0.76, height: 0.14, align: AlignRight, x: 2.2, text: func(u Unit) string { return u.Reference }},
				{y: 1.00, height: 0.17, text: deviceLine},
				{y: 1.22, height: 0.15, text: imeiLine},
				{y: 1.42, height: 0.15, width: 2.2, text: func(u Unit) string {
					if u.Grade == "" {
						return ""
					}
					return "Grade " + u.Grade
				}},
				{y: 1.42, height: 0.13, align: AlignRight, x: 2.2, text: func(u Unit) string { return strings.TrimSpace(date(u) + " " + u.Bench) }},
			},
			bandRows: []row{
				{y: 1.65, height: 0.24, text: func(u Unit) string { return string(u.Destination) }},
			},
		}
	}
	return design{
		margin: 0.06, barsY: 0.05, barsHeight: 0.33, maxModuleIn: 0.015,
		bandY: 0.80, bandHeight: 0.16,
		rows: []row{
			{y: 0.41, height: 0.11, text: func(u Unit) string { return u.ID }},
			{y: 0.42, height: 0.08, align: AlignRight, x: 1.3, text: date},
			{y: 0.54, height: 0.10, text: deviceLine},
			{y: 0.66, height: 0.10, text: imeiLine},
			{y: 0.67, height: 0.08, align: AlignRight, x: 1.3, text: func(u Unit) string { return u.Bench }},
		},
		bandRows: []row{
			{y: 0.815, height: 0.13, width: 0.95, text: func(u Unit) string { return string(u.Destination) }},
			{y: 0.825, height: 0.10, x: 0.95, align: AlignRight, text: func(u Unit) string { return u.Grade }},
		},
	}
}

// Lay lays out u's label on the stock spec names.
func Lay(u Unit, spec Spec) (Layout, error) {
	if _, ok, err := intake.ParseUnitID(u.ID); !ok || err != nil {
		return Layout{}, fmt.Errorf("label of %q: not a unit id", u.ID)
	}
	code, err := EncodeCode128(u.ID)
	if err != nil {
		return Layout{}, err
	}
	d := designFor(spec.Size)
	l := Layout{Spec: spec, Width: spec.dots(spec.Size.Width), Height: spec.dots(spec.Size.Height)}
	margin := spec.dots(d.margin)
	inner := l.Width - 2*margin

	// The widest bars that fit with their quiet zones, up to the design's
	// module: wider bars read from further away and through a worn head.
	module := min(inner/code.Width(), max(1, spec.dots(d.maxModuleIn)))
	if module < 1 {
		return Layout{}, fmt.Errorf("label of %s: the barcode does not fit %s", u.ID, spec)
	}
	symbolWidth := (code.Width() - 2*c128QuietZone) * module
	x := margin + c128QuietZone*module
	if d.centerBars {
		x = (l.Width - symbolWidth) / 2
	}
	l.Bars = Bars{X: x, Y: spec.dots(d.barsY), Module: module, Height: spec.dots(d.barsHeight), Code: code}

	place := func(r row, reverse bool) {
		value := clean(r.text(u))
		if value == "" {
			return
		}
		t := Text{X: margin + spec.dots(r.x), Y: spec.dots(r.y), Height: spec.dots(r.height), Align: AlignLeft, Reverse: reverse}
		if r.align != 0 {
			t.Align = r.align
		}
		t.Width = inner - spec.dots(r.x)
		if r.width > 0 {
			t.Width = spec.dots(r.width)
		}
		t.Value = fit(value, t.Height, t.Width)
		l.Texts = append(l.Texts, t)
	}
	for _, r := range d.rows {
		place(r, false)
	}
	l.Boxes = append(l.Boxes, Box{X: margin, Y: spec.dots(d.bandY), Width: inner, Height: spec.dots(d.bandHeight)})
	for _, r := range d.bandRows {
		r.x += 0.04 // inside the band
		r.width = max(0, r.width-0.04)
		place(r, true)
	}
	for i := range l.Texts {
		if l.Texts[i].Reverse && l.Texts[i].Align == AlignRight {
			l.Texts[i].Width -= spec.dots(0.04)
		}
	}
	return l, nil
}

// clean keeps a value to one line of printable characters: data from the
// hub or a scan must not start a new ZPL command or a second line.
func clean(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(c rune) bool { return c < ' ' || c == 0x7f }), " ")
}

// fit cuts value until it fits width dots at the font height, as the
// preview's font measures it: the printer's font is a little narrower, so
// what fits here fits there.
func fit(value string, height, width int) string {
	for value != "" && textWidth(value, height) > width {
		r := []rune(value)
		value = strings.TrimRight(string(r[:len(r)-1]), " ")
	}
	return value
}
