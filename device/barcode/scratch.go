package barcode

import "github.com/makiuchi-d/gozxing"

// scratch holds a Reader's buffers, reused from frame to frame.
type scratch struct {
	blobs  blobScratch
	hybrid hybridScratch
	lines  lineScratch
	qrRow  *gozxing.BitArray
	// levels is the stretched copy of a washed-out frame.
	levels []byte
}
