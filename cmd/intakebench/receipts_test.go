package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/printing"
	"github.com/intakebench/intakebench/store"
)

// The walk-in screen's "Save receipt PDF" writes the customer's receipt
// in the bench's receipts folder, readable by the bench's user only.
func TestAWalkInReceiptIsSavedPrivately(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "bench.db"))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	bench := intake.NewBench(s, "counter-1", time.Now, uuid.NewString)
	const imei = "356938035643809"
	ti, _, err := bench.AcceptWalkIn(ctx, s, intake.Operator{ID: "op-2", Name: "Carl Clerk", Role: intake.RoleClerk}, intake.WalkIn{
		Variant:    intake.Variant{Device: intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB", SKU: "IP13-128"}, Prices: intake.PriceTableFromBase(40000)},
		Disclosure: intake.Disclosure{PowersOn: true, AccountRemoved: true, Screen: intake.WearNone, Body: intake.WearNone, BatteryOK: true},
		IMEI:       imei, Check: intake.IMEICheck{IMEI: imei, Status: intake.IMEIClean},
		Customer: intake.Customer{Name: "Ada Lovelace"}, Payout: intake.PayoutCash,
	})
	require.NoError(t, err)

	dir := filepath.Join(t.TempDir(), "receipts")
	path, err := walkInReceipts{svc: printing.New(s, time.Now), dir: dir}.SaveReceipt(ctx, ti.ID)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, ti.Reference+".pdf"), path)
	pdf, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(pdf, []byte("%PDF-")))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	info, err = os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), info.Mode().Perm())
}
