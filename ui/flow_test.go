package ui

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

// newFlow is the Receive tab over the real bench, for op.
func newFlow(t *testing.T, f *fixture, op intake.Operator) (*benchFlow, func(string, func() bool)) {
	t.Helper()
	test.NewTempApp(t)
	post, until := settling(t)
	w := test.NewTempWindow(t, nil)
	env := Env{Session: session{op}, Clock: f.clock, Window: w, Bench: "bench-7", post: post}
	fl := newBenchFlow(env,
		NewReceiveScreen(env, ReceiveDeps{Lookup: f.bench, Receiver: f.bench, Search: f.store}),
		NewGradeScreen(env, GradeDeps{Grader: f.bench, Photos: f.bench}),
		func(string) {})
	w.SetContent(fl.content)
	return fl, until
}

// scanAndReceive scans the shipped device and receives it with Enter.
func scanAndReceive(t *testing.T, fl *benchFlow, until func(string, func() bool)) {
	t.Helper()
	r := fl.receive
	fl.HandleScan(imeiShipped + "\r\n")
	until("the match", func() bool { return r.Headline() == "Match: TI-1" })
	assert.Equal(t, colourGo, r.BannerColour())
	require.True(t, r.receive.Visible(), "a match offers Receive")
	r.entry.TypedKey(keyReturn()) // Enter on the empty prompt receives
	until("the grading", fl.grading)
	assert.Equal(t, "Grade TI-1", fl.grade.title.Text)
}

func TestReceiveGradeReceipt(t *testing.T) {
	f := newFixture(t)
	fl, until := newFlow(t, f, tech)
	var screens []string
	fl.shown = func(s string) { screens = append(screens, s) }
	scanAndReceive(t, fl, until)
	assert.Equal(t, []string{ScreenGrade}, screens, "the grade screen is announced once it holds the keyboard")
	g := fl.grade
	assert.True(t, g.confirm.Disabled(), "nothing graded yet: Confirm waits")
	assert.Contains(t, g.Problems(), "cosmetic zone screen is not graded")

	test.Tap(findButton(t, g.Content(), "All zones flawless"))
	test.Tap(findButton(t, g.Content(), "All checks pass"))
	test.Type(g.battery, "91")
	g.accessories.SetSelected([]string{"charger"})
	assert.Empty(t, g.Problems())
	assert.Equal(t, "Grade: excellent (cosmetic A, functional 0)", g.Live())
	assert.Contains(t, g.liveDetails.Text, "Customer disclosed good · offer $320.00")
	assert.False(t, g.confirm.Disabled())

	test.Tap(g.confirm)
	until("the result", func() bool { return !fl.grading() })
	assert.Equal(t, []string{ScreenGrade, TabReceive}, screens)
	r := fl.receive
	assert.Equal(t, "Received — graded excellent", r.Headline())
	assert.Equal(t, colourGo, r.BannerColour())
	assert.Contains(t, r.Details(), "Payout $320.00 as offered")

	state, err := f.store.UnitState(context.Background(), tradeInShip)
	require.NoError(t, err)
	assert.Equal(t, intake.UnitGraded, state)
}

func TestGradeValidationInline(t *testing.T) {
	f := newFixture(t)
	fl, until := newFlow(t, f, tech)
	scanAndReceive(t, fl, until)
	g := fl.grade
	test.Tap(findButton(t, g.Content(), "All zones flawless"))
	assert.Contains(t, g.Problems(), "critical check power has no result")
	test.Tap(findButton(t, g.Content(), "All checks pass"))
	test.Type(g.battery, "abc")
	assert.Contains(t, g.Problems(), "not a whole number")
	assert.True(t, g.confirm.Disabled())
	g.battery.SetText("120")
	assert.Contains(t, g.Problems(), "outside 0-100")
	g.battery.SetText("")
	assert.False(t, g.confirm.Disabled())
}

func TestScanWhileGradingIsRefused(t *testing.T) {
	f := newFixture(t)
	fl, until := newFlow(t, f, tech)
	scanAndReceive(t, fl, until)
	fl.HandleScan("490154203237518")
	assert.True(t, fl.grading(), "the half-graded device stays on screen")
	assert.Contains(t, fl.grade.Problems(), "Scan ignored: finish grading TI-1")
}

// damage grades TI-1 with a cracked screen, adds a photo and confirms.
func damage(t *testing.T, f *fixture, fl *benchFlow, until func(string, func() bool)) {
	t.Helper()
	scanAndReceive(t, fl, until)
	g := fl.grade
	test.Tap(findButton(t, g.Content(), "All zones flawless"))
	test.Tap(findButton(t, g.Content(), "All checks pass"))
	g.zones[intake.ZoneScreen].SetSelected(intake.SeverityCracked.String())
	assert.Equal(t, "Grade: poor (cosmetic D, functional 0)", g.Live())
	assert.Equal(t, colourLook, g.live.banner.FillColor)
	assert.Contains(t, g.liveDetails.Text, "fetches $160.00 (−$160.00 against the offer)")
	assert.Contains(t, g.liveDetails.Text, "reroutes it to Returns")

	g.photos.add(func(context.Context) ([]byte, error) { return pngBytes(t), nil })
	until("the photo", func() bool { return len(g.photos.taken) == 1 })
	assert.Contains(t, g.photos.list.Text, "front")
	assert.Equal(t, "back", g.photos.angle.Selected, "the next angle is offered")

	test.Tap(g.confirm)
	until("the result", func() bool { return !fl.grading() })
	r := fl.receive
	assert.Equal(t, "Rerouted to Returns — payout held for a supervisor", r.Headline())
	assert.Equal(t, colourLook, r.BannerColour())
	assert.Contains(t, r.Details(), "arrived poor, disclosed good")
	assert.Contains(t, r.Details(), "Graded price $160.00")
}

func TestDamagedRerouteThenSupervisorDeclines(t *testing.T) {
	f := newFixture(t)
	fl, until := newFlow(t, f, tech)
	damage(t, f, fl, until)

	s, until := newReviewScreen(t, f, supervisor)
	until("the queue", func() bool { return len(s.Queue()) == 1 })
	assert.Equal(t, "Review queue (1)", s.title.Text)
	s.Select(0)
	assert.Equal(t, "TI-1 — disclosed good, graded poor", s.card.headline.Text)
	assert.Contains(t, s.prices.Text, "Offer $320.00 · graded price $160.00 · delta −$160.00")
	assert.Len(t, s.photos.Objects, 1, "a thumbnail per photo")

	test.Tap(s.actions[0]) // decline without a reason
	until("the refusal", func() bool { return !s.busy && s.Message() != "" })
	assert.Contains(t, s.Message(), "needs a reason")
	assert.Len(t, s.Queue(), 1, "a refused decision changes nothing")

	decided := make(chan intake.SupervisorDecision, 1)
	s.OnDecided = func(d intake.SupervisorDecision) { decided <- d }
	test.Type(s.reason, "crack hidden in the photos")
	test.Tap(s.actions[0])
	until("the decision", func() bool { return len(decided) == 1 })
	d := <-decided
	assert.Equal(t, intake.DecideDecline, d.Kind)
	until("the queue to empty", func() bool { return len(s.Queue()) == 0 })
	assert.Contains(t, s.Message(), "TI-1 declined")
	state, err := f.store.UnitState(context.Background(), tradeInShip)
	require.NoError(t, err)
	assert.Equal(t, intake.UnitDeclined, state)
}

func pngBytes(t *testing.T) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.NRGBA{R: 255, A: 255})
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}
