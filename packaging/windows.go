package main

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// buildWindows cross-compiles the bench for Windows with Debian's
// mingw-w64 (Fyne needs cgo) and zips it with its icon: intakebench.exe,
// the app (GUI subsystem: no console window), and intakebench-cli.exe,
// the same program as a console program for the headless commands.
func buildWindows(ctx context.Context, rel release, app fyneApp, describe, commit, out string) (string, error) {
	dir, err := os.MkdirTemp("", "intakebench-windows-*")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	env := []string{"GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=1", "CC=x86_64-w64-mingw32-gcc"}
	builds := []struct{ name, flags string }{
		{"intakebench.exe", ldflags(describe, commit, "-H", "windowsgui")},
		{"intakebench-cli.exe", ldflags(describe, commit)},
	}
	for _, b := range builds {
		if err := goBuild(ctx, filepath.Join(dir, b.name), "./cmd/intakebench", b.flags, env...); err != nil {
			return "", err
		}
	}
	if err := smokeTest(ctx, dir, "intakebench-cli.exe"); err != nil {
		return "", err
	}
	icon, err := os.ReadFile(app.Icon)
	if err != nil {
		return "", err
	}
	name := filepath.Join(out, fmt.Sprintf("intakebench_%s_windows_amd64.zip", rel.Version))
	f, err := os.Create(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	z := zip.NewWriter(f)
	add := func(file string, data []byte) error {
		w, err := z.CreateHeader(&zip.FileHeader{Name: "intakebench/" + file, Method: zip.Deflate, Modified: rel.Date})
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	for _, b := range builds {
		data, err := os.ReadFile(filepath.Join(dir, b.name))
		if err != nil {
			return "", err
		}
		if err := add(b.name, data); err != nil {
			return "", err
		}
	}
	if err := add("intakebench.png", icon); err != nil {
		return "", err
	}
	if err := add("README.txt", []byte(windowsReadme)); err != nil {
		return "", err
	}
	if err := z.Close(); err != nil {
		return "", err
	}
	return name, f.Close()
}

// smokeIMEI is what the smoke test has the Windows bench parse, and
// smokeWant what it must print of it.
const (
	smokeIMEI = "356938035643809"
	smokeWant = `{"input":"356938035643809","identifiers":[{"kind":"imei","value":"356938035643809"}]}`
)

// smokeTest runs a headless command of the Windows build under wine
// (Debian's, installed by make release-deps): the program starts, and
// reads an IMEI as on Linux. Debian 12's wine lacks bcryptprimitives.dll,
// which Go's runtime loads at start, so the test builds a stand-in for it
// into the System32 of a wine prefix of its own, in a temporary directory
// (files/windows/bcryptprimitives.c; the test's, never shipped).
func smokeTest(ctx context.Context, dir, exe string) error {
	wine, err := exec.LookPath("wine")
	if err != nil {
		return fmt.Errorf("windows smoke test: wine is not installed (make release-deps installs it): %w", err)
	}
	prefix, err := os.MkdirTemp("", "intakebench-wine-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(prefix)
	env := append(os.Environ(), "WINEPREFIX="+prefix, "WINEDEBUG=-all", "WINEDLLOVERRIDES=bcryptprimitives=n;mscoree,mshtml=")
	run := func(what string, cmd *exec.Cmd) ([]byte, error) {
		cmd.Dir, cmd.Env = dir, env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("windows smoke test: %s: %w\n%s", what, err, stderr.Bytes())
		}
		return out, nil
	}
	if _, err := run("make wine's prefix", exec.CommandContext(ctx, wine, "wineboot", "--init")); err != nil {
		return err
	}
	// Go's runtime loads the DLL from System32 only, never from beside
	// the program.
	src := filepath.Join(dir, "bcryptprimitives.c")
	if err := os.WriteFile(src, mustRead("files/windows/bcryptprimitives.c"), 0o644); err != nil {
		return err
	}
	stub := filepath.Join(prefix, "drive_c", "windows", "system32", "bcryptprimitives.dll")
	if _, err := run("build the bcryptprimitives.dll stand-in",
		exec.CommandContext(ctx, "x86_64-w64-mingw32-gcc", "-shared", "-O2", "-o", stub, src, "-ladvapi32")); err != nil {
		return err
	}
	out, err := run(exe+" parse "+smokeIMEI, exec.CommandContext(ctx, wine, filepath.Join(dir, exe), "parse", smokeIMEI))
	if err != nil {
		return err
	}
	if got := string(bytes.TrimSpace(out)); got != smokeWant {
		return fmt.Errorf("windows smoke test: %s parse %s printed %q, want %q", exe, smokeIMEI, got, smokeWant)
	}
	return nil
}

const windowsReadme = "Intake Bench for Windows\r\n\r\n" +
	"Unzip to C:\\Program Files\\Intake Bench and make a shortcut to intakebench.exe.\r\n" +
	"The bench keeps its database in %LOCALAPPDATA%\\intakebench\\bench.db and its log in\r\n" +
	"%LOCALAPPDATA%\\intakebench\\logs\\bench.log. USB-serial and keyboard-wedge scanners work;\r\n" +
	"live webcam scanning needs Linux. intakebench-cli.exe runs the headless commands\r\n" +
	"in a console: intakebench-cli.exe parse 356938035643809, intakebench-cli.exe version.\r\n"
