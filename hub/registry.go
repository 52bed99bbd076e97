package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

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

// putBlob stores a photo under its SHA-256, reading at most wire.MaxBlobBytes.
// It reports whether the blob is new; the same content again changes nothing.
func (h *Hub) putBlob(ctx context.Context, a benchAuth, sum, mime string, body io.Reader) (created bool, err error) {
	data, err := io.ReadAll(io.LimitReader(body, wire.MaxBlobBytes+1))
	if err != nil {
		return false, err
	}
	if len(data) > wire.MaxBlobBytes {
		return false, refuse(KindTooLarge, wire.CodePayloadTooLarge, "A blob is at most %d bytes.", wire.MaxBlobBytes)
	}
	got := sha256.Sum256(data)
	if hex.EncodeToString(got[:]) != sum {
		return false, refuse(KindUnprocessable, wire.CodeHashMismatch, "The body's SHA-256 is not the one in the URL.")
	}
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
