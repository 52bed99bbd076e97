package upgrade

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// later is a refusal that says when to come back, as the hub's login
// limit does.
type later struct{ after time.Duration }

func (l *later) Error() string             { return "rate_limited: slow down" }
func (l *later) RetryAfter() time.Duration { return l.after }
func (l *later) HTTPStatus() int           { return http.StatusTooManyRequests }

func TestProblemOf(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		code   string
		retry  string
		ok     bool
		state  intake.Status
	}{
		{"a conflict", &hub.Error{Kind: hub.KindConflict, Code: hub.CodeInvalidTransition, Detail: "no", CurrentStatus: intake.StatusDraft},
			http.StatusConflict, "invalid_status_transition", "", true, intake.StatusDraft},
		{"a wrapped refusal", fmt.Errorf("answer: %w", &hub.Error{Kind: hub.KindNotFound, Code: hub.CodeOfferNotFound}),
			http.StatusNotFound, "offer_not_found", "", true, ""},
		{"an unprocessable one", &hub.Error{Kind: hub.KindUnprocessable, Code: hub.CodeUnknownProduct}, http.StatusUnprocessableEntity, "unknown_product", "", true, ""},
		{"too large", &hub.Error{Kind: hub.KindTooLarge, Code: "payload_too_large"}, http.StatusRequestEntityTooLarge, "payload_too_large", "", true, ""},
		{"a kind the table lacks", &hub.Error{Kind: hub.Kind(99), Code: "odd"}, http.StatusBadRequest, "odd", "", true, ""},
		{"a rate limit", fmt.Errorf("login: %w", &later{after: 90 * time.Second}), http.StatusTooManyRequests, "rate_limited", "90", true, ""},
		{"a busy database", fmt.Errorf("save: %w", hubdb.ErrBusy), http.StatusServiceUnavailable, "overloaded", "1", true, ""},
		{"a failure", errors.New("disk on fire"), http.StatusInternalServerError, "internal", "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, retry, ok := problemOf(tt.err)
			assert.Equal(t, tt.status, p.Status)
			assert.Equal(t, tt.code, p.Code)
			assert.Equal(t, tt.retry, retry)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.state, p.CurrentStatus)
		})
	}
}
