package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/intakebench/intakebench/device"
	"github.com/intakebench/intakebench/device/serialscan"
	"github.com/intakebench/intakebench/ui"
)

// scannerSources are the serial scanners to read: the port given on the
// command line, else the one picked in Settings, else (auto-detect) every
// USB serial port present at start, each found again by its USB ids when
// it is replugged into another socket.
func scannerSources(flagPort, setting string) ([]device.Source, error) {
	var cfgs []serialscan.Config
	switch port := flagPort; {
	case port != "":
		cfgs = append(cfgs, serialscan.Config{Port: port})
	case setting != "" && setting != ui.ScannerAuto:
		cfgs = append(cfgs, serialscan.Config{Port: setting})
	default:
		ports, err := serialscan.SystemPorts{}.Ports()
		if err != nil {
			return nil, fmt.Errorf("list serial ports: %w", err)
		}
		for _, p := range ports {
			if p.IsUSB && p.VID != "" && p.PID != "" {
				cfgs = append(cfgs, serialscan.Config{USB: &serialscan.USBMatch{VID: p.VID, PID: p.PID, Serial: p.SerialNumber}})
			}
		}
	}
	var sources []device.Source
	for _, cfg := range cfgs {
		sc, err := serialscan.New(cfg)
		if err != nil {
			return sources, err
		}
		sources = append(sources, sc)
	}
	return sources, nil
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
