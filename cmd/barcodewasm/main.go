//go:build js && wasm

// Command barcodewasm is the bench's barcode decoder compiled to
// WebAssembly for the buyer's trade-in page, on browsers that have no
// BarcodeDetector: the page's worker hands it camera frames and it
// answers what it read, with the same quick pass a bench's camera uses.
package main

import (
	"context"
	"image"
	"syscall/js"

	"github.com/intakebench/intakebench/device/barcode"
)

func main() {
	js.Global().Set("intakeDecode", js.FuncOf(decode))
	select {} // stay alive for the worker's calls
}

// decode reads intakeDecode(rgba, width, height): an ImageData's pixels,
// and answers the texts of the codes found, as an array of strings.
func decode(_ js.Value, args []js.Value) any {
	if len(args) != 3 {
		return js.ValueOf([]any{})
	}
	w, h := args[1].Int(), args[2].Int()
	pix := make([]byte, args[0].Length())
	js.CopyBytesToGo(pix, args[0])
	if w <= 0 || h <= 0 || len(pix) < 4*w*h {
		return js.ValueOf([]any{})
	}
	img := &image.RGBA{Pix: pix, Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
	codes, _ := barcode.Decoder{}.Decode(context.Background(), img, barcode.Quick)
	texts := make([]any, len(codes))
	for i, c := range codes {
		texts[i] = c.Text
	}
	return js.ValueOf(texts)
}
