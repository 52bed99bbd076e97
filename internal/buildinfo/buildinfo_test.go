package buildinfo

import (
	"bytes"
	"testing"
)

func TestPrint(t *testing.T) {
	tests := []struct {
		name string
		info Info
		want string
	}{
		{"release", Info{Version: "v0.2.0-3-g7b2febd", Commit: "7b2febd0c0ffee", Go: "go1.26.8", OS: "linux/amd64"},
			"intakebench v0.2.0-3-g7b2febd\ncommit 7b2febd0c0ffee\nbuilt with go1.26.8 for linux/amd64\n"},
		{"no commit known", Info{Version: "dev", Go: "go1.26.8", OS: "windows/amd64"},
			"intakebench dev\nbuilt with go1.26.8 for windows/amd64\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			Print(&b, "intakebench", tt.info)
			if b.String() != tt.want {
				t.Errorf("got %q, want %q", b.String(), tt.want)
			}
		})
	}
}

func TestGetDefaultsToDev(t *testing.T) {
	// go test links no -X: the version is the one a plain go build gets.
	if got := Get().Version; got != "dev" {
		t.Errorf("Version = %q, want dev", got)
	}
}
