package serialscan

import (
	"fmt"
	"strings"

	"go.bug.st/serial/enumerator"
)

// PortLister lists the serial ports present now. The enumerator is behind
// this interface so tests can describe a USB scanner appearing on a pseudo
// terminal.
type PortLister interface {
	Ports() ([]*enumerator.PortDetails, error)
}

// SystemPorts lists the machine's ports with go.bug.st/serial/enumerator.
type SystemPorts struct{}

func (SystemPorts) Ports() ([]*enumerator.PortDetails, error) {
	ports, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return nil, fmt.Errorf("serialscan: listing ports: %w", err)
	}
	return ports, nil
}

// USBMatch picks a USB scanner by vendor and product id (hex, as the
// enumerator reports them, e.g. "0C2E") and, to tell two identical scanners
// apart, by serial number.
type USBMatch struct {
	VID, PID string
	Serial   string // empty matches any
}

func (m USBMatch) String() string {
	s := "usb:" + strings.ToLower(m.VID) + ":" + strings.ToLower(m.PID)
	if m.Serial != "" {
		s += ":" + m.Serial
	}
	return s
}

func (m USBMatch) matches(p *enumerator.PortDetails) bool {
	return p != nil && p.IsUSB &&
		strings.EqualFold(p.VID, m.VID) && strings.EqualFold(p.PID, m.PID) &&
		(m.Serial == "" || p.SerialNumber == m.Serial)
}

// find returns the name of the first listed port m matches.
func (m USBMatch) find(lister PortLister) (string, error) {
	ports, err := lister.Ports()
	if err != nil {
		return "", err
	}
	for _, p := range ports {
		if m.matches(p) {
			return p.Name, nil
		}
	}
	return "", fmt.Errorf("serialscan: no port matches %s", m)
}
