package serialscan_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.bug.st/serial/enumerator"

	"github.com/intakebench/intakebench/device"
	"github.com/intakebench/intakebench/device/serialscan"
	"github.com/intakebench/intakebench/device/serialscan/serialtest"
)

// flakyPorts fails to list the ports until it is told otherwise.
type flakyPorts struct {
	fakePorts
	mu  sync.Mutex
	err error
}

func (f *flakyPorts) Ports() ([]*enumerator.PortDetails, error) {
	f.mu.Lock()
	err := f.err
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return f.fakePorts.Ports()
}

func (f *flakyPorts) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func TestAutoDetectReadsScannersPluggedInLater(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lister := &flakyPorts{}
	lister.fail(errors.New("udev is not ready"))
	ev := run(t, serialscan.AutoDetect{Config: serialscan.Config{Lister: lister}, Interval: 20 * time.Millisecond})
	st := ev.status(device.Disconnected)
	assert.Equal(t, serialscan.AutoSource, st.Source)
	assert.ErrorContains(t, st.Err, "udev is not ready", "a failure to list the ports is reported")

	// A built-in serial port and a scanner, plugged in once the app runs.
	builtin := serialtest.New(t, dir, "ttyS0")
	first := serialtest.New(t, dir, "ttyACM0")
	lister.set(&enumerator.PortDetails{Name: builtin.A}, usbScanner(first.A, "SN1"))
	lister.fail(nil)
	assert.Equal(t, serialscan.AutoSource, ev.status(device.Connected).Source, "listing works again")
	st = ev.status(device.Connected)
	assert.Equal(t, "serial:usb:0c2e:0b61:SN1", st.Source)
	assert.Equal(t, first.A, st.Detail)
	builtin.Write("NOT-A-SCANNER\r")
	first.Write("ONE\r")
	assert.Equal(t, "ONE", ev.scan().Raw, "only USB devices are taken for scanners")

	// A second scanner of the same model joins; the first keeps reading.
	second := serialtest.New(t, dir, "ttyACM1")
	lister.set(&enumerator.PortDetails{Name: builtin.A}, usbScanner(first.A, "SN1"), usbScanner(second.A, "SN2"))
	st = ev.status(device.Connected)
	assert.Equal(t, "serial:usb:0c2e:0b61:SN2", st.Source)
	second.Write("TWO\r")
	first.Write("THREE\r")
	got := map[string]string{}
	for range 2 {
		s := ev.scan()
		got[s.Raw] = s.Source
	}
	require.Equal(t, map[string]string{"TWO": "serial:usb:0c2e:0b61:SN2", "THREE": "serial:usb:0c2e:0b61:SN1"}, got)

	// Unplugged and back under another name, it is still one scanner.
	replugElsewhere(t, ev, &lister.fakePorts, first, "SN1", usbScanner(second.A, "SN2"))
}
