package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/device/serialscan"
	"github.com/intakebench/intakebench/ui"
)

func TestScannerSourcesFollowFlagThenSettingThenAutoDetect(t *testing.T) {
	tests := []struct {
		name, flag, setting string
		port                string // "" for auto-detection
	}{
		{"nothing set", "", "", ""},
		{"auto-detect picked", "", ui.ScannerAuto, ""},
		{"a port picked", "", "/dev/ttyACM3", "/dev/ttyACM3"},
		{"the command line wins", "/dev/ttyUSB0", "/dev/ttyACM3", "/dev/ttyUSB0"},
		{"the command line over auto-detect", "/dev/ttyUSB0", ui.ScannerAuto, "/dev/ttyUSB0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sources, err := scannerSources(tt.flag, tt.setting)
			require.NoError(t, err)
			require.Len(t, sources, 1)
			if tt.port == "" {
				assert.IsType(t, serialscan.AutoDetect{}, sources[0])
				return
			}
			sc, ok := sources[0].(*serialscan.Scanner)
			require.True(t, ok, "a fixed port is one scanner, got %T", sources[0])
			assert.Equal(t, "serial:"+tt.port, sc.Source())
		})
	}
}
