package wire

import (
	"errors"
	"fmt"
	"time"

	"github.com/intakebench/intakebench/intake"
)

// ProblemContentType is the media type of an RFC 9457 problem.
const ProblemContentType = "application/problem+json"

// Problem codes: stable, machine-readable reasons for an error answer.
// Clients switch on Code, never on Title or Detail.
const (
	CodeInvalidRequest       = "invalid_request"
	CodeUnauthorized         = "unauthorized"
	CodeBenchRevoked         = "bench_revoked"
	CodeInsufficientScope    = "insufficient_scope"
	CodeBenchMismatch        = "bench_mismatch"
	CodeNotFound             = "not_found"
	CodeMethodNotAllowed     = "method_not_allowed"
	CodePayloadTooLarge      = "payload_too_large"
	CodeRateLimited          = "rate_limited"
	CodeOverloaded           = "overloaded"
	CodeInternal             = "internal"
	CodeEnrollmentInvalid    = "enrollment_invalid"
	CodeInvalidCursor        = "invalid_cursor"
	CodeCursorExpired        = "cursor_expired"
	CodeSequenceGap          = "sequence_gap"
	CodeSequenceConflict     = "sequence_conflict"
	CodeIdempotencyKeyReused = "idempotency_key_reused"
	CodeInvalidIMEI          = "invalid_imei"
	CodeHashMismatch         = "hash_mismatch"
	CodeGrantRefused         = "grant_refused"       // a grant asked for with a wrong PIN, or for no supervisor
	CodeNotAnImage           = "not_an_image"        // a blob that is not a JPEG, PNG or WebP image
	CodeImageTooLarge        = "image_too_large"     // an image over the hub's pixel count
	CodeRequestTimeout       = "request_timeout"     // the body came slower than the hub waits for
	CodeBlobQuotaExceeded    = "blob_quota_exceeded" // the bench uploaded its bytes for now: Retry-After says when
)

// Codes of a rejected event (EventResult.Code).
const (
	RejectAlreadyReceived  = "already_received"
	RejectUnknownTradeIn   = "unknown_tradein"
	RejectInvalidState     = "invalid_transition"
	RejectNotReceivedHere  = "not_received_here"
	RejectUnknownOperator  = "unknown_operator"
	RejectOperatorNotAllow = "operator_not_allowed"
	RejectInvalidPayload   = "invalid_payload"
	RejectUnknownKind      = "unknown_event_kind"
	RejectGradeMismatch    = "grade_mismatch"
	RejectNotRerouted      = "not_rerouted"
	RejectIMEIFlagged      = "imei_flagged"
	RejectTradeInOpen      = "tradein_open"
	RejectBlobMissing      = "blob_missing" // a photo event whose content was not uploaded first
	// The hub prices every walk-in and decision itself; a figure that
	// differs from its own is refused with one of these.
	RejectUnknownVariant   = "unknown_variant"     // a walk-in of a device the hub's catalog does not list
	RejectPriceMismatch    = "price_mismatch"      // an offer or payout other than the hub's price
	RejectAmountOutOfRange = "amount_out_of_range" // money below zero or above intake.MaxAmount
	RejectCounterOfferOpen = "counter_offer_open"  // a second counter-offer while one is open
	RejectDecisionMismatch = "decision_mismatch"   // a reroute the hub's own grading does not make
	RejectEventTime        = "event_time_out_of_range"
	RejectGrantRequired    = "supervisor_grant_required" // a supervisor's decision without a valid grant and proof
	RejectOtherSite        = "tradein_other_site"        // a trade-in of another site than the bench's
)

