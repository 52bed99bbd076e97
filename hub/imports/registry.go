package imports

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// The columns of a flags file: the device registry.
const (
	fIMEI = iota
	fKind
	fReason
	fSince
	fBalance
)

var flagColumns = []column{
	fIMEI:    {"imei", true},
	fKind:    {"kind", true},
	fReason:  {"reason", false},
	fSince:   {"since", false},
	fBalance: {"balance", false},
}

func parseFlagKind(s string) (intake.FlagKind, error) {
	switch k := intake.FlagKind(s); k {
	case intake.FlagBlacklisted, intake.FlagFinanceLocked, intake.FlagUnpaid:
		return k, nil
	}
	return "", fmt.Errorf("unknown kind %s (want blacklisted, finance-locked or unpaid)", quoted(s))
}

func (im *Importer) flags() ops[hubdb.Flag] {
	return ops[hubdb.Flag]{
		columns: flagColumns,
		check: func(r *row, now time.Time) hubdb.Flag {
			var f hubdb.Flag
			f.IMEI = imei(r, fIMEI)
			if r.get(fIMEI) == "" {
				r.reject(fIMEI, "required")
			}
			f.Kind, _ = word(r, fKind, parseFlagKind)
			if r.get(fKind) == "" {
				r.reject(fKind, "required")
			}
			f.Reason = text(r, fReason, 512)
			// A flag without a time keeps the one it has, or is flagged
			// as of its import.
			f.Since = timeAt(r, fSince, time.Time{}, now)
			f.Balance, _ = money(r, fBalance)
			if len(r.rejected) == 0 {
				check := f.Flag
				check.Since = now
				if err := wire.ValidateFlag(check); err != nil {
					r.reject(-1, "%s", err.Error())
				}
			}
			return f
		},
		apply: applyFlags,
	}
}

// applyFlags adds new flags and replaces those whose kind, reason, time or
// balance the file changes; a flag the file repeats is left as it is.
func applyFlags(ctx context.Context, tx *hubdb.Tx, items []item[hubdb.Flag], now time.Time) (counts, error) {
	var c counts
	imeis := make([]string, len(items))
	for i, it := range items {
		imeis[i] = it.v.IMEI
	}
	current, err := tx.FlagsOf(ctx, imeis)
	if err != nil {
		return c, err
	}
	var changed []hubdb.Flag
	for _, it := range items {
		f := it.v
		cur, exists := current[f.IMEI]
		if f.Since.IsZero() {
			f.Since = now
			if exists {
				f.Since = cur.Since
			}
		}
		switch {
		case exists && cur.Kind == f.Kind && cur.Reason == f.Reason && cur.Since.Equal(f.Since) && cur.Balance == f.Balance:
			c.skipped++
			continue
		case exists:
			c.updated++
		default:
			c.imported++
		}
		current[f.IMEI] = f
		changed = append(changed, f)
	}
	if len(changed) == 0 {
		return c, nil
	}
	return c, tx.PutFlags(ctx, changed, now)
}

// The columns of a staff file: the operators who log in at benches.
const (
	sID = iota
	sName
	sRole
	sBadge
	sPIN
)

var staffColumns = []column{
	sID:    {"id", true},
	sName:  {"name", true},
	sRole:  {"role", true},
	sBadge: {"badge", false},
	sPIN:   {"pin", true},
}

// parseRole reads a role without echoing what is not one: in a staff file
// whose header names its columns in another order than its rows hold
// them, the role column holds PINs.
func parseRole(s string) (intake.Role, error) {
	if r := intake.Role(s); r.Valid() {
		return r, nil
	}
	return "", errors.New("unknown role (want technician, clerk or supervisor)")
}

// staffRow is an operator and, until it is hashed, the PIN.
type staffRow struct {
	op  wire.Operator
	pin string
}

// staff reads operators. A PIN is hashed as soon as its batch is read and
// then forgotten; it is never written, logged or echoed, and a reason
// about it never holds it.
func (im *Importer) staff(minPINLength int) ops[staffRow] {
	return ops[staffRow]{
		columns: staffColumns,
		check: func(r *row, _ time.Time) staffRow {
			var s staffRow
			s.op.ID = required(r, sID, 128)
			s.op.Name = required(r, sName, 256)
			s.op.Role, _ = word(r, sRole, parseRole)
			if r.get(sRole) == "" {
				r.reject(sRole, "required")
			}
			s.op.Badge = text(r, sBadge, 128)
			if s.pin = r.get(sPIN); s.pin == "" {
				r.reject(sPIN, "required")
			}
			if len(r.rejected) == 0 {
				if err := s.op.Validate(); err != nil {
					r.reject(-1, "%s", err.Error())
				}
			}
			return s
		},
		finish: func(items []item[staffRow]) ([]item[staffRow], []Rejection) {
			return hashPINs(items, minPINLength)
		},
		apply: applyStaff,
	}
}

// hashPINs hashes the batch's PINs on every core: each hash is made slow
// on purpose (intake.HashPIN), some 50 ms.
func hashPINs(items []item[staffRow], minLength int) ([]item[staffRow], []Rejection) {
	errs := make([]error, len(items))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				items[i].v.op.PINHash, errs[i] = intake.HashPIN(items[i].v.pin, minLength)
				items[i].v.pin = ""
			}
		})
	}
	for i := range items {
		next <- i
	}
	close(next)
	wg.Wait()
	kept := items[:0]
	var rejected []Rejection
	for i, it := range items {
		if errs[i] != nil {
			rejected = append(rejected, Rejection{Line: it.line, Field: "pin", Reason: errs[i].Error()})
			continue
		}
		kept = append(kept, it)
	}
	return kept, rejected
}

// applyStaff adds operators the hub does not have. One it has is left as
// it is: a file lying about must not reset a PIN changed since.
func applyStaff(ctx context.Context, tx *hubdb.Tx, items []item[staffRow], now time.Time) (counts, error) {
	var c counts
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.v.op.ID
	}
	taken, err := tx.OperatorIDsTaken(ctx, ids)
	if err != nil {
		return c, err
	}
	var fresh []wire.Operator
	for _, it := range items {
		if taken[it.v.op.ID] {
			c.skipped++
			continue
		}
		taken[it.v.op.ID] = true
		fresh = append(fresh, it.v.op)
	}
	c.imported = len(fresh)
	if len(fresh) == 0 {
		return c, nil
	}
	return c, tx.PutOperators(ctx, fresh, now)
}
