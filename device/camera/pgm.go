package camera

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"io"
)

// maxFrameSide bounds what a PGM header may claim, so a corrupt stream
// cannot make readPGM allocate gigabytes.
const maxFrameSide = 16384

// readPGM reads one binary PGM image (P5, 8-bit) from r: ffmpeg's
// image2pipe output is a stream of them, each saying its own size, so a
// video of any resolution needs no probing first. It returns io.EOF at a
// clean end of stream.
func readPGM(r *bufio.Reader) (*image.Gray, error) {
	magic, err := pgmToken(r)
	if err != nil {
		return nil, err // io.EOF before a frame starts is the end
	}
	if magic != "P5" {
		return nil, fmt.Errorf("camera: not a binary PGM frame (magic %q)", magic)
	}
	var vals [3]int
	for i := range vals {
		tok, err := pgmToken(r)
		if err != nil {
			return nil, fmt.Errorf("camera: truncated PGM header: %w", noEOF(err))
		}
		if _, err := fmt.Sscanf(tok, "%d", &vals[i]); err != nil {
			return nil, fmt.Errorf("camera: bad PGM header field %q", tok)
		}
	}
	w, h, maxval := vals[0], vals[1], vals[2]
	if w <= 0 || h <= 0 || w > maxFrameSide || h > maxFrameSide || maxval <= 0 || maxval > 255 {
		return nil, fmt.Errorf("camera: unsupported PGM frame %dx%d maxval %d", w, h, maxval)
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	if _, err := io.ReadFull(r, img.Pix); err != nil {
		return nil, fmt.Errorf("camera: truncated PGM frame: %w", noEOF(err))
	}
	if maxval != 255 {
		for i, p := range img.Pix {
			img.Pix[i] = byte(int(p) * 255 / maxval)
		}
	}
	return img, nil
}

// pgmToken reads a whitespace-delimited header token, skipping comments,
// and consumes the single whitespace byte after it (after maxval that byte
// is the last one before the pixels).
func pgmToken(r *bufio.Reader) (string, error) {
	var tok []byte
	for {
		c, err := r.ReadByte()
		if err != nil {
			if len(tok) > 0 {
				return "", io.ErrUnexpectedEOF
			}
			return "", err
		}
		switch {
		case c == '#' && len(tok) == 0:
			if _, err := r.ReadBytes('\n'); err != nil {
				return "", noEOF(err)
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if len(tok) > 0 {
				return string(tok), nil
			}
		default:
			if len(tok) > 16 {
				return "", errors.New("camera: PGM header token too long")
			}
			tok = append(tok, c)
		}
	}
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
