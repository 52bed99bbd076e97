package benchsync

import (
	"context"
	"errors"
	"net/http"
)

// Retryable reports whether a failed sync may succeed if tried again: the
// network failed, the hub was busy or broke, or its answer was lost or
// garbled on the way. The hub refusing the request is not retryable.
func Retryable(err error) bool {
	var he *HubError
	var se *SequenceError
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.As(err, &se):
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
