package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
	"github.com/intakebench/intakebench/store"
)

func TestIMEICheckFallsBackToTheCacheOnlyWhenTheHubIsUnreachable(t *testing.T) {
	const (
		stolen = "353918050000005"
		clean  = "358240051111110"
	)
	ctx := context.Background()
	h := hubtest.New(t, hubtest.Config{})
	client, err := benchsync.NewClient(h.URL, h.Enroll(t, "bench-imei"))
	require.NoError(t, err)
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "bench.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	require.NoError(t, st.ApplyChanges(ctx, store.Changes{Flags: []intake.Flag{
		{IMEI: stolen, Kind: intake.FlagBlacklisted, Reason: "reported stolen", Since: time.Now()},
	}}, "c1"))
	r := imeiRegistry{hub: client, cache: st}

	online, err := r.Check(ctx, clean)
	require.NoError(t, err)
	assert.Equal(t, intake.IMEIClean, online.Status)
	assert.NotContains(t, online.Reason, "cache", "the hub answered: its word stands")

	h.HTTP.Close() // the hub goes away
	tests := []struct {
		imei   string
		status intake.IMEIStatus
		reason string
	}{
		{stolen, intake.IMEIStatus(intake.FlagBlacklisted), "reported stolen (from this bench's cache: the hub could not be reached)"},
		{clean, intake.IMEIClean, "not flagged in this bench's cache; the hub could not be reached"},
	}
	for _, tt := range tests {
		c, err := r.Check(ctx, tt.imei)
		require.NoError(t, err, tt.imei)
		assert.Equal(t, tt.status, c.Status, tt.imei)
		assert.Contains(t, c.Reason, tt.reason, tt.imei)
	}
}
