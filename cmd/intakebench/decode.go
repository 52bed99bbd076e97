package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"

	"github.com/intakebench/intakebench/device/barcode"
	"github.com/intakebench/intakebench/device/camera"
	"github.com/intakebench/intakebench/intake"
)

// decoded is one line of `intakebench decode` output: one image file.
type decoded struct {
	File        string              `json:"file"`
	Barcodes    []decodedBarcode    `json:"barcodes"`
	Identifiers []intake.Identifier `json:"identifiers"`
	Error       string              `json:"error,omitempty"`
}

type decodedBarcode struct {
	Text   string   `json:"text"`
	Format string   `json:"format"`
	Points [][2]int `json:"points"`
}

func runDecode(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("decode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quick := fs.Bool("quick", false, "only the quick pass a webcam frame gets, not the thorough one")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: intakebench decode [-quick] FILE...\n\nDecodes every barcode in each PNG or JPEG file and prints one JSON object per file.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	effort := barcode.Thorough
	if *quick {
		effort = barcode.Quick
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for _, path := range fs.Args() {
		line, err := decodeFile(ctx, path, effort)
		if err != nil {
			return err
		}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	return nil
}

// decodeFile decodes one file. A file that cannot be read is reported in
// its line; only cancellation is an error.
func decodeFile(ctx context.Context, path string, effort barcode.Effort) (decoded, error) {
	out := decoded{File: path, Barcodes: []decodedBarcode{}, Identifiers: []intake.Identifier{}}
	img, err := camera.ReadImage(path)
	if err != nil {
		out.Error = err.Error()
		return out, nil
	}
	codes, err := barcode.Decoder{}.Decode(ctx, img, effort)
	if err != nil {
		return out, err
	}
	for _, c := range codes {
		b := decodedBarcode{Text: c.Text, Format: c.Format, Points: [][2]int{}}
		for _, p := range c.Points {
			b.Points = append(b.Points, [2]int{p.X, p.Y})
		}
		out.Barcodes = append(out.Barcodes, b)
		// The AIM identifier tells the parser a GS1 payload from plain
		// text. A code that names no identifier (a URL, a model number)
		// is simply not one.
		ids, err := intake.ParseScan(c.AIM + c.Text)
		if err != nil {
			continue
		}
		for _, id := range ids {
			if !slices.Contains(out.Identifiers, id) {
				out.Identifiers = append(out.Identifiers, id)
			}
		}
	}
	return out, nil
}
