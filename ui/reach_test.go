package ui

import (
	"context"
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/store"
)

// imeiSecond is TI-4, shipped: a second device to grade.
const imeiSecond = "352099001761481"

// TestEveryScreenFitsTheWindow walks every screen at the window sizes a
// bench has, less the real window's menu bar the test window does not draw:
// 1024×720 (the app's window on a 1024×768 display) and 1280×800 (kiosk on
// a 1280×800 display). Each fits without widening the window, and each of
// its main buttons is wholly on screen, by the position Fyne laid it out at.
func TestEveryScreenFitsTheWindow(t *testing.T) {
	for _, size := range []fyne.Size{{Width: 1024, Height: 692}, {Width: 1280, Height: 772}} {
		t.Run(fmt.Sprintf("%.0fx%.0f", size.Width, size.Height), func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			prices := intake.PriceTableFromBase(40000)
			require.NoError(t, f.store.ApplyChanges(ctx, store.Changes{TradeIns: []intake.TradeIn{{ID: "4", Reference: "TI-4",
				Status: intake.StatusShipped, IMEI: imeiSecond, Device: intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB"},
				Customer: intake.Customer{Name: "Katherine Johnson"}, Disclosed: intake.ConditionGood, Offer: prices[intake.ConditionGood],
				Prices: prices, UpdatedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}}}, "c2"))
			f.rerouted(t)
			_, err := f.bench.AddPhoto(ctx, tech, tradeInShip, "front", pngBytes(t))
			require.NoError(t, err)

			sh, until := newShell(t, f)
			w := sh.deps.Window
			w.Resize(size)
			fits := func(screen string) {
				t.Helper()
				// A real window lays out again each frame whatever changed
				// size; the test window does when it is resized.
				w.Resize(size.AddWidthHeight(1, 1))
				w.Resize(size)
				c := sh.Content()
				min, got := c.MinSize(), c.Size()
				assert.LessOrEqual(t, min.Width, got.Width, "%s: no wider than the window", screen)
				assert.LessOrEqual(t, min.Height, got.Height, "%s: no taller than the window", screen)
				as := sh.Actions()
				require.NotEmpty(t, as, "%s has main buttons", screen)
				for _, a := range as {
					assert.True(t, a.OnScreen, "%s: %q at %v, %v", screen, a.Label, a.Position, a.Size)
				}
			}
			fits("login")

			loginAs(t, sh, until, supervisor, pinSuper)
			assert.Equal(t, TabReview, sh.tabs.Selected().Text, "a supervisor starts on the review queue")
			until("the unit", func() bool { return sh.review.detail.Visible() })
			fits("review with a photo")
			sh.review.buttons[1].Tapped(nil)
			assert.Contains(t, sh.review.Message(), "Press Send counter-offer")
			fits("review asking to confirm")

			sh.HandleScan(imeiWalkIn)
			until("the unknown device", func() bool { return sh.flow.receive.manual.content.Visible() })
			fits("receive, unknown device")

			sh.HandleScan(imeiSecond)
			until("the match", func() bool { return sh.flow.receive.receive.Visible() })
			fits("receive, match")
			sh.flow.receive.Receive()
			until("the grading", sh.flow.grading)
			fits("grade")
			sh.flow.grade.AllZonesFlawless()
			sh.flow.grade.AllChecksPass()
			fits("grade, complete")
			sh.HandleScan(imeiShipped)
			fits("grade, asking about a scan")

			for _, tab := range []string{TabWalkIn, TabStats, TabSettings} {
				require.True(t, sh.ShowTab(tab))
				fits(tab)
			}
		})
	}
}
