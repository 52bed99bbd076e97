package ui

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shownText is every text under o that is laid out and visible.
func shownText(o fyne.CanvasObject) string {
	var b strings.Builder
	for _, c := range test.LaidOutObjects(o) {
		if !c.Visible() {
			continue
		}
		switch c := c.(type) {
		case *widget.Label:
			b.WriteString(c.Text + "\n")
		case *canvas.Text:
			b.WriteString(c.Text + "\n")
		}
	}
	return b.String()
}

func TestAlarmScreenSaysWhatHappenedAndWhatToDo(t *testing.T) {
	a := test.NewTempApp(t)
	const (
		what = "the bench database /var/lib/intakebench/bench.db is damaged: SQLite's quick check found: audit: Tree 39 page 175: btreeInitPage() returns error code 11"
		file = "/var/lib/intakebench/bench.db"
	)
	quit := false
	s := NewAlarmScreen(Alarm{What: what, File: file}, func() { quit = true })
	w := test.NewTempWindow(t, s.Content())
	w.Resize(fyne.NewSize(1100, 760))

	shown := shownText(s.Content())
	for _, want := range []string{
		"Stop: this bench's database is damaged",
		"1. Stop using this bench. Scanning is off: nothing scanned here is recorded.",
		"2. Call a supervisor.",
		"3. Leave the database file as it is: do not delete, move or copy over it.",
		what, file,
	} {
		assert.Contains(t, shown, want)
	}
	for _, o := range test.LaidOutObjects(s.Content()) {
		_, entry := o.(*widget.Entry)
		assert.False(t, entry, "nothing on the alarm screen takes a scan")
	}

	test.Tap(findButton(t, s.Content(), "Copy the details"))
	assert.Equal(t, s.Text(), a.Clipboard().Content())
	assert.Contains(t, s.Text(), "The database file: "+file)
	test.Tap(findButton(t, s.Content(), "Close the app"))
	assert.True(t, quit)

	// INTAKEBENCH_SHOTS=dir keeps a picture of the screen to look at.
	if dir := os.Getenv("INTAKEBENCH_SHOTS"); dir != "" {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		f, err := os.Create(filepath.Join(dir, "alarm-fyne-test.png"))
		require.NoError(t, err)
		require.NoError(t, png.Encode(f, w.Canvas().Capture()))
		require.NoError(t, f.Close())
	}
}

func TestStatusBarShowsAFailedStore(t *testing.T) {
	test.NewTempApp(t)
	tests := []struct {
		name string
		sync SyncStatus
		want string
		imp  widget.Importance
	}{
		{"online", SyncStatus{Online: true}, "Hub online · never synced", widget.MediumImportance},
		{"offline", SyncStatus{}, "Hub offline · never synced", widget.WarningImportance},
		{"the store failed", SyncStatus{Online: true, Failed: "the bench's store failed to read the outbox: disk I/O"},
			"Sync failed: the bench's store failed to read the outbox: disk I/O", widget.DangerImportance},
		{"a long failure is cut", SyncStatus{Failed: strings.Repeat("x", 200) + "\nsecond line"},
			"Sync failed: " + strings.Repeat("x", 59) + "…", widget.DangerImportance},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewStatusBar()
			b.Update(Status{Bench: "bench-7", Sync: tt.sync})
			assert.Equal(t, tt.want, b.hub.Text)
			assert.Equal(t, tt.imp, b.hub.Importance)
		})
	}
}
