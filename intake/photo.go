package intake

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"slices"
	"strings"

	"golang.org/x/image/webp"
)

// MaxPhotoBytes bounds one photo: a phone camera's JPEG fits many times.
const MaxPhotoBytes = 10 << 20

// MaxPhotoPixels bounds a photo's width × height: a phone camera's
// 50-megapixel shot fits; a header claiming 100,000² pixels, which would
// take the memory of whoever decodes it, does not.
const MaxPhotoPixels = 50_000_000

// ErrNotAPhoto is content that is not a JPEG, PNG or WebP image within
// MaxPhotoPixels.
var ErrNotAPhoto = errors.New("not a photo")

// PhotoType reads from a photo's content what it is: image/jpeg, image/png
// or image/webp, each format checked by its own decoder's header reading
// (not image.DecodeConfig, whose formats depend on what a program imports).
// What a client or a file name says the content is counts for nothing.
// An image over MaxPhotoPixels is refused with ErrPhotoTooLarge.
func PhotoType(data []byte) (string, error) {
	var mime string
	var decodeConfig func(io.Reader) (image.Config, error)
	switch {
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		mime, decodeConfig = "image/jpeg", jpeg.DecodeConfig
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		mime, decodeConfig = "image/png", png.DecodeConfig
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		mime, decodeConfig = "image/webp", webp.DecodeConfig
	default:
		return "", fmt.Errorf("a photo is a JPEG, PNG or WebP image; this content is none of them: %w", ErrNotAPhoto)
	}
	c, err := decodeConfig(bytes.NewReader(data))
	if err != nil || c.Width <= 0 || c.Height <= 0 {
		return "", fmt.Errorf("the content starts like %s but is not a readable image: %w", mime, ErrNotAPhoto)
	}
	if int64(c.Width)*int64(c.Height) > MaxPhotoPixels {
		return "", fmt.Errorf("the image is %d×%d pixels; a photo has at most %d: %w", c.Width, c.Height, MaxPhotoPixels, ErrPhotoTooLarge)
	}
	return mime, nil
}

// ErrPhotoTooLarge is an image of more than MaxPhotoPixels.
var ErrPhotoTooLarge = errors.New("photo too large")

// PhotoAngles are the sides of a device a photo may show, in the order a
// technician takes them. The angle names a photo to a supervisor and the
// hub keeps it as it comes, so it is one of these words and never free
// text.
func PhotoAngles() []string {
	return []string{"front", "back", "left", "right", "top", "bottom", "screen on", "damage close-up"}
}

// ValidPhotoAngle reports whether angle is one of PhotoAngles, exactly.
func ValidPhotoAngle(angle string) bool {
	return slices.Contains(PhotoAngles(), angle)
}

// AddPhoto records a photo op took of a received device, for the grading
// and for a supervisor's review at any bench: it goes to the hub with its
// content. The photo is durable when AddPhoto returns without error.
func (b *Bench) AddPhoto(ctx context.Context, op Operator, tradeInID, angle string, data []byte) (Photo, error) {
	if err := Authorize(op, ActionGrade); err != nil {
		return Photo{}, err
	}
	angle = strings.TrimSpace(angle)
	switch {
	case tradeInID == "":
		return Photo{}, errors.New("photo: no device: scan and receive it first")
	case angle == "":
		return Photo{}, errors.New("photo: say which side of the device it shows")
	case !ValidPhotoAngle(angle):
		return Photo{}, fmt.Errorf("photo: %.40q is not a side of a device; use one of %s", angle, strings.Join(PhotoAngles(), ", "))
	case len(data) == 0 || len(data) > MaxPhotoBytes:
		return Photo{}, fmt.Errorf("photo: a photo must be between 1 byte and %d MiB, this one is %d bytes", MaxPhotoBytes>>20, len(data))
	}
	// The hub takes JPEG, PNG and WebP only, and reads the type from the
	// content: a photo it would refuse must not sit in the outbox ahead of
	// every later event.
	mime, err := PhotoType(data)
	if err != nil {
		return Photo{}, fmt.Errorf("photo: %w", err)
	}
	sum := sha256.Sum256(data)
	p := Photo{SHA256: hex.EncodeToString(sum[:]), Angle: angle, MIME: mime, Operator: op.ID, TakenAt: b.now().UTC()}
	ev := Event{Key: b.newKey(), Kind: EventPhotoAdded, TradeInID: tradeInID, Operator: op.ID, Bench: b.name, At: p.TakenAt, Payload: p}
	if err := b.store.RecordPhoto(ctx, tradeInID, p, data, []Event{ev}); err != nil {
		return Photo{}, err
	}
	return p, nil
}
