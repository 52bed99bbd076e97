package shipping

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ShipEngine's reason codes of a void it did not approve (some of them).
const (
	VoidAlreadyVoided = "label_already_voided"
	VoidAlreadyUsed   = "label_already_used" // the carrier has scanned the parcel
)

// Void is ShipEngine's answer to voiding a label. A void not approved is
// an answer, not an error: the carrier said no (the label was used, it is
// past the void period, it was voided already), and asking again changes
// nothing.
type Void struct {
	Approved   bool
	Message    string // ShipEngine's or the carrier's words, for people
	ReasonCode string // why it was not approved, e.g. VoidAlreadyVoided; empty when approved
}

type seVoid struct {
	Approved   *bool  `json:"approved"`
	Message    string `json:"message"`
	ReasonCode string `json:"reason_code"`
}

// VoidLabel voids a label that will not be used, so that it cannot carry
// a parcel and its cost is refunded
// (https://www.shipengine.com/docs/labels/voiding/).
//
// It does not retry: a void is safe to repeat (a second one answers
// VoidAlreadyVoided), so an error matching ErrTransient is the caller's
// to retry later, at its own pace.
func (s *ShipEngine) VoidLabel(ctx context.Context, labelID string) (Void, error) {
	labelID = strings.TrimSpace(labelID)
	if labelID == "" {
		return Void{}, &RequestError{Problems: []string{"label_id is required"}}
	}
	var v seVoid
	if err := s.do(ctx, http.MethodPut, "/v1/labels/"+url.PathEscape(labelID)+"/void", nil, nil, &v); err != nil {
		return Void{}, fmt.Errorf("shipping: void label %s: %w", labelID, err)
	}
	if v.Approved == nil {
		// Read as "not approved" it would end the caller's retries on
		// an answer that said nothing.
		return Void{}, fmt.Errorf("shipping: void label %s: ShipEngine answered without approved", labelID)
	}
	return Void{Approved: *v.Approved, Message: v.Message, ReasonCode: v.ReasonCode}, nil
}
