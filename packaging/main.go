// Command packaging builds Intake Bench's release into a directory: the
// Debian packages of the bench (intakebench, and intakebench-kiosk, its
// optional kiosk session) and of the hub (intakehub), with --windows the
// Windows bench as a zip, and SHA256SUMS over them all. make release runs
// it from the repository's root:
//
//	go run ./packaging --out dist --version "$(git describe --always --dirty)" --windows
//
// The packages are built with dpkg-deb directly, not a packager such as
// nfpm: dpkg-deb is Debian's own tool, on every machine that builds or
// installs them, and these are three small packages whose control files
// and maintainer scripts are clearer written out than generated.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

const modulePath = "github.com/intakebench/intakebench"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "packaging:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("packaging", flag.ContinueOnError)
	out := fs.String("out", "dist", "directory the artefacts are written to")
	describe := fs.String("version", "", "the version, as git describe --always --dirty prints it (default: run it)")
	commit := fs.String("commit", "", "the commit hash (default: git rev-parse HEAD)")
	maintainer := fs.String("maintainer", "Intake Bench <packages@intakebench.io>", "the packages' Maintainer")
	windows := fs.Bool("windows", false, "also cross-compile the Windows bench with mingw-w64")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *describe == "" {
		*describe = git(ctx, "describe", "--always", "--dirty")
	}
	if *commit == "" {
		*commit = git(ctx, "rev-parse", "HEAD")
	}
	rel, app, err := newRelease(ctx, *describe, *commit, *maintainer)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	bins, err := os.MkdirTemp("", "intakebench-release-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bins)
	fmt.Fprintf(stdout, "building %s (%s)\n", rel.Version, rel.Describe)
	if err := buildLinux(ctx, bins, *describe, *commit); err != nil {
		return err
	}
	debs, err := buildDebs(ctx, rel, app, bins, *out)
	if err != nil {
		return err
	}
	artefacts := debs
	if *windows {
		zip, err := buildWindows(ctx, rel, app, *describe, *commit, *out)
		if err != nil {
			return err
		}
		artefacts = append(artefacts, zip)
	}
	if err := writeSums(*out, artefacts); err != nil {
		return err
	}
	// Last, so that a hub serving this directory (intakehub serve
	// --bench-release) reads the new release only once its files are in.
	if err := writeManifest(*out, *describe, *commit); err != nil {
		return err
	}
	for _, a := range artefacts {
		fmt.Fprintln(stdout, a)
	}
	return nil
}

// newRelease reads FyneApp.toml and the commit's time.
func newRelease(ctx context.Context, describe, commit, maintainer string) (release, fyneApp, error) {
	f, err := os.Open("FyneApp.toml")
	if err != nil {
		return release{}, fyneApp{}, fmt.Errorf("run from the repository's root: %w", err)
	}
	defer f.Close()
	app, err := parseFyneApp(f)
	if err != nil {
		return release{}, fyneApp{}, err
	}
	version, err := debVersion(describe, app.Version)
	if err != nil {
		return release{}, fyneApp{}, err
	}
	date := time.Now().UTC().Truncate(time.Second)
	if s, err := strconv.ParseInt(git(ctx, "log", "-1", "--format=%ct", commit), 10, 64); err == nil {
		date = time.Unix(s, 0).UTC()
	}
	return release{Version: version, Describe: describe, Commit: commit, Maintainer: maintainer, Date: date}, app, nil
}

// git runs a git command and returns its output, "" when it fails (a
// source tree without git still builds, as version "dev").
func git(ctx context.Context, args ...string) string {
	out, err := exec.CommandContext(ctx, "git", args...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// ldflags strip the symbol tables (a package ships no debugger's data)
// and set the version intakebench version prints.
func ldflags(describe, commit string, extra ...string) string {
	return strings.Join(append([]string{"-s", "-w",
		"-X", modulePath + "/internal/buildinfo.version=" + describe,
		"-X", modulePath + "/internal/buildinfo.commit=" + commit}, extra...), " ")
}

// goBuild builds pkg to out with env added to the environment. The tags
// are the Makefile's (no_emoji).
func goBuild(ctx context.Context, out, pkg, flags string, env ...string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-tags=no_emoji", "-ldflags", flags, "-o", out, pkg)
	cmd.Env = append(append(os.Environ(), "GOFLAGS="), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
	}
	return nil
}

// buildLinux builds intakebench and intakehub into dir.
func buildLinux(ctx context.Context, dir, describe, commit string) error {
	for _, name := range []string{"intakebench", "intakehub"} {
		if err := goBuild(ctx, filepath.Join(dir, name), "./cmd/"+name, ldflags(describe, commit)); err != nil {
			return err
		}
	}
	return nil
}

// buildDebs makes the three Debian packages from the binaries in bins.
func buildDebs(ctx context.Context, rel release, app fyneApp, bins, out string) ([]string, error) {
	icon, err := os.ReadFile(app.Icon)
	if err != nil {
		return nil, err
	}
	var pkgs []debPackage
	for _, name := range []string{"intakebench", "intakehub"} {
		bin := filepath.Join(bins, name)
		data, err := os.ReadFile(bin)
		if err != nil {
			return nil, err
		}
		deps, err := shlibDepends(ctx, bin)
		if err != nil {
			return nil, err
		}
		if name == "intakebench" {
			pkgs = append(pkgs, benchPackage(app, data, icon, deps), kioskPackage(rel.Version))
		} else {
			pkgs = append(pkgs, hubPackage(data, deps))
		}
	}
	var debs []string
	for _, p := range pkgs {
		deb, err := p.build(ctx, rel, out)
		if err != nil {
			return nil, err
		}
		debs = append(debs, deb)
	}
	return debs, nil
}

// writeManifest writes release.json: the version the bench prints
// (intakebench version) and the commit, for hub/benchrelease.
func writeManifest(dir, describe, commit string) error {
	b, err := json.MarshalIndent(map[string]string{"version": describe, "commit": commit}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "release.json"), append(b, '\n'), 0o644)
}

// writeSums writes SHA256SUMS in dir over the artefacts, as sha256sum
// prints them (sha256sum -c SHA256SUMS checks them).
func writeSums(dir string, artefacts []string) error {
	var b strings.Builder
	names := slices.Clone(artefacts)
	slices.Sort(names)
	for _, a := range names {
		f, err := os.Open(a)
		if err != nil {
			return err
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%x  %s\n", h.Sum(nil), filepath.Base(a))
	}
	return os.WriteFile(filepath.Join(dir, "SHA256SUMS"), []byte(b.String()), 0o644)
}
