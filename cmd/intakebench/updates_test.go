package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/hub/benchrelease"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// A bench asks the real hub on every tick: nothing while the hub offers no
// release, the notice once it offers another version, nothing again once
// it offers the one the bench runs. The bench installs nothing.
func TestWatchUpdatesTellsOfAnotherRelease(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	client, err := benchsync.NewClient(h.URL, h.Enroll(t, "bench-updates"))
	require.NoError(t, err)
	dir := t.TempDir()
	offers := 0
	offer := func(version string) {
		offers++
		// SHA-256 of "abc" (FIPS 180-2).
		require.NoError(t, os.WriteFile(filepath.Join(dir, "intakebench_1_amd64.deb"), []byte("abc"), 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "SHA256SUMS"),
			[]byte("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  intakebench_1_amd64.deb\n"), 0o644))
		manifest := filepath.Join(dir, "release.json")
		require.NoError(t, os.WriteFile(manifest, []byte(`{"version":"`+version+`"}`), 0o644))
		next := time.Now().Add(time.Duration(offers) * time.Minute) // a new modification time each, however coarse the file system's
		require.NoError(t, os.Chtimes(manifest, next, next))
	}

	type shown struct {
		notice intake.UpdateNotice
		ok     bool
	}
	seen := make(chan shown)
	tick := make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		watchUpdates(ctx, client, "v1.4.0", tick, func(n intake.UpdateNotice, ok bool) { seen <- shown{n, ok} })
		close(done)
	}()

	assert.Equal(t, shown{}, <-seen, "no release offered: no notice")

	releases := benchrelease.NewServer(dir)
	for _, p := range benchrelease.Patterns {
		h.Server.Mount(p, releases.Handler())
	}
	offer("v1.5.0")
	tick <- time.Time{}
	assert.Equal(t, shown{intake.UpdateNotice{Running: "v1.4.0", Offered: "v1.5.0"}, true}, <-seen)

	offer("v1.4.0")
	tick <- time.Time{}
	assert.Equal(t, shown{}, <-seen, "the bench runs what is offered")

	cancel()
	<-done
}
