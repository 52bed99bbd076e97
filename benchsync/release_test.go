package benchsync_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/hub/benchrelease"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// A bench asks the real hub which release it offers: none until the hub
// serves a release directory, then that release's version.
func TestBenchReleaseFromTheHub(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{})
	client, err := benchsync.NewClient(h.URL, h.Enroll(t, "bench-release"))
	require.NoError(t, err)
	ctx := context.Background()

	_, ok, err := client.BenchRelease(ctx)
	require.NoError(t, err, "a hub offering no release is no failure")
	assert.False(t, ok)

	dir := t.TempDir()
	// SHA-256 of "abc" (FIPS 180-2).
	require.NoError(t, os.WriteFile(filepath.Join(dir, "intakebench_1.5.0_amd64.deb"), []byte("abc"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "SHA256SUMS"),
		[]byte("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  intakebench_1.5.0_amd64.deb\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "release.json"), []byte(`{"version":"v1.5.0"}`), 0o644))
	releases := benchrelease.NewServer(dir)
	for _, p := range benchrelease.Patterns {
		h.Server.Mount(p, releases.Handler())
	}
	rel, ok, err := client.BenchRelease(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "v1.5.0", rel.Version)
	require.Len(t, rel.Files, 1)
	assert.Equal(t, "debian/amd64", rel.Files[0].Platform)
}
