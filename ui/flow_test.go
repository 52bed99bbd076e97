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
	assert.Equal(t, "Grade TI-1 — Apple iPhone 13 128GB · Ada Lovelace", fl.grade.title.Text)
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
	assert.Empty(t, g.Problems(), "a device half graded is progress, not an error")
	assert.Equal(t, "0 of 13 answered · to do: zones: screen, back, frame, camera · checks: power, display, touch, charging, cameras, buttons, audio, biometrics, connectivity", g.Progress())

	test.Tap(findButton(t, g.Content(), "All flawless (Ctrl+F)"))
	test.Tap(findButton(t, g.Content(), "All pass (Ctrl+P)"))
	test.Type(g.battery, "91")
	g.accessories["charger"].SetChecked(true)
	assert.Empty(t, g.Problems())
	assert.Equal(t, "All 13 answered: Ctrl+Enter confirms.", g.Progress())
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
	test.Tap(findButton(t, g.Content(), "All flawless (Ctrl+F)"))
	assert.Equal(t, "4 of 13 answered · to do: checks: power, display, touch, charging, cameras, buttons, audio, biometrics, connectivity", g.Progress())
	for _, c := range intake.Checks[4:] {
		g.checks[c].SetSelected("Not tested")
	}
	assert.Equal(t, "9 of 13 answered · to do: checks: power, display, touch, charging", g.Progress())
	for _, c := range intake.Checks[:4] {
		g.checks[c].SetSelected("Not tested")
	}
	assert.Equal(t, "13 of 13 answered", g.Progress())
	assert.Equal(t, "critical check power has no result; critical check display has no result; "+
		"critical check touch has no result; critical check charging has no result", g.Problems(), "answers the rubric refuses are errors")
	test.Tap(findButton(t, g.Content(), "All pass (Ctrl+P)"))
	test.Type(g.battery, "abc")
	assert.Contains(t, g.Problems(), "not a whole number")
	assert.True(t, g.confirm.Disabled())
	g.battery.SetText("120")
	assert.Contains(t, g.Problems(), "outside 0-100")
	g.battery.SetText("")
	assert.False(t, g.confirm.Disabled())
}

func TestScanWhileGradingAsksFirst(t *testing.T) {
	tests := []struct {
		name    string
		answer  string
		grading bool
		card    string
	}{
		{"finish grading first", "Finish grading first", true, ""},
		{"leave it received", "Leave it received, look up the scan", false, "Not accepted yet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			fl, until := newFlow(t, f, tech)
			scanAndReceive(t, fl, until)
			g := fl.grade
			g.zones[intake.ZoneScreen].SetSelected(intake.SeverityLight.String())
			fl.HandleScan("490154203237518")
			assert.True(t, fl.grading(), "the half-graded device stays on screen")
			assert.Equal(t, "Scanned 490154203237518 while TI-1 is being graded. Finish grading TI-1 first?", g.Asking())
			assert.False(t, g.bar.Visible(), "the question takes Confirm's place")
			assert.Equal(t, g.ask.finish, g.env.Window.Canvas().Focused(), "Space keeps grading")

			test.Tap(findButton(t, g.Content(), tt.answer))
			assert.Empty(t, g.Asking())
			assert.Equal(t, tt.grading, fl.grading())
			if tt.grading {
				assert.Equal(t, intake.SeverityLight.String(), g.zones[intake.ZoneScreen].Selected, "nothing answered is lost")
				assert.Equal(t, g.zones[intake.ZoneBack], g.env.Window.Canvas().Focused(), "back to the first open question")
				return
			}
			until("the lookup", func() bool { return fl.receive.Headline() == tt.card })
			state, err := f.store.UnitState(context.Background(), tradeInShip)
			require.NoError(t, err)
			assert.Equal(t, intake.UnitReceived, state, "the device left behind stays received")
		})
	}
}

