package imports_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/imports"
	"github.com/intakebench/intakebench/intake"
)

const staffFile = `id,name,role,badge,pin
T-1,Tess Tech,technician,BADGE-1001,48291375
C-1,Carl Clerk,clerk,,73910462
S-1,Sam Super,supervisor,BADGE-3001,51726384
X-1,Short Pin,technician,,1234
X-2,Letters,technician,,12ab5678
X-3,,wizard,,66660000
X-4,No Pin,clerk,,
`

// staffPINs are the PINs of staffFile long enough to be found by a
// search of the database's bytes without finding something else.
var staffPINs = []string{"48291375", "73910462", "51726384", "12ab5678", "66660000"}

func TestStaffPINsAreHashedAndNeverStored(t *testing.T) {
	db, path := newDB(t)
	ctx := context.Background()
	wantRejected := []imports.Rejection{
		{Line: 5, Field: "pin", Reason: "a PIN needs at least 6 digits"},
		{Line: 6, Field: "pin", Reason: "a PIN has digits only"},
		{Line: 7, Field: "name", Reason: "required"},
		{Line: 7, Field: "role", Reason: "unknown role (want technician, clerk or supervisor)"},
		{Line: 8, Field: "pin", Reason: "required"},
	}
	rep, err := newImporter(db).Import(ctx, imports.KindStaff, strings.NewReader(staffFile), imports.Options{Format: imports.FormatCSV})
	require.NoError(t, err)
	assert.Equal(t, imports.Report{Kind: "staff", Rows: 7, Imported: 3, RejectedRows: 4, Rejected: wantRejected}, rep)

	require.NoError(t, db.View(ctx, func(tx *hubdb.Tx) error {
		for id, pin := range map[string]string{"T-1": "48291375", "C-1": "73910462", "S-1": "51726384"} {
			op, err := tx.Operator(ctx, id)
			require.NoError(t, err)
			ok, err := intake.VerifyPIN(op.PINHash, pin)
			require.NoError(t, err)
			assert.True(t, ok, "%s's PIN verifies", id)
			ok, err = intake.VerifyPIN(op.PINHash, "00000000")
			require.NoError(t, err)
			assert.False(t, ok, "another PIN does not")
		}
		op, err := tx.Operator(ctx, "T-1")
		require.NoError(t, err)
		assert.Equal(t, "Tess Tech", op.Name)
		assert.Equal(t, intake.RoleTechnician, op.Role)
		assert.Equal(t, "BADGE-1001", op.Badge)
		return nil
	}))

	// A second run adds nothing: a PIN in a file lying about does not
	// reset one changed since.
	again, err := newImporter(db).Import(ctx, imports.KindStaff, strings.NewReader(staffFile), imports.Options{Format: imports.FormatCSV})
	require.NoError(t, err)
	assert.Equal(t, imports.Report{Kind: "staff", Rows: 7, SkippedExisting: 3, RejectedRows: 4, Rejected: wantRejected}, again)

	report, err := json.Marshal(rep)
	require.NoError(t, err)
	for _, pin := range staffPINs {
		assert.NotContains(t, string(report), pin, "the report holds a PIN")
	}
	if hubdb.IsPostgres(path) {
		return // the server's files are the server's; the hashes verified above
	}
	db.Close()
	for _, file := range []string{path, path + "-wal"} {
		data, err := os.ReadFile(file)
		if os.IsNotExist(err) {
			continue
		}
		require.NoError(t, err)
		for _, pin := range staffPINs {
			assert.NotContains(t, string(data), pin, "%s holds a PIN", file)
		}
	}
}

func TestStaffMinimumPINLength(t *testing.T) {
	db, _ := newDB(t)
	file := "id,name,role,pin\nT-1,Tess Tech,technician,48291375\nT-2,Tom Tech,technician,4829137512\n"
	rep, err := newImporter(db).Import(context.Background(), imports.KindStaff, strings.NewReader(file),
		imports.Options{Format: imports.FormatCSV, MinPINLength: 10})
	require.NoError(t, err)
	assert.Equal(t, imports.Report{Kind: "staff", Rows: 2, Imported: 1, RejectedRows: 1, Rejected: []imports.Rejection{
		{Line: 2, Field: "pin", Reason: "a PIN needs at least 10 digits"},
	}}, rep)
}

const flagsFile = `imei,kind,reason,since,balance
354432110000012,blacklisted,reported stolen,2026-02-01,
354432110000020,finance-locked,instalments outstanding,2026-02-02T08:00:00Z,310.50
354432110000038,unpaid,,,
354432110000013,blacklisted,,,
354432110000061,stolen,,,
354432110000079,blacklisted,,,-5.00
`

func TestFlags(t *testing.T) {
	db, _ := newDB(t)
	ctx := context.Background()
	wantRejected := []imports.Rejection{
		{Line: 5, Field: "imei", Reason: "IMEI check digit is 3, expected 2"},
		{Line: 6, Field: "kind", Reason: `unknown kind "stolen" (want blacklisted, finance-locked or unpaid)`},
		{Line: 7, Field: "balance", Reason: "-5.00 is not between 0.00 and 1000000.00: amount out of range"},
	}
	for _, tc := range []struct {
		name string
		file string
		want imports.Report
	}{
		{"first", flagsFile, imports.Report{Kind: "flags", Rows: 6, Imported: 3, RejectedRows: 3, Rejected: wantRejected}},
		// A flag without a time keeps the one it was given.
		{"again", flagsFile, imports.Report{Kind: "flags", Rows: 6, SkippedExisting: 3, RejectedRows: 3, Rejected: wantRejected}},
		{"changed", strings.Replace(flagsFile, "reported stolen", `"reported stolen, police ref 991"`, 1),
			imports.Report{Kind: "flags", Rows: 6, Updated: 1, SkippedExisting: 2, RejectedRows: 3, Rejected: wantRejected}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := newImporter(db).Import(ctx, imports.KindFlags, strings.NewReader(tc.file), imports.Options{Format: imports.FormatCSV})
			require.NoError(t, err)
			assert.Equal(t, tc.want, rep)
		})
	}
	require.NoError(t, db.View(ctx, func(tx *hubdb.Tx) error {
		for _, want := range []hubdb.Flag{
			{Flag: intake.Flag{IMEI: "354432110000012", Kind: intake.FlagBlacklisted, Reason: "reported stolen, police ref 991",
				Since: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}},
			{Flag: intake.Flag{IMEI: "354432110000020", Kind: intake.FlagFinanceLocked, Reason: "instalments outstanding",
				Since: time.Date(2026, 2, 2, 8, 0, 0, 0, time.UTC)}, Balance: 31050},
			{Flag: intake.Flag{IMEI: "354432110000038", Kind: intake.FlagUnpaid, Since: clock}},
		} {
			got, err := tx.Flag(ctx, want.IMEI)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		}
		return nil
	}))
}
