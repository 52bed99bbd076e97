package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestKioskSessionRestartsTheBench runs the kiosk session's script with a
// bench that crashes three times and then quits cleanly, and a sleep that
// only records how long it was asked to wait.
func TestKioskSessionRestartsTheBench(t *testing.T) {
	tests := []struct {
		name     string
		statuses string // the fake bench's exit statuses, in turn
		wantExit int
		sleeps   string
	}{
		{"crashes, then a clean quit", "1 139 1 0", 0, "1\n2\n4\n"},
		{"a bad command line is not retried", "2", 2, ""},
		{"a clean quit ends the session", "0", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			bin := filepath.Join(dir, "bin")
			os.Mkdir(bin, 0o755)
			write := func(name, body string) {
				if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			write("sleep", `echo "$1" >> "$DIR/sleeps"`+"\n")
			write("xset", "exit 0\n")
			write("intakebench", `n=$(cat "$DIR/n" 2>/dev/null || echo 1); echo $((n + 1)) > "$DIR/n"
set -- `+tt.statuses+`; shift $((n - 1)); exit "$1"
`)
			script := strings.Replace(string(mustRead("files/kiosk/kiosk-session")), "/usr/bin/intakebench", "intakebench", 1)
			cmd := exec.Command("sh", "-c", script)
			cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "DIR="+dir)
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantExit {
				t.Errorf("exit %d, want %d", code, tt.wantExit)
			}
			sleeps, _ := os.ReadFile(filepath.Join(dir, "sleeps"))
			if string(sleeps) != tt.sleeps {
				t.Errorf("slept %q, want %q", sleeps, tt.sleeps)
			}
		})
	}
}
