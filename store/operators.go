package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/dbtime"
)

// CredentialByBadge returns what is needed to check a badge login.
func (s *Store) CredentialByBadge(ctx context.Context, badge string) (intake.Credential, error) {
	return s.credential(ctx, `badge = ?`, badge)
}

// CredentialByID returns what is needed to check a PIN login.
func (s *Store) CredentialByID(ctx context.Context, id string) (intake.Credential, error) {
	return s.credential(ctx, `id = ?`, id)
}

func (s *Store) credential(ctx context.Context, where string, arg string) (intake.Credential, error) {
	var c intake.Credential
	var role string
	var badge, pin, locked sql.NullString
	err := s.read.QueryRowContext(ctx, `SELECT id, name, role, badge, pin_hash, locked_until FROM operators WHERE `+where, arg).
		Scan(&c.Operator.ID, &c.Operator.Name, &role, &badge, &pin, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		return c, intake.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("read operator: %w", err)
	}
	c.Operator.Role, c.Badge, c.PINHash = intake.Role(role), badge.String, pin.String
	if locked.Valid {
		if c.LockedUntil, err = dbtime.Parse(locked.String); err != nil {
			return c, err
		}
	}
	return c, nil
}

// Operators lists the operators who may log in at this bench, by name.
func (s *Store) Operators(ctx context.Context) ([]intake.Operator, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, name, role FROM operators ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list operators: %w", err)
	}
	defer rows.Close()
	var out []intake.Operator
	for rows.Next() {
		var o intake.Operator
		var role string
		if err := rows.Scan(&o.ID, &o.Name, &role); err != nil {
			return nil, err
		}
		o.Role = intake.Role(role)
		out = append(out, o)
	}
	return out, rows.Err()
}

// LoginFailed counts a wrong PIN and returns how many came in a row.
func (s *Store) LoginFailed(ctx context.Context, operatorID string) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `UPDATE operators SET failed_attempts = failed_attempts + 1 WHERE id = ? RETURNING failed_attempts`, operatorID).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("count failed login of %s: %w", operatorID, err)
	}
	return n, nil
}

// LockOperator refuses logins of an operator until a time.
func (s *Store) LockOperator(ctx context.Context, operatorID string, until time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE operators SET locked_until = ?, failed_attempts = 0 WHERE id = ?`, dbtime.Format(until), operatorID)
		return err
	})
}

// LoginSucceeded clears the count of wrong PINs.
func (s *Store) LoginSucceeded(ctx context.Context, operatorID string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE operators SET failed_attempts = 0, locked_until = NULL WHERE id = ?`, operatorID)
		return err
	})
}
