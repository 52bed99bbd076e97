package benchsync

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// StoreError is the bench's own store failing the sync: reading the outbox,
// applying a pulled page, settling pushed events. It is no network trouble:
// trying again at once, as if the hub were away, would only fail again.
type StoreError struct {
	Op  string // what the engine was doing, "read the outbox"
	Err error
}

func (e *StoreError) Error() string {
	return fmt.Sprintf("the bench's store failed to %s: %v", e.Op, e.Err)
}
func (e *StoreError) Unwrap() error { return e.Err }

// storeFailed wraps an error of the store as a *StoreError.
func storeFailed(op string, err error) error {
	if err == nil {
		return nil
	}
	return &StoreError{Op: op, Err: err}
}

// StoreFailed reports whether err is the bench's store failing.
func StoreFailed(err error) bool {
	var se *StoreError
	return errors.As(err, &se)
}

// Retryable reports whether a failed sync may succeed if tried again: the
// network failed, the hub was busy or broke, or its answer was lost or
// garbled on the way. The hub refusing the request is not retryable, nor
// the bench's own store failing.
func Retryable(err error) bool {
	var he *HubError
	var se *SequenceError
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.As(err, &se), StoreFailed(err):
		return false
	case errors.As(err, &he):
		switch he.StatusCode {
		case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
			http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	return true
}

// Refused reports whether the hub no longer accepts this bench's token: it
// was revoked or is unknown, or lacks the scope. Enrolling again is the cure.
func Refused(err error) bool {
	var he *HubError
	return errors.As(err, &he) && (he.StatusCode == http.StatusUnauthorized || he.StatusCode == http.StatusForbidden)
}

func isHubAnswer(err error) bool {
	var he *HubError
	return errors.As(err, &he)
}
