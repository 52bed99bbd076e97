package hub

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
)

// CheckIMEI answers what the device registry says about imei.
func (h *Hub) CheckIMEI(ctx context.Context, imei string) (wire.IMEICheck, error) {
	if !wire.ValidIMEI(imei) {
		return wire.IMEICheck{}, problem(http.StatusBadRequest, wire.CodeInvalidIMEI, "An IMEI is 15 digits with a valid check digit.")
	}
	var doc []byte
	var balance int64
	err := h.read.QueryRowContext(ctx, `SELECT doc, balance FROM imei_flags WHERE imei = ?`, imei).Scan(&doc, &balance)
	if errors.Is(err, sql.ErrNoRows) {
		return wire.IMEICheck{IMEI: imei, Status: wire.IMEIClean}, nil
	}
	if err != nil {
		return wire.IMEICheck{}, fmt.Errorf("check IMEI %s: %w", imei, err)
	}
	var f intake.Flag
	if err := json.Unmarshal(doc, &f); err != nil {
		return wire.IMEICheck{}, fmt.Errorf("decode flag of %s: %w", imei, err)
	}
	return wire.IMEICheck{IMEI: imei, Status: wire.IMEIStatus(f.Kind), Reason: f.Reason, Balance: intake.Cents(balance), Since: &f.Since}, nil
}

// putBlob stores a photo under its SHA-256, reading at most wire.MaxBlobBytes.
// It reports whether the blob is new; the same content again changes nothing.
func (h *Hub) putBlob(ctx context.Context, a benchAuth, sum, mime string, body io.Reader) (created bool, err error) {
	data, err := io.ReadAll(io.LimitReader(body, wire.MaxBlobBytes+1))
	if err != nil {
		return false, err
	}
	if len(data) > wire.MaxBlobBytes {
		return false, problem(http.StatusRequestEntityTooLarge, wire.CodePayloadTooLarge,
			fmt.Sprintf("A blob is at most %d bytes.", wire.MaxBlobBytes))
	}
	got := sha256.Sum256(data)
	if hex.EncodeToString(got[:]) != sum {
		return false, problem(http.StatusUnprocessableEntity, wire.CodeHashMismatch, "The body's SHA-256 is not the one in the URL.")
	}
	err = h.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO blobs (sha256, size, mime, data, bench, created_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (sha256) DO NOTHING`, sum, len(data), mime, data, a.bench, formatTime(h.now()))
		if err != nil {
			return fmt.Errorf("store blob %s: %w", sum, err)
		}
		n, _ := res.RowsAffected()
		created = n == 1
		return nil
	})
	return created, err
}

// Blob returns a stored blob and its media type, or ErrNotFound.
func (h *Hub) Blob(ctx context.Context, sum string) ([]byte, string, error) {
	var data []byte
	var mime string
	err := h.read.QueryRowContext(ctx, `SELECT data, mime FROM blobs WHERE sha256 = ?`, sum).Scan(&data, &mime)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", fmt.Errorf("blob %s: %w", sum, ErrNotFound)
	}
	return data, mime, err
}
