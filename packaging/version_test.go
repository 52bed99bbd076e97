package main

import (
	"strings"
	"testing"
)

func TestDebVersion(t *testing.T) {
	tests := []struct {
		describe, want string
	}{
		{"v0.2.0", "0.2.0"},
		{"0.2.0", "0.2.0"},
		{"v0.3.0-rc.1", "0.3.0~rc.1"},
		{"v0.2.0-3-g7b2febd", "0.2.0+3.g7b2febd"},
		{"v0.2.0-3-g7b2febd-dirty", "0.2.0+3.g7b2febd.dirty"},
		{"v0.3.0-rc.1-12-g064dc19", "0.3.0~rc.1+12.g064dc19"},
		{"7b2febd", "0.1.0+g7b2febd"},
		{"7b2febd-dirty", "0.1.0+g7b2febd.dirty"},
		{"dev", "0.1.0+dev"},
	}
	for _, tt := range tests {
		got, err := debVersion(tt.describe, "0.1.0")
		if err != nil || got != tt.want {
			t.Errorf("debVersion(%q) = %q, %v; want %q", tt.describe, got, err, tt.want)
		}
	}
}

func TestDebVersionRefusesWhatDebianCannotSort(t *testing.T) {
	for _, d := range []string{"release_2", "v1.0/beta"} {
		if got, err := debVersion(d, "0.1.0"); err == nil {
			t.Errorf("debVersion(%q) = %q, want an error", d, got)
		}
	}
}

func TestParseFyneApp(t *testing.T) {
	const toml = `Website = "https://github.com/intakebench/intakebench"

[Details]
Icon = "assets/icon.png"
Name = "Intake Bench"
ID = "io.intakebench.bench"
Version = "0.1.0"
Build = 1
`
	got, err := parseFyneApp(strings.NewReader(toml))
	if err != nil {
		t.Fatal(err)
	}
	want := fyneApp{Name: "Intake Bench", ID: "io.intakebench.bench", Icon: "assets/icon.png", Version: "0.1.0"}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := parseFyneApp(strings.NewReader("[Details]\nName = \"x\"\n")); err == nil {
		t.Error("a file without ID, Icon and Version was accepted")
	}
}
