package main

import (
	"context"
	"image"

	"github.com/intakebench/intakebench/device/barcode"
)

// decodeBarcodes reads the barcodes in a photo a buyer sends to the trade-in
// page, with the decoder benches use on still images (the thorough pass).
func decodeBarcodes(ctx context.Context, img image.Image) ([]string, error) {
	codes, err := barcode.Decoder{}.Decode(ctx, img, barcode.Thorough)
	texts := make([]string, 0, len(codes))
	for _, c := range codes {
		texts = append(texts, c.Text)
	}
	return texts, err
}