// Problem is an RFC 9457 problem detail with the contract's extensions.
type Problem struct {
	Type   string `json:"type,omitempty"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	Code   string `json:"code"`
	// ExpectedSeq is the sequence number the hub expects next, with
	// sequence_gap and sequence_conflict.
	ExpectedSeq int64 `json:"expected_seq,omitempty"`
	// Key names the event of an idempotency_key_reused.
	Key string `json:"key,omitempty"`
}

// ProblemType is the type URI of a code.
func ProblemType(code string) string { return "urn:intakebench:problem:" + code }

func (p *Problem) Error() string {
	if p.Detail != "" {
		return fmt.Sprintf("%s (%s): %s", p.Title, p.Code, p.Detail)
	}
	return fmt.Sprintf("%s (%s)", p.Title, p.Code)
}

// Validate checks a decoded problem.
func (p *Problem) Validate() error {
	if p.Code == "" {
		return errors.New("problem without a code")
	}
	if p.Status < 400 || p.Status > 599 {
		return fmt.Errorf("problem status %d is not an error", p.Status)
	}
	return errors.Join(checkID("code", p.Code), checkText("title", p.Title, 256), checkText("detail", p.Detail, 2048),
		checkText("type", p.Type, 256), checkText("key", p.Key, 64))
}

// Scopes a bench token or API key may hold.
const (
	ScopeCatalogRead  = "catalog:read"
	ScopeIntakeWrite  = "intake:write"
	ScopePhotosWrite  = "photos:write"
	ScopeBuybackRead  = "buyback:read"
	ScopeBuybackWrite = "buyback:write"
	ScopePricingRead  = "pricing:read"   // seed 002 pricing
	ScopeWebhooks     = "webhooks:write" // manage webhook endpoints
	// ScopeTradeInsAdmin runs the trade-in programme: the Upgrade API's
	// admin side (offers, inspections, valuations, the queue, imports).
	ScopeTradeInsAdmin = "tradeins:admin"
)

// BenchScopes are the scopes a bench is enrolled with unless told otherwise.
var BenchScopes = []string{ScopeCatalogRead, ScopeIntakeWrite, ScopePhotosWrite}

// KnownScope reports whether s is a scope of the contract.
func KnownScope(s string) bool {
	switch s {
	case ScopeCatalogRead, ScopeIntakeWrite, ScopePhotosWrite, ScopeBuybackRead, ScopeBuybackWrite, ScopePricingRead, ScopeWebhooks, ScopeTradeInsAdmin:
		return true
	}
	return false
}

// MaxGrantBytes bounds an encoded grant.
const MaxGrantBytes = 1024

// GrantRequest is the body of POST /v1/grants: a supervisor who logged in
// at the bench proves it to the hub with their PIN or badge, for the
// session whose public key (base64url, Ed25519) the bench made for them.
type GrantRequest struct {
	Operator   string `json:"operator"`
	PIN        string `json:"pin,omitempty"`
	Badge      string `json:"badge,omitempty"`
	SessionKey string `json:"session_key"`
}

// Validate checks the request: a PIN or a badge, not both.
func (r *GrantRequest) Validate() error {
	var which error
	if (r.PIN == "") == (r.Badge == "") {
		which = errors.New("a grant is asked for with a PIN or a badge")
	}
	return errors.Join(which, checkID("operator", r.Operator), checkText("pin", r.PIN, 64), checkText("badge", r.Badge, 128),
		checkID("session_key", r.SessionKey))
}

// GrantResponse is the hub's signed grant and its public key, with which a
// bench checks grants offline.
type GrantResponse struct {
	Grant   string    `json:"grant"`
	Expires time.Time `json:"expires"`
	HubKey  string    `json:"hub_key"` // base64url Ed25519 public key
}

// Validate checks the response.
func (r *GrantResponse) Validate() error {
	if r.Expires.IsZero() {
		return errors.New("grant without an expiry")
	}
	return errors.Join(checkText("grant", r.Grant, MaxGrantBytes), checkID("hub_key", r.HubKey))
}

// EnrollRequest is the body of POST /v1/enroll.
type EnrollRequest struct {
	Code  string `json:"code"`
	Bench string `json:"bench"`
}

// Validate checks the request.
func (r *EnrollRequest) Validate() error {
	return errors.Join(checkID("code", r.Code), checkID("bench", r.Bench))
}

// EnrollResponse carries the bench token: shown once, stored hashed by the hub.
type EnrollResponse struct {
	Bench  string   `json:"bench"`
	Token  string   `json:"token"`
	Scopes []string `json:"scopes"`
}

// Validate checks the response.
func (r *EnrollResponse) Validate() error {
	if err := errors.Join(checkID("bench", r.Bench), checkID("token", r.Token)); err != nil {
		return err
	}
	for _, s := range r.Scopes {
		if !KnownScope(s) {
			return fmt.Errorf("unknown scope %.40q", s)
		}
	}
	return nil
}

// IMEIStatus is what the device registry says about an IMEI.
type IMEIStatus string

const (
	IMEIClean         IMEIStatus = "clean"
	IMEIBlacklisted   IMEIStatus = "blacklisted"
	IMEIFinanceLocked IMEIStatus = "finance-locked"
	IMEIUnpaid        IMEIStatus = "unpaid"
)

// IMEICheck is the answer of GET /v1/imei/{imei}.
type IMEICheck struct {
	IMEI   string     `json:"imei"`
	Status IMEIStatus `json:"status"`
	Reason string     `json:"reason,omitempty"`
	// Balance is the outstanding amount of a finance-locked or unpaid device,
	// when the registry knows it.
	Balance intake.Cents `json:"balance,omitempty"`
	Since   *time.Time   `json:"since,omitempty"`
}

// Validate checks an answer.
func (c *IMEICheck) Validate() error {
	if err := checkIMEI(c.IMEI); err != nil {
		return err
	}
	switch c.Status {
	case IMEIClean, IMEIBlacklisted, IMEIFinanceLocked, IMEIUnpaid:
	default:
		return fmt.Errorf("unknown IMEI status %q", c.Status)
	}
	if c.Balance < 0 {
		return fmt.Errorf("negative balance %s", c.Balance)
	}
	return checkText("reason", c.Reason, 512)
}
