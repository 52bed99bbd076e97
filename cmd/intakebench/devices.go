package main

import (
	"context"
	"path/filepath"
	"sort"

	"github.com/intakebench/intakebench/device"
	"github.com/intakebench/intakebench/device/serialscan"
	"github.com/intakebench/intakebench/ui"
)

// scannerSources are the serial scanners to read: the port given on the
// command line, else the one picked in Settings, else (auto-detect) every
// USB serial device, also one plugged in later, each found again by its USB
// ids when it is replugged into another socket.
func scannerSources(flagPort, setting string) ([]device.Source, error) {
	port := flagPort
	if port == "" && setting != ui.ScannerAuto {
		port = setting
	}
	if port == "" {
		return []device.Source{serialscan.AutoDetect{}}, nil
	}
	sc, err := serialscan.New(serialscan.Config{Port: port})
	if err != nil {
		return nil, err
	}
	return []device.Source{sc}, nil
}

// serialPorts lists the serial ports for the settings screen.
type serialPorts struct{}

func (serialPorts) Ports(context.Context) ([]string, error) {
	ports, err := serialscan.SystemPorts{}.Ports()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(ports))
	for _, p := range ports {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	return names, nil
}

// videoDevices lists the V4L2 cameras for the settings screen.
type videoDevices struct{}

func (videoDevices) Ports(context.Context) ([]string, error) {
	names, err := filepath.Glob("/dev/video*")
	sort.Strings(names)
	return names, err
}