// damage grades TI-1 with a cracked screen, adds a photo and confirms.
func damage(t *testing.T, f *fixture, fl *benchFlow, until func(string, func() bool)) {
	t.Helper()
	scanAndReceive(t, fl, until)
	g := fl.grade
	test.Tap(findButton(t, g.Content(), "All flawless (Ctrl+F)"))
	test.Tap(findButton(t, g.Content(), "All pass (Ctrl+P)"))
	g.zones[intake.ZoneScreen].SetSelected(intake.SeverityCracked.String())
	assert.Equal(t, "Grade: poor (cosmetic D, functional 0)", g.Live())
	assert.Equal(t, colourLook, g.live.banner.FillColor)
	assert.Contains(t, g.liveDetails.Text, "graded poor fetches $160.00 (−$160.00)")
	assert.Equal(t, "Worse than disclosed: a supervisor decides from photos. Take a photo of the damage, or say why there is none.", g.Progress())
	assert.True(t, g.confirm.Disabled(), "no reroute without a photo")

	g.photos.add(func(context.Context) ([]byte, error) { return pngBytes(t), nil })
	until("the photo", func() bool { return g.photos.count() == 1 })
	require.Len(t, g.photos.thumbs.Objects, 1, "a thumbnail, not a hash")
	assert.Equal(t, "front", g.photos.thumbs.Objects[0].(*tile).caption.Text)
	assert.Equal(t, "back", g.photos.angle.Selected, "the next angle is offered")
	assert.Equal(t, "Worse than disclosed: confirming reroutes it to Returns and holds the payout for a supervisor.", g.Progress())
	assert.False(t, g.confirm.Disabled())

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

	test.Tap(s.buttons[0]) // decline without a reason
	assert.Equal(t, "Decline TI-1? The device goes back to Ada Lovelace and nothing is paid. Press Confirm decline again to do it.", s.Message())
	test.Tap(s.buttons[0])
	until("the refusal", func() bool { return !s.busy && s.Message() != "" })
	assert.Contains(t, s.Message(), "needs a reason")
	assert.Len(t, s.Queue(), 1, "a refused decision changes nothing")

	decided := make(chan intake.SupervisorDecision, 1)
	s.OnDecided = func(d intake.SupervisorDecision) { decided <- d }
	test.Type(s.reason, "crack hidden in the photos")
	test.Tap(s.buttons[0])
	assert.Len(t, decided, 0, "typing a reason asks again")
	test.Tap(s.buttons[0])
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

func TestRescanSaysWhatTheUnitWaitsFor(t *testing.T) {
	morePhotos := func(t *testing.T, f *fixture) {
		f.rerouted(t)
		_, err := f.bench.Decide(context.Background(), f.store, supervisor, tradeInShip,
			intake.DecisionRequest{Kind: intake.DecideMorePhotos, Reason: "show the frame"})
		require.NoError(t, err)
	}
	tests := []struct {
		name     string
		prepare  func(*testing.T, *fixture)
		headline string
		grades   bool // Enter on the empty prompt opens its grading
	}{
		{"received, not graded", func(t *testing.T, f *fixture) {
			_, err := f.bench.Receive(context.Background(), tech, imeiShipped)
			require.NoError(t, err)
		}, "Received, not graded yet", true},
		{"photos requested", morePhotos, "More photos requested", true},
		{"rerouted", func(t *testing.T, f *fixture) { f.rerouted(t) }, "Already received — waiting for a supervisor", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tt.prepare(t, f)
			fl, until := newFlow(t, f, tech)
			r := fl.receive
			fl.HandleScan(imeiShipped)
			until("the match", func() bool { return r.match != nil })
			assert.Equal(t, tt.headline, r.Headline())
			assert.Contains(t, r.Details(), "Received by op-tech at bench bench-7")
			r.entry.TypedKey(keyReturn())
			assert.Equal(t, tt.grades, fl.grading())
		})
	}
}
