package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/intakebench/intakebench/assets"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/store"
	"github.com/intakebench/intakebench/ui"
)

func runGUI(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", defaultDB(), "bench store")
	demoN := fs.Int("demo", 500, "demo trade-ins in the local hub when the app creates it")
	kiosk := fs.Bool("kiosk", false, "full screen")
	events := fs.Bool("events", false, "print a JSON line on stdout when the app is ready and each time a match is shown")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	engine, benchName, stopHub, err := connectHub(ctx, *db, s, *demoN, stderr)
	if err != nil {
		return err
	}
	defer stopHub()
	// A bench with an empty cache pulls before it opens, so that its first
	// scan can match; later pulls run in the background.
	if n, err := s.CountTradeIns(ctx); err != nil {
		return err
	} else if n == 0 {
		if _, err := engine.RunOnce(ctx); err != nil {
			fmt.Fprintf(stderr, "first sync failed, starting offline: %v\n", err)
		}
	}
	go engine.Run(ctx)
	bench := intake.NewBench(s, benchName, time.Now, newKey)

	a := app.NewWithID("io.intakebench.bench")
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.IconPNG))
	w := a.NewWindow("Intake Bench")
	enc := json.NewEncoder(stdout)
	report := func(v any) {
		if *events {
			enc.Encode(v)
		}
	}
	screen := ui.NewReceiveScreen(bench, func(m intake.Match) {
		ev := shownEvent{Event: "match-shown", Outcome: m.Outcome, Scan: m.Scan, At: time.Now().UTC()}
		if m.TradeIn != nil {
			ev.Reference = m.TradeIn.Reference
		}
		report(ev)
	})
	w.SetContent(screen.Content())
	w.Resize(fyne.NewSize(900, 640))
	w.SetFullScreen(*kiosk)
	if hint, err := demoHint(ctx, s); err == nil && hint != "" {
		screen.SetHint(hint)
	}
	screen.Focus(w.Canvas())
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	a.Lifecycle().SetOnStarted(func() { report(shownEvent{Event: "ready", At: time.Now().UTC()}) })
	w.ShowAndRun()
	return nil
}

// shownEvent is one line of --events output.
type shownEvent struct {
	Event     string         `json:"event"`
	Outcome   intake.Outcome `json:"outcome,omitempty"`
	Reference string         `json:"reference,omitempty"`
	Scan      string         `json:"scan,omitempty"`
	At        time.Time      `json:"at"`
}

// demoHint lists a few IMEIs to try, so a newcomer can walk the flow
// without a device in hand.
func demoHint(ctx context.Context, s *store.Store) (string, error) {
	ts, flags, err := s.Examples(ctx, 3)
	if err != nil || len(ts) == 0 {
		return "", err
	}
	var b strings.Builder
	b.WriteString("No device at hand? Type one of these IMEIs and press Enter:\n")
	for _, t := range ts {
		fmt.Fprintf(&b, "  %s — %s %s %s (%s)\n", t.IMEI, t.Device.Make, t.Device.Model, t.Device.Storage, t.Reference)
	}
	for _, f := range flags[:min(1, len(flags))] {
		fmt.Fprintf(&b, "  %s — %s (shows a stop)\n", f.IMEI, f.Kind)
	}
	return b.String(), nil
}
