package logfile

import (
	"bytes"
	"testing"
	"time"
)

func TestStamped(t *testing.T) {
	at := time.Date(2026, 12, 5, 3, 21, 7, 250_000_000, time.UTC)
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{"one line", []string{"first sync failed\n"},
			"2026-12-05T03:21:07.250Z first sync failed\n"},
		{"two lines in one write", []string{"a\nb\n"},
			"2026-12-05T03:21:07.250Z a\n2026-12-05T03:21:07.250Z b\n"},
		{"a line in two writes is stamped once", []string{"serial scanner: ", "gone\n"},
			"2026-12-05T03:21:07.250Z serial scanner: gone\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			w := Stamped(&b, func() time.Time { return at })
			for _, s := range tt.writes {
				if n, err := w.Write([]byte(s)); err != nil || n != len(s) {
					t.Fatalf("Write(%q) = %d, %v", s, n, err)
				}
			}
			if b.String() != tt.want {
				t.Errorf("got %q, want %q", b.String(), tt.want)
			}
		})
	}
}
