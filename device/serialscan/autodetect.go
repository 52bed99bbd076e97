package serialscan

import (
	"context"
	"sync"
	"time"

	"github.com/intakebench/intakebench/device"
)

// AutoDetect reads every USB serial scanner, also those plugged in after it
// started: it lists the ports every Interval and starts a Scanner for each
// USB device (vendor, product and serial number) it has not seen yet. That
// Scanner then follows its device across unplugs and new port names.
//
// Two identical scanners without serial numbers look the same: only the
// first is read. Give each its port in the configuration instead.
type AutoDetect struct {
	// Config is the template of each scanner: its Port, USB and Name are
	// set per device. A nil Lister means SystemPorts.
	Config Config
	// Interval is how often the ports are listed; 0 means 1s.
	Interval time.Duration
}

// AutoSource is the Source of AutoDetect's own status: Disconnected when
// the ports cannot be listed, Connected when they can again.
const AutoSource = "serial:auto"

// Run reads the scanners until ctx ends; it returns ctx.Err(). A failure to
// list the ports is reported once, as a Disconnected status of AutoSource,
// and listing goes on; a Connected status says when it works again.
func (a AutoDetect) Run(ctx context.Context, out chan<- device.Event) error {
	lister := a.Config.Lister
	if lister == nil {
		lister = SystemPorts{}
	}
	interval := a.Interval
	if interval <= 0 {
		interval = time.Second
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	started := map[string]bool{}
	failing := false
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		ports, err := lister.Ports()
		if failed := err != nil; failed != failing {
			failing = failed
			st := device.Status{Source: AutoSource, State: device.Connected, Detail: "listing ports again", At: time.Now()}
			if failed {
				st.State, st.Detail, st.Err = device.Disconnected, "cannot list the serial ports", err
			}
			if !device.Send(ctx, out, st) {
				return ctx.Err()
			}
		}
		for _, p := range ports {
			if !p.IsUSB || p.VID == "" || p.PID == "" {
				continue
			}
			m := USBMatch{VID: p.VID, PID: p.PID, Serial: p.SerialNumber}
			if started[m.String()] {
				continue
			}
			cfg := a.Config
			cfg.Port, cfg.USB, cfg.Name, cfg.Lister = "", &m, "", lister
			sc, err := New(cfg)
			if err != nil {
				return err // the template is wrong: every scanner would fail alike
			}
			started[m.String()] = true
			wg.Go(func() { _ = sc.Run(ctx, out) })
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}
