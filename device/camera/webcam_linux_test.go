package camera_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/intakebench/intakebench/device/camera"
)

// No webcam is attached where these tests run, so only the failure to open
// one is checked; capture itself follows github.com/blackjack/webcam's
// documented use.
func TestOpenWebcamMissingDevice(t *testing.T) {
	t.Parallel()
	dev := filepath.Join(t.TempDir(), "video0")
	_, err := camera.OpenWebcam(dev, 1280, 720)
	assert.ErrorContains(t, err, dev)
}
