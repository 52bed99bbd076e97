package shipping

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ShipEngine's tracking status codes.
const (
	StatusUnknown        = "UN"
	StatusAccepted       = "AC" // the carrier has the parcel
	StatusInTransit      = "IT"
	StatusDelivered      = "DE"
	StatusException      = "EX"
	StatusAttempted      = "AT" // delivery attempted
	StatusNotYetInSystem = "NY" // label bought, parcel not yet scanned
	StatusCollection     = "SP" // delivered to a collection point
)

// Tracking is where a parcel is, as ShipEngine reports it.
type Tracking struct {
	TrackingNumber           string
	StatusCode               string // one of the Status constants
	StatusDescription        string
	CarrierStatusCode        string
	CarrierStatusDescription string
	ExceptionDescription     string
	TrackingURL              string    // the carrier's page, if any
	ActualDelivery           time.Time // zero until delivered
}

type seTracking struct {
	TrackingNumber           string  `json:"tracking_number"`
	TrackingURL              string  `json:"tracking_url"`
	StatusCode               string  `json:"status_code"`
	StatusDescription        string  `json:"status_description"`
	CarrierStatusCode        string  `json:"carrier_status_code"`
	CarrierStatusDescription string  `json:"carrier_status_description"`
	ExceptionDescription     *string `json:"exception_description"`
	ActualDeliveryDate       *string `json:"actual_delivery_date"`
}

// Track asks ShipEngine where the parcel with trackingNumber is;
// carrierCode is an Arrangement's Carrier (e.g. "stamps_com"). Unlike
// Arrange it retries transient failures itself, as reading is harmless to
// repeat.
func (s *ShipEngine) Track(ctx context.Context, carrierCode, trackingNumber string) (Tracking, error) {
	var bad problems
	carrierCode, trackingNumber = strings.TrimSpace(carrierCode), strings.TrimSpace(trackingNumber)
	if carrierCode == "" {
		bad.add("carrier_code is required")
	}
	if trackingNumber == "" {
		bad.add("tracking_number is required")
	}
	if err := bad.err(); err != nil {
		return Tracking{}, err
	}
	q := url.Values{"carrier_code": {carrierCode}, "tracking_number": {trackingNumber}}
	var t seTracking
	var err error
	for attempt := 0; ; attempt++ {
		err = s.do(ctx, http.MethodGet, "/v1/tracking", q, nil, &t)
		if err == nil || !errors.Is(err, ErrTransient) || attempt >= s.trackRetries {
			break
		}
		if werr := s.wait(ctx, attempt, err); werr != nil {
			err = fmt.Errorf("%w; gave up waiting to retry: %w", err, werr)
			break
		}
	}
	if err != nil {
		return Tracking{}, fmt.Errorf("shipping: tracking %s %s: %w", carrierCode, trackingNumber, err)
	}
	out := Tracking{
		TrackingNumber:           t.TrackingNumber,
		StatusCode:               t.StatusCode,
		StatusDescription:        t.StatusDescription,
		CarrierStatusCode:        t.CarrierStatusCode,
		CarrierStatusDescription: t.CarrierStatusDescription,
		TrackingURL:              t.TrackingURL,
	}
	if t.ExceptionDescription != nil {
		out.ExceptionDescription = *t.ExceptionDescription
	}
	if t.ActualDeliveryDate != nil {
		// A date we cannot read does not make the status wrong: leave it
		// zero rather than fail.
		if d, perr := time.Parse(time.RFC3339Nano, *t.ActualDeliveryDate); perr == nil {
			out.ActualDelivery = d
		}
	}
	return out, nil
}

// wait sleeps before retry attempt+1 of a request that failed with err,
// for what a Retry-After asked or else a backoff growing with attempt.
func (s *ShipEngine) wait(ctx context.Context, attempt int, err error) error {
	d := s.retryBackoff * time.Duration(attempt+1)
	if ae, ok := errors.AsType[*APIError](err); ok && ae.RetryAfter > 0 {
		d = ae.RetryAfter
	}
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
