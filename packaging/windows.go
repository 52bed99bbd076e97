package main

import (
	"archive/zip"
	"context"
	"fmt"
	"os"
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

const windowsReadme = "Intake Bench for Windows\r\n\r\n" +
	"Unzip to C:\\Program Files\\Intake Bench and make a shortcut to intakebench.exe.\r\n" +
	"The bench keeps its database in %LOCALAPPDATA%\\intakebench\\bench.db and its log in\r\n" +
	"%LOCALAPPDATA%\\intakebench\\logs\\bench.log. USB-serial and keyboard-wedge scanners work;\r\n" +
	"live webcam scanning needs Linux. intakebench-cli.exe runs the headless commands\r\n" +
	"in a console: intakebench-cli.exe parse 356938035643809, intakebench-cli.exe version.\r\n"
