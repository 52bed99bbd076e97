package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// CheckIMEI answers what the device registry says about imei.
func (h *Hub) CheckIMEI(ctx context.Context, imei string) (wire.IMEICheck, error) {
	if !wire.ValidIMEI(imei) {
		return wire.IMEICheck{}, refuse(KindInvalid, wire.CodeInvalidIMEI, "An IMEI is 15 digits with a valid check digit.")
	}
	var f hubdb.Flag
	err := h.db.View(ctx, func(tx *hubdb.Tx) (err error) {
		f, err = tx.Flag(ctx, imei)
		return err
	})
	if errors.Is(err, hubdb.ErrNotFound) {
		return wire.IMEICheck{IMEI: imei, Status: wire.IMEIClean}, nil
	}
	if err != nil {
		return wire.IMEICheck{}, fmt.Errorf("check IMEI %s: %w", imei, err)
	}
	return wire.IMEICheck{IMEI: imei, Status: wire.IMEIStatus(f.Kind), Reason: f.Reason, Balance: intake.Cents(f.Balance), Since: &f.Since}, nil
}

// checkBlob decides whether data may be stored as blob sum: its SHA-256
// is sum, and it is a JPEG, PNG or WebP image of at most intake.MaxPhotoPixels.
// It returns the media type read from the content: what a client says the
// content is counts for nothing.
func checkBlob(sum string, data []byte) (mime string, refusal *Error) {
	got := sha256.Sum256(data)
	if hex.EncodeToString(got[:]) != sum {
		return "", refuse(KindUnprocessable, wire.CodeHashMismatch, "The body's SHA-256 is not the one in the URL.")
	}
	mime, err := intake.PhotoType(data)
	switch {
	case errors.Is(err, intake.ErrPhotoTooLarge):
		return "", refuse(KindUnprocessable, wire.CodeImageTooLarge, "%s.", err.Error())
	case err != nil:
		return "", refuse(KindUnprocessable, wire.CodeNotAnImage, "%s.", err.Error())
	}
	return mime, nil
}

// putBlob stores a photo checked by checkBlob under its SHA-256, as mime.
// It reports whether the blob is new; the same content again changes
// nothing but when it was last put (see CollectBlobs).
func (h *Hub) putBlob(ctx context.Context, a benchAuth, sum, mime string, data []byte) (created bool, err error) {
	err = h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		created, err = tx.InsertBlob(ctx, sum, mime, data, a.bench, h.now())
		return err
	})
	return created, err
}

// Blob returns a stored blob and its media type, or ErrNotFound.
func (h *Hub) Blob(ctx context.Context, sum string) (data []byte, mime string, err error) {
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		data, mime, err = tx.Blob(ctx, sum)
		return err
	})
	return data, mime, err
}

// DefaultBlobAge is how long an unreferenced blob is kept. A bench uploads
// a photo just before pushing the photo's event, and again before every
// retry, so a blob no event took up within a day was abandoned: a bench
// reset, a refused event, a client that uploads what it never references.
const DefaultBlobAge = 24 * time.Hour

// blobsPerCollection is how many blobs one transaction of CollectBlobs
// deletes: pushes wait for the single writer meanwhile.
const blobsPerCollection = 100

// CollectBlobs deletes the blobs that no photo references and that were
// last put more than olderThan ago by the hub's clock, and returns how many
// it deleted. It works in short transactions, so pushes go on meanwhile.
func (h *Hub) CollectBlobs(ctx context.Context, olderThan time.Duration) (n int, err error) {
	if olderThan <= 0 {
		// A blob is put before the event that references it: an age of
		// zero would delete the photos benches are about to push.
		return 0, fmt.Errorf("collect blobs: the age must be positive, not %s", olderThan)
	}
	before := h.now().Add(-olderThan)
	for {
		var deleted int
		err := h.db.InTx(ctx, func(tx *hubdb.Tx) (err error) {
			deleted, err = tx.DeleteUnreferencedBlobs(ctx, before, blobsPerCollection)
			return err
		})
		if err != nil {
			return n, fmt.Errorf("collect blobs: %w", err)
		}
		n += deleted
		if deleted < blobsPerCollection {
			return n, nil
		}
	}
}
