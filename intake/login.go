package intake

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Login policy: a handful of wrong PINs locks the operator out for a while,
// and an idle bench locks itself.
const (
	MaxPINAttempts = 5
	LockoutFor     = 5 * time.Minute
	IdleLockAfter  = 5 * time.Minute
)

// ErrBadCredentials is a login that failed. It never says whether the
// operator exists, so the message cannot be used to find badge numbers.
var ErrBadCredentials = errors.New("unknown badge or operator, or wrong PIN")

// LockedOutError is a login refused because of too many wrong PINs.
type LockedOutError struct{ Until time.Time }

func (e *LockedOutError) Error() string {
	return fmt.Sprintf("too many wrong PINs: locked until %s", e.Until.Local().Format("15:04"))
}

// Credential is what the bench knows to check a login offline.
type Credential struct {
	Operator    Operator
	Badge       string
	PINHash     string
	LockedUntil time.Time
}

// LoginStore is the storage logins need.
type LoginStore interface {
	CredentialByBadge(ctx context.Context, badge string) (Credential, error)
	CredentialByID(ctx context.Context, id string) (Credential, error)
	// LoginFailed counts a wrong PIN and returns how many in a row.
	LoginFailed(ctx context.Context, operatorID string) (int, error)
	LockOperator(ctx context.Context, operatorID string, until time.Time) error
	LoginSucceeded(ctx context.Context, operatorID string) error
}

// Login checks operators against the list pulled from the hub, offline.
type Login struct {
	store LoginStore
	now   func() time.Time
}

// NewLogin returns the login service.
func NewLogin(store LoginStore, now func() time.Time) *Login { return &Login{store: store, now: now} }

// ByBadge logs in the operator whose badge was scanned.
func (l *Login) ByBadge(ctx context.Context, badge string) (Operator, error) {
	c, err := l.store.CredentialByBadge(ctx, badge)
	if errors.Is(err, ErrNotFound) {
		return Operator{}, ErrBadCredentials
	}
	if err != nil {
		return Operator{}, fmt.Errorf("badge login: %w", err)
	}
	if l.now().Before(c.LockedUntil) {
		return Operator{}, &LockedOutError{Until: c.LockedUntil}
	}
	return c.Operator, nil
}

// ByPIN logs in an operator picked from the list with their PIN.
func (l *Login) ByPIN(ctx context.Context, operatorID, pin string) (Operator, error) {
	c, err := l.store.CredentialByID(ctx, operatorID)
	if errors.Is(err, ErrNotFound) {
		return Operator{}, ErrBadCredentials
	}
	if err != nil {
		return Operator{}, fmt.Errorf("PIN login: %w", err)
	}
	now := l.now()
	if now.Before(c.LockedUntil) {
		return Operator{}, &LockedOutError{Until: c.LockedUntil}
	}
	if c.PINHash == "" {
		return Operator{}, ErrBadCredentials
	}
	ok, err := VerifyPIN(c.PINHash, pin)
	if err != nil {
		return Operator{}, fmt.Errorf("PIN login for %s: %w", c.Operator.Name, err)
	}
	if ok {
		if err := l.store.LoginSucceeded(ctx, operatorID); err != nil {
			return Operator{}, err
		}
		return c.Operator, nil
	}
	n, err := l.store.LoginFailed(ctx, operatorID)
	if err != nil {
		return Operator{}, err
	}
	if n >= MaxPINAttempts {
		until := now.Add(LockoutFor)
		if err := l.store.LockOperator(ctx, operatorID, until); err != nil {
			return Operator{}, err
		}
		return Operator{}, &LockedOutError{Until: until}
	}
	return Operator{}, ErrBadCredentials
}
