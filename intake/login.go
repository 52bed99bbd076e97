package intake

import (
	"context"
	"crypto/ed25519"
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
	store  LoginStore
	now    func() time.Time
	grants Granter
}

// Granter asks the hub for a supervisor's grant of a session, proving the
// supervisor with the PIN or badge they just logged in with (one of the two
// is empty).
type Granter interface {
	Grant(ctx context.Context, operatorID, pin, badge string, sessionKey ed25519.PublicKey) (string, error)
}

// NewLogin returns the login service.
func NewLogin(store LoginStore, now func() time.Time) *Login { return &Login{store: store, now: now} }

// WithGrants makes supervisors' logins ask g for a grant, so that their
// decisions carry proof the hub verifies (see Grant).
func (l *Login) WithGrants(g Granter) *Login { l.grants = g; return l }

// grant opens a supervisor's session with the hub. A hub out of reach
// leaves the supervisor logged in without one: the bench works offline,
// and their decisions wait, refused, until a supervisor logs in online.
func (l *Login) grant(ctx context.Context, op Operator, pin, badge string) Operator {
	if l.grants == nil || op.Role != RoleSupervisor {
		return op
	}
	pub, key, err := NewSessionKey()
	if err != nil {
		return op
	}
	token, err := l.grants.Grant(ctx, op.ID, pin, badge, pub)
	if err != nil {
		return op
	}
	op.Session = NewSession(token, key)
	return op
}

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
	return l.grant(ctx, c.Operator, "", badge), nil
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
		return l.grant(ctx, c.Operator, pin, ""), nil
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
