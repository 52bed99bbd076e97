package label

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// labelFont is the face the preview draws and measures text with. Parsed
// once and never changed: the bold Go font stands in for the printer's
// font 0, and is a little wider, so text that fits the preview fits the
// label.
var labelFont = sync.OnceValues(func() (*opentype.Font, error) { return opentype.Parse(gobold.TTF) })

func face(height int) (font.Face, error) {
	f, err := labelFont()
	if err != nil {
		return nil, fmt.Errorf("label font: %w", err)
	}
	return opentype.NewFace(f, &opentype.FaceOptions{Size: float64(height), DPI: 72, Hinting: font.HintingNone})
}

// textWidth is how wide s prints at height dots in the preview's font.
func textWidth(s string, height int) int {
	f, err := face(height)
	if err != nil {
		return 0 // cannot happen with the embedded font; nothing is cut
	}
	defer f.Close()
	return font.MeasureString(f, s).Ceil()
}

// Image draws the label at one pixel per printer dot, black on white, as
// the printer would print it.
func (l Layout) Image() (*image.Gray, error) {
	img := image.NewGray(image.Rect(0, 0, l.Width, l.Height))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	x := l.Bars.X
	for _, bar := range l.Bars.Code.Modules() {
		if bar {
			draw.Draw(img, image.Rect(x, l.Bars.Y, x+l.Bars.Module, l.Bars.Y+l.Bars.Height), image.Black, image.Point{}, draw.Src)
		}
		x += l.Bars.Module
	}
	for _, b := range l.Boxes {
		draw.Draw(img, image.Rect(b.X, b.Y, b.X+b.Width, b.Y+b.Height), image.Black, image.Point{}, draw.Src)
	}
	for _, t := range l.Texts {
		if err := drawText(img, t); err != nil {
			return nil, err
		}
	}
	return img, nil
}

func drawText(img *image.Gray, t Text) error {
	f, err := face(t.Height)
	if err != nil {
		return err
	}
	defer f.Close()
	ink := image.Image(image.Black)
	if t.Reverse {
		ink = image.White
	}
	x := t.X
	if t.Align == AlignRight {
		x = t.X + t.Width - font.MeasureString(f, t.Value).Ceil()
	}
	// The field's top is its origin, as ^FO places it; the baseline sits
	// the font's ascent below.
	baseline := t.Y + f.Metrics().Ascent.Ceil()
	clip := img.SubImage(image.Rect(t.X, t.Y, t.X+t.Width, t.Y+t.Height+f.Metrics().Descent.Ceil())).(*image.Gray)
	d := font.Drawer{Dst: clip, Src: ink, Face: f, Dot: fixed.P(x, baseline)}
	d.DrawString(t.Value)
	return nil
}

// PNG encodes the label's picture.
func (l Layout) PNG() ([]byte, error) {
	img, err := l.Image()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode label picture: %w", err)
	}
	return buf.Bytes(), nil
}
