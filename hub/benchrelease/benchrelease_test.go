package benchrelease_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub/benchrelease"
)

// SHA-256 of "abc" and of nothing, FIPS 180-2's and the well-known empty
// digest.
const (
	sumABC   = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	sumEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// release writes a release directory as make release does.
func release(t *testing.T, dir, version string, files map[string]string, sums string) {
	t.Helper()
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "SHA256SUMS"), []byte(sums), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, benchrelease.Manifest), []byte(`{"version":"`+version+`","commit":"c0ffee"}`), 0o644))
}

func sampleRelease(t *testing.T, dir string) {
	release(t, dir, "v1.4.0", map[string]string{
		"intakebench_1.4.0_amd64.deb":         "abc",
		"intakebench-kiosk_1.4.0_all.deb":     "",
		"intakebench_1.4.0_windows_amd64.zip": "abc",
		"intakehub_1.4.0_amd64.deb":           "abc",
	}, sumEmpty+"  intakebench-kiosk_1.4.0_all.deb\n"+
		sumABC+"  intakebench_1.4.0_amd64.deb\n"+
		sumABC+"  intakebench_1.4.0_windows_amd64.zip\n"+
		sumABC+"  intakehub_1.4.0_amd64.deb\n")
}

func TestLoadOffersTheBenchFiles(t *testing.T) {
	dir := t.TempDir()
	sampleRelease(t, dir)
	rel, err := benchrelease.Load(dir)
	require.NoError(t, err)
	assert.Equal(t, wire.BenchRelease{Version: "v1.4.0", Commit: "c0ffee", Files: []wire.BenchReleaseFile{
		{Name: "intakebench-kiosk_1.4.0_all.deb", Platform: "debian-kiosk/all", SHA256: sumEmpty, Size: 0},
		{Name: "intakebench_1.4.0_amd64.deb", Platform: "debian/amd64", SHA256: sumABC, Size: 3},
		{Name: "intakebench_1.4.0_windows_amd64.zip", Platform: "windows/amd64", SHA256: sumABC, Size: 3},
	}}, rel, "the hub's own package is no bench download")
}

func TestLoadRefusesWhatDoesNotCheckOut(t *testing.T) {
	for _, tt := range []struct {
		name, sums, manifest, want string
	}{
		{"a file that does not match its sum", sumEmpty + "  intakebench_1.4.0_amd64.deb\n", `{"version":"v1.4.0"}`,
			"intakebench_1.4.0_amd64.deb: SHA-256 " + sumABC + ", but SHA256SUMS says " + sumEmpty},
		{"a file listed and missing", sumABC + "  intakebench_9_amd64.deb\n", `{"version":"v1.4.0"}`, "intakebench_9_amd64.deb: no such file"},
		{"a line that is no sum", "abc intakebench_1.4.0_amd64.deb\n", `{"version":"v1.4.0"}`, "line 1: want \"<sha256>  <file name>\""},
		{"a file in another directory", sumABC + "  ../intakebench_1.4.0_amd64.deb\n", `{"version":"v1.4.0"}`, "line 1"},
		{"no version", sumABC + "  intakebench_1.4.0_amd64.deb\n", `{"commit":"c0ffee"}`, `release version "": want one word`},
		{"a manifest that is no JSON", sumABC + "  intakebench_1.4.0_amd64.deb\n", `version: 1`, "release.json: invalid character"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "intakebench_1.4.0_amd64.deb"), []byte("abc"), 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "SHA256SUMS"), []byte(tt.sums), 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(dir, benchrelease.Manifest), []byte(tt.manifest), 0o644))
			_, err := benchrelease.Load(dir)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func get(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, body
}

func problemCode(t *testing.T, h http.Header, body []byte) string {
	t.Helper()
	assert.Equal(t, "application/problem+json", h.Get("Content-Type"))
	var p wire.Problem
	require.NoError(t, json.Unmarshal(body, &p))
	return p.Code
}

// Over HTTP: no release until one is put in the directory, then the
// release and its files; a new release.json offers the new release.
func TestServerOffersTheReleaseInItsDirectory(t *testing.T) {
	dir := t.TempDir()
	mux := http.NewServeMux()
	srv := benchrelease.NewServer(dir)
	for _, p := range benchrelease.Patterns {
		mux.Handle(p, srv.Handler())
	}
	ts := httptest.NewServer(mux)
	defer ts.Close()

	status, h, body := get(t, ts.URL+"/v1/bench-release")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, benchrelease.CodeNoRelease, problemCode(t, h, body))

	sampleRelease(t, dir)
	status, _, body = get(t, ts.URL+"/v1/bench-release")
	require.Equal(t, http.StatusOK, status, string(body))
	var rel wire.BenchRelease
	require.NoError(t, json.Unmarshal(body, &rel))
	assert.Equal(t, "v1.4.0", rel.Version)
	assert.Len(t, rel.Files, 3)

	status, h, body = get(t, ts.URL+"/v1/bench-release/intakebench_1.4.0_amd64.deb")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "abc", string(body))
	assert.Equal(t, `attachment; filename="intakebench_1.4.0_amd64.deb"`, h.Get("Content-Disposition"))

	for _, name := range []string{"intakehub_1.4.0_amd64.deb", "SHA256SUMS", "release.json", "..%2fSHA256SUMS"} {
		status, h, body = get(t, ts.URL+"/v1/bench-release/"+name)
		assert.Equal(t, http.StatusNotFound, status, name)
		assert.Equal(t, "not_found", problemCode(t, h, body), name)
	}

	release(t, dir, "v1.5.0", map[string]string{"intakebench_1.5.0_amd64.deb": ""}, sumEmpty+"  intakebench_1.5.0_amd64.deb\n")
	later := time.Now().Add(time.Minute) // a file system's times may be coarse
	require.NoError(t, os.Chtimes(filepath.Join(dir, benchrelease.Manifest), later, later))
	status, _, body = get(t, ts.URL+"/v1/bench-release")
	require.Equal(t, http.StatusOK, status)
	require.NoError(t, json.Unmarshal(body, &rel))
	assert.Equal(t, "v1.5.0", rel.Version)
	assert.Equal(t, []wire.BenchReleaseFile{{Name: "intakebench_1.5.0_amd64.deb", Platform: "debian/amd64", SHA256: sumEmpty, Size: 0}}, rel.Files)
}
