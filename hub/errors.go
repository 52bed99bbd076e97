package hub

import (
	"errors"
	"fmt"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

var (
	// ErrNotFound is what the hub does not hold.
	ErrNotFound = hubdb.ErrNotFound
	// ErrUnauthorized is a missing, unknown or revoked credential.
	ErrUnauthorized = errors.New("unauthorized")
)

// Kind is what sort of refusal an Error is; the HTTP layer answers each
// kind with its status.
type Kind int

// The kinds of refusal.
const (
	KindInvalid       Kind = iota + 1 // the request is malformed
	KindUnauthorized                  // no valid credential
	KindForbidden                     // a credential that may not do this
	KindNotFound                      // nothing there
	KindConflict                      // the request disagrees with the hub's state
	KindGone                          // what it names is no longer served
	KindUnprocessable                 // well-formed but refused
	KindTooLarge                      // over a size limit
)

// Error is a request the hub's rules refuse, with the contract's stable
// code (package wire) and a sentence for people.
type Error struct {
	Kind   Kind
	Code   string
	Detail string
	// ExpectedSeq is the sequence number the hub expects next, for a
	// sequence gap or conflict.
	ExpectedSeq int64
	// Key names the event whose idempotency key was reused.
	Key string
	// CurrentStatus is the trade-in's status, for a move its status
	// does not allow.
	CurrentStatus intake.Status
}

func (e *Error) Error() string { return e.Code + ": " + e.Detail }

func refuse(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Detail: fmt.Sprintf(format, args...)}
}

// Rejection is an event the hub's rules refuse. It is not a failed
// request: the push answers it as that event's result, and the event
// takes its sequence number like an applied one.
type Rejection struct {
	Code   string
	Detail string
	// TradeIn is the hub's state of the trade-in the event was about,
	// Receipt the receipt that won when the device was received already.
	TradeIn *intake.TradeIn
	Receipt *intake.Receipt
	// Decision is the hub's own damaged-on-arrival decision, when the
	// bench's differed from it.
	Decision *intake.Decision
}

func (r *Rejection) Error() string { return r.Code + ": " + r.Detail }

func reject(code, format string, args ...any) *Rejection {
	return &Rejection{Code: code, Detail: fmt.Sprintf(format, args...)}
}

// about attaches the trade-in (and the winning receipt) to a rejection.
func (r *Rejection) about(t *intake.TradeIn, winner *intake.Receipt) *Rejection {
	r.TradeIn, r.Receipt = t, winner
	return r
}
