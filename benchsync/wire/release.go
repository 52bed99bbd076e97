package wire

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// BenchRelease is the bench release a hub offers (GET /v1/bench-release):
// the version IT wants on the benches and where to download it. A bench
// never installs it itself; it tells a supervisor (intake.UpdateAvailable).
type BenchRelease struct {
	Version string             `json:"version"` // as the bench prints it: git describe of the release
	Commit  string             `json:"commit,omitempty"`
	Files   []BenchReleaseFile `json:"files"`
}

// BenchReleaseFile is one download of a release.
type BenchReleaseFile struct {
	Name     string `json:"name"`     // the file's name, also its path under /v1/bench-release/
	Platform string `json:"platform"` // "debian/amd64", "debian-kiosk/amd64", "windows/amd64"
	SHA256   string `json:"sha256"`   // hex, as SHA256SUMS lists it
	Size     int64  `json:"size"`
}

// MaxReleaseVersion bounds a release's version string.
const MaxReleaseVersion = 128

// Validate implements Validator.
func (r *BenchRelease) Validate() error {
	if r.Version == "" || len(r.Version) > MaxReleaseVersion || strings.ContainsAny(r.Version, " \t\r\n") {
		return fmt.Errorf("release version %q: want one word of at most %d characters", r.Version, MaxReleaseVersion)
	}
	for _, f := range r.Files {
		if f.Name == "" || strings.ContainsAny(f.Name, `/\`) {
			return fmt.Errorf("release file %q: want a plain file name", f.Name)
		}
		if sum, err := hex.DecodeString(f.SHA256); err != nil || len(sum) != 32 {
			return fmt.Errorf("release file %s: SHA-256 %q is not 64 hex digits", f.Name, f.SHA256)
		}
		if f.Size < 0 {
			return fmt.Errorf("release file %s: size %d", f.Name, f.Size)
		}
	}
	return nil
}
