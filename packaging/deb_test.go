package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/intakebench/intakebench/hub/benchrelease"
)

// TestDebianPackages builds the three packages as make release does and
// checks them: what dpkg-deb lists, lintian, systemd-analyze verify on the
// hub's unit, and the bench unpacked by dpkg into a throwaway root.
func TestDebianPackages(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds both binaries and runs lintian")
	}
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		t.Skip("dpkg-deb is not installed (make pkg-deps installs it)")
	}
	t.Chdir("..") // the repository's root, where make release runs
	out := t.TempDir()
	if err := run(context.Background(), []string{"--out", out, "--version", "7b2febd-dirty",
		"--commit", "7b2febd0c0ffee7b2febd0c0ffee7b2febd0c0ff"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	const v = "0.1.0+g7b2febd.dirty"
	debs := map[string]string{
		"intakebench":       filepath.Join(out, "intakebench_"+v+"_amd64.deb"),
		"intakebench-kiosk": filepath.Join(out, "intakebench-kiosk_"+v+"_all.deb"),
		"intakehub":         filepath.Join(out, "intakehub_"+v+"_amd64.deb"),
	}
	want := map[string]map[string]string{ // package → path → mode, every file
		"intakebench": {
			"./usr/bin/intakebench":                                           "-rwxr-xr-x",
			"./usr/share/applications/io.intakebench.bench.desktop":           "-rw-r--r--",
			"./usr/share/icons/hicolor/512x512/apps/io.intakebench.bench.png": "-rw-r--r--",
			"./usr/lib/udev/rules.d/70-intakebench-scanners.rules":            "-rw-r--r--",
			"./usr/share/man/man1/intakebench.1.gz":                           "-rw-r--r--",
			"./usr/share/lintian/overrides/intakebench":                       "-rw-r--r--",
			"./usr/share/doc/intakebench/copyright":                           "-rw-r--r--",
			"./usr/share/doc/intakebench/changelog.gz":                        "-rw-r--r--",
		},
		"intakebench-kiosk": {
			"./usr/libexec/intakebench/kiosk-session":         "-rwxr-xr-x",
			"./usr/share/xsessions/intakebench-kiosk.desktop": "-rw-r--r--",
			"./usr/share/doc/intakebench-kiosk/copyright":     "-rw-r--r--",
			"./usr/share/doc/intakebench-kiosk/changelog.gz":  "-rw-r--r--",
		},
		"intakehub": {
			"./usr/bin/intakehub":                        "-rwxr-xr-x",
			"./usr/lib/systemd/system/intakehub.service": "-rw-r--r--",
			"./etc/intakehub/intakehub.env":              "-rw-------",
			"./usr/share/man/man1/intakehub.1.gz":        "-rw-r--r--",
			"./usr/share/lintian/overrides/intakehub":    "-rw-r--r--",
			"./usr/share/doc/intakehub/copyright":        "-rw-r--r--",
			"./usr/share/doc/intakehub/changelog.gz":     "-rw-r--r--",
		},
	}
	for pkg, deb := range debs {
		t.Run("contents "+pkg, func(t *testing.T) {
			got := map[string]string{}
			for _, line := range strings.Split(strings.TrimSpace(command(t, "dpkg-deb", "--contents", deb)), "\n") {
				f := strings.Fields(line)
				if len(f) < 6 || f[0][0] == 'd' {
					continue
				}
				if f[1] != "root/root" {
					t.Errorf("%s owned by %s, want root/root", f[5], f[1])
				}
				got[f[5]] = f[0]
			}
			for p, mode := range want[pkg] {
				if got[p] != mode {
					t.Errorf("%s: mode %q, want %q", p, got[p], mode)
				}
			}
			for p := range got {
				if _, ok := want[pkg][p]; !ok {
					t.Errorf("unexpected file %s", p)
				}
			}
		})
	}
	if got := command(t, "dpkg-deb", "--field", debs["intakehub"], "Depends"); !strings.Contains(got, "libc6") || !strings.Contains(got, "adduser") {
		t.Errorf("intakehub Depends %q: want libc6 (from dpkg-shlibdeps) and adduser", got)
	}
	if got := command(t, "dpkg-deb", "--field", debs["intakebench-kiosk"], "Depends"); strings.TrimSpace(got) != "intakebench (= "+v+")" {
		t.Errorf("intakebench-kiosk Depends %q", got)
	}
	sums, err := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	if err != nil || strings.Count(string(sums), "\n") != 3 {
		t.Errorf("SHA256SUMS: %v\n%s", err, sums)
	}

	t.Run("offered by a hub", func(t *testing.T) {
		rel, err := benchrelease.Load(out)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range rel.Files {
			got = append(got, f.Platform+" "+f.Name)
		}
		want := []string{"debian-kiosk/all intakebench-kiosk_" + v + "_all.deb", "debian/amd64 intakebench_" + v + "_amd64.deb"}
		if rel.Version != "7b2febd-dirty" || rel.Commit != "7b2febd0c0ffee7b2febd0c0ffee7b2febd0c0ff" || !slices.Equal(got, want) {
			t.Errorf("release %s %s %v, want 7b2febd-dirty and %v", rel.Version, rel.Commit, got, want)
		}
	})

	t.Run("lintian", func(t *testing.T) {
		if _, err := exec.LookPath("lintian"); err != nil {
			t.Skip("lintian is not installed (make pkg-deps installs it)")
		}
		// Every warning left is overridden, with its reason, in
		// packaging/files/*/lintian-overrides.
		cmd := exec.Command("lintian", "--fail-on", "warning", debs["intakebench"], debs["intakebench-kiosk"], debs["intakehub"])
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("lintian: %v\n%s", err, b)
		}
	})

	root := t.TempDir()
	command(t, "dpkg-deb", "-x", debs["intakehub"], root)
	t.Run("systemd-analyze verify", func(t *testing.T) {
		if _, err := exec.LookPath("systemd-analyze"); err != nil {
			t.Skip("systemd-analyze is not installed: the unit is not verified")
		}
		// verify wants ExecStart's binary on this machine: point it at the
		// one just unpacked.
		unit, err := os.ReadFile(filepath.Join(root, "usr/lib/systemd/system/intakehub.service"))
		if err != nil {
			t.Fatal(err)
		}
		unit = bytes.Replace(unit, []byte("ExecStart=/usr/bin/intakehub"), []byte("ExecStart="+filepath.Join(root, "usr/bin/intakehub")), 1)
		file := filepath.Join(t.TempDir(), "intakehub.service")
		if err := os.WriteFile(file, unit, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("systemd-analyze", "verify", "--man=no", file)
		if b, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(b)) > 0 {
			t.Errorf("systemd-analyze verify: %v\n%s", err, b)
		}
	})

	t.Run("dpkg --root", func(t *testing.T) {
		root := t.TempDir()
		for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates"} {
			if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		// --unpack runs no maintainer script (none of these has a
		// preinst): nothing reaches this machine outside root.
		command(t, "dpkg", "--root="+root, "--force-not-root", "--force-bad-path", "--unpack", debs["intakebench"], debs["intakehub"])
		status := command(t, "dpkg-query", "--root="+root, "-W", "-f=${Package} ${Status}\n")
		if !strings.Contains(status, "intakebench install ok unpacked") || !strings.Contains(status, "intakehub install ok unpacked") {
			t.Errorf("dpkg status:\n%s", status)
		}
		for path, mode := range map[string]os.FileMode{
			"usr/bin/intakebench":                                 0o755,
			"usr/lib/udev/rules.d/70-intakebench-scanners.rules":  0o644,
			"usr/share/applications/io.intakebench.bench.desktop": 0o644,
			"usr/bin/intakehub":                                   0o755,
			"etc/intakehub/intakehub.env.dpkg-new":                0o600, // a conffile takes its name at configure
			"usr/lib/systemd/system/intakehub.service":            0o644,
		} {
			st, err := os.Stat(filepath.Join(root, path))
			if err != nil {
				t.Errorf("%s: %v", path, err)
				continue
			}
			if st.Mode().Perm() != mode {
				t.Errorf("%s: mode %v, want %v", path, st.Mode().Perm(), mode)
			}
		}
		// The installed bench runs and says what it is.
		if got := command(t, filepath.Join(root, "usr/bin/intakebench"), "version"); !strings.HasPrefix(got, "intakebench 7b2febd-dirty\ncommit 7b2febd0c0ffee7b2febd0c0ffee7b2febd0c0ff\n") {
			t.Errorf("intakebench version:\n%s", got)
		}
	})
}

func command(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.Bytes())
	}
	return string(out)
}
