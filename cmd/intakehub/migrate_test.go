package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMigrateReportsAndApplies(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hub.db")
	assert.Equal(t, `COMPONENT  APPLIED  KNOWN  STATE
hub        0        14     14 to apply
public     0        3      3 to apply
webhook    0        2      2 to apply
`, runOK(t, "migrate", "--db", db, "--status"))
	_, err := os.Stat(db)
	require.ErrorIs(t, err, os.ErrNotExist, "a report makes no database")

	assert.Equal(t, `COMPONENT  APPLIED  KNOWN  STATE
hub        14       14     applied 14
public     3        3      applied 3
webhook    2        2      applied 2
`, runOK(t, "migrate", "--db", db))
	assert.Equal(t, `COMPONENT  APPLIED  KNOWN  STATE
hub        14       14     up to date
public     3        3      up to date
webhook    2        2      up to date
`, runOK(t, "migrate", "--db", db))
}
