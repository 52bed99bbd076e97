package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// MaxPhotoBytes bounds one photo: a phone camera's JPEG fits many times.
const MaxPhotoBytes = 10 << 20

// AddPhoto records a photo op took of a received device, for the grading
// and for a supervisor's review at any bench: it goes to the hub with its
// content. The photo is durable when AddPhoto returns without error.
func (b *Bench) AddPhoto(ctx context.Context, op Operator, tradeInID, angle, mime string, data []byte) (Photo, error) {
	if err := Authorize(op, ActionGrade); err != nil {
		return Photo{}, err
	}
	angle = strings.TrimSpace(angle)
	switch {
	case tradeInID == "":
		return Photo{}, errors.New("photo: no device: scan and receive it first")
	case angle == "":
		return Photo{}, errors.New("photo: say which side of the device it shows")
	case len(data) == 0 || len(data) > MaxPhotoBytes:
		return Photo{}, fmt.Errorf("photo: a photo must be between 1 byte and %d MiB, this one is %d bytes", MaxPhotoBytes>>20, len(data))
	case !strings.HasPrefix(mime, "image/"):
		return Photo{}, fmt.Errorf("photo: %q is not a picture type", mime)
	}
	sum := sha256.Sum256(data)
	p := Photo{SHA256: hex.EncodeToString(sum[:]), Angle: angle, MIME: mime, Operator: op.ID, TakenAt: b.now().UTC()}
	ev := Event{Key: b.newKey(), Kind: EventPhotoAdded, TradeInID: tradeInID, Operator: op.ID, Bench: b.name, At: p.TakenAt, Payload: p}
	if err := b.store.RecordPhoto(ctx, tradeInID, p, data, []Event{ev}); err != nil {
		return Photo{}, err
	}
	return p, nil
}
