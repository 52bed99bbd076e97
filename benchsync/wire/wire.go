// Package wire is the contract between a bench and its hub: the JSON bodies
// of /v1 and the limits and checks that make a body safe to act on. Both
// sides decode through this package, so a malformed or hostile body is turned
// into an error here, before anything is written to a database.
package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/intakebench/intakebench/intake"
)

// Size limits of bodies. A page of 1,000 trade-ins is about 1.5 MB; the
// limits leave room for growth while keeping a hostile peer from filling the
// memory of the other side.
const (
	MaxPageBytes     = 32 << 20
	MaxPushBytes     = 16 << 20
	MaxEventPayload  = 256 << 10
	MaxSmallBody     = 64 << 10 // problems, enrollment, IMEI checks
	MaxBlobBytes     = 10 << 20
	MaxPageChanges   = 1000
	DefaultPageLimit = 500
	MaxPushEvents    = 1000
	maxCursorLen     = 256
)

// ErrTooLarge is a body over its size limit.
var ErrTooLarge = errors.New("body too large")

// Validator is a decoded body that can check itself.
type Validator interface{ Validate() error }

// Decode reads exactly one JSON value of at most limit bytes from r into v
// and validates it. Trailing data, a value over the limit or one that fails
// validation is an error; v must then be discarded.
func Decode(r io.Reader, limit int64, v Validator) error {
	lr := &io.LimitedReader{R: r, N: limit + 1}
	dec := json.NewDecoder(lr)
	if err := dec.Decode(v); err != nil {
		if lr.N <= 0 {
			return fmt.Errorf("%w: over %d bytes", ErrTooLarge, limit)
		}
		return fmt.Errorf("malformed JSON: %w", err)
	}
	_, err := dec.Token()
	if lr.N <= 0 {
		// The reader gave limit+1 bytes: whatever they hold, there were too many.
		return fmt.Errorf("%w: over %d bytes", ErrTooLarge, limit)
	}
	if !errors.Is(err, io.EOF) {
		return errors.New("malformed JSON: data after the value")
	}
	if err := v.Validate(); err != nil {
		return fmt.Errorf("invalid body: %w", err)
	}
	return nil
}

// ReviewsPage is GET /v1/reviews: the supervisors' queue, the same at
// every bench.
type ReviewsPage struct {
	Reviews []intake.Review `json:"reviews"`
}

// QuarantinesPage is GET /v1/quarantines: the devices benches set aside.
type QuarantinesPage struct {
	Quarantines []intake.QuarantinedDevice `json:"quarantines"`
}

// PhotosPage is GET /v1/tradeins/{id}/photos: the photos benches took of a
// trade-in's device, oldest first; their bytes are GET /v1/blobs/{sha256}.
type PhotosPage struct {
	Photos []intake.Photo `json:"photos"`
}
