// Package benchrelease serves the bench release a hub offers: the
// directory make release writes (dist/: the Debian packages, the Windows
// zip, SHA256SUMS and release.json), given to intakehub serve with
// --bench-release. Benches ask GET /v1/bench-release and tell a supervisor
// when it differs from what they run; IT downloads the files from
// GET /v1/bench-release/{name}. Nothing is installed by the hub or the
// bench: an update is IT's or a supervisor's act, between shifts.
//
// The release is read again when release.json changes, so a new one is
// offered by copying its directory's files in place, release.json last.
// Every file is checked against SHA256SUMS when it is read: a file that
// does not match is not offered.
package benchrelease

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/internal/httpx"
)

// Problem codes of the release endpoints.
const (
	CodeNoRelease = "no_bench_release" // the hub offers no release (none configured, or release.json unreadable)
)

// Manifest is the name of the file make release writes with the version.
const Manifest = "release.json"

// manifest is release.json.
type manifest struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
}

// Load reads the release in dir: release.json for its version, and the
// bench's files that SHA256SUMS lists, each hashed and checked.
func Load(dir string) (wire.BenchRelease, error) {
	raw, err := os.ReadFile(filepath.Join(dir, Manifest))
	if err != nil {
		return wire.BenchRelease{}, fmt.Errorf("bench release: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return wire.BenchRelease{}, fmt.Errorf("bench release: %s: %w", Manifest, err)
	}
	sums, err := readSums(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		return wire.BenchRelease{}, fmt.Errorf("bench release: %w", err)
	}
	rel := wire.BenchRelease{Version: m.Version, Commit: m.Commit, Files: []wire.BenchReleaseFile{}}
	for _, s := range sums {
		platform, ok := benchPlatform(s.name)
		if !ok {
			continue // the hub's own package is not a bench's download
		}
		size, err := checkFile(filepath.Join(dir, s.name), s.sum)
		if err != nil {
			return wire.BenchRelease{}, fmt.Errorf("bench release: %w", err)
		}
		rel.Files = append(rel.Files, wire.BenchReleaseFile{Name: s.name, Platform: platform, SHA256: s.sum, Size: size})
	}
	if err := rel.Validate(); err != nil {
		return wire.BenchRelease{}, fmt.Errorf("bench release in %s: %w", dir, err)
	}
	return rel, nil
}

// benchPlatform tells a bench's artefact by its name, as packaging/ names
// them.
func benchPlatform(name string) (string, bool) {
	switch {
	case strings.HasPrefix(name, "intakebench-kiosk_") && strings.HasSuffix(name, "_all.deb"):
		return "debian-kiosk/all", true
	case strings.HasPrefix(name, "intakebench-kiosk_") && strings.HasSuffix(name, ".deb"):
		return "debian-kiosk/" + debArch(name), true
	case strings.HasPrefix(name, "intakebench_") && strings.HasSuffix(name, "_windows_amd64.zip"):
		return "windows/amd64", true
	case strings.HasPrefix(name, "intakebench_") && strings.HasSuffix(name, ".deb"):
		return "debian/" + debArch(name), true
	}
	return "", false
}

// debArch is the architecture of a package named name_version_arch.deb.
func debArch(name string) string {
	base := strings.TrimSuffix(name, ".deb")
	return base[strings.LastIndexByte(base, '_')+1:]
}

type sum struct{ sum, name string }

// readSums reads a file as sha256sum prints it: "<hex>  <name>" a line.
func readSums(path string) ([]sum, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []sum
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		hexSum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(hexSum) != 64 || name == "" || strings.ContainsAny(name, `/\`) {
			return nil, fmt.Errorf("%s line %d: want \"<sha256>  <file name>\"", path, n)
		}
		out = append(out, sum{sum: strings.ToLower(hexSum), name: strings.TrimPrefix(name, "*")})
	}
	return out, sc.Err()
}

// checkFile hashes path and compares it with want; it returns its size.
func checkFile(path, want string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", path, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return 0, fmt.Errorf("%s: SHA-256 %s, but SHA256SUMS says %s", filepath.Base(path), got, want)
	}
	return n, nil
}

// Server answers the release endpoints from one directory.
type Server struct {
	dir string

	mu      sync.Mutex
	loaded  time.Time // release.json's modification time when rel was read
	rel     wire.BenchRelease
	loadErr error
}

// NewServer serves the release in dir. A directory without a release yet
// is no error: the endpoints answer 404 until one is put there.
func NewServer(dir string) *Server { return &Server{dir: dir} }

// Release returns the release offered now, reading it again when
// release.json changed since it was last read.
func (s *Server) Release() (wire.BenchRelease, error) {
	info, err := os.Stat(filepath.Join(s.dir, Manifest))
	if err != nil {
		return wire.BenchRelease{}, fmt.Errorf("bench release: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !info.ModTime().Equal(s.loaded) {
		s.rel, s.loadErr = Load(s.dir)
		s.loaded = info.ModTime()
	}
	return s.rel, s.loadErr
}

// Patterns are the routes Handler answers, to mount on the hub.
var Patterns = []string{"GET /v1/bench-release", "GET /v1/bench-release/{name}"}

// Handler answers GET /v1/bench-release (the release, JSON) and
// GET /v1/bench-release/{name} (one of its files). Releases are public, as
// any vendor's downloads: they hold no secret.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/bench-release", func(w http.ResponseWriter, r *http.Request) {
		rel, err := s.Release()
		if err != nil {
			noRelease(w, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, rel)
	})
	mux.HandleFunc("GET /v1/bench-release/{name}", func(w http.ResponseWriter, r *http.Request) {
		rel, err := s.Release()
		if err != nil {
			noRelease(w, err)
			return
		}
		name := r.PathValue("name")
		for _, f := range rel.Files {
			if f.Name == name {
				s.serveFile(w, r, f)
				return
			}
		}
		problem(w, http.StatusNotFound, wire.CodeNotFound, fmt.Sprintf("release %s has no file %q", rel.Version, name))
	})
	return mux
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, f wire.BenchReleaseFile) {
	file, err := os.Open(filepath.Join(s.dir, f.Name))
	if err != nil {
		problem(w, http.StatusNotFound, wire.CodeNotFound, fmt.Sprintf("%s is gone from the release directory", f.Name))
		return
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil || info.Size() != f.Size {
		// Replaced since it was checked: not the file SHA256SUMS vouches for.
		problem(w, http.StatusConflict, CodeNoRelease, fmt.Sprintf("%s changed since the release was read; try again", f.Name))
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+f.Name+`"`)
	http.ServeContent(w, r, f.Name, info.ModTime(), file)
}

func noRelease(w http.ResponseWriter, err error) {
	detail := "this hub offers no bench release"
	if !errors.Is(err, os.ErrNotExist) {
		detail = err.Error()
	}
	problem(w, http.StatusNotFound, CodeNoRelease, detail)
}

func problem(w http.ResponseWriter, status int, code, detail string) {
	httpx.WriteProblem(w, status, wire.Problem{Type: wire.ProblemType(code), Title: http.StatusText(status), Status: status, Code: code, Detail: detail})
}
