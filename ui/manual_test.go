package ui

import (
	"context"
	"image/color"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

type linkFunc func(ctx context.Context, op intake.Operator, tradeInID, scan, reason string) (intake.Receipt, error)

func (f linkFunc) ReceiveByTradeIn(ctx context.Context, op intake.Operator, tradeInID, scan, reason string) (intake.Receipt, error) {
	return f(ctx, op, tradeInID, scan, reason)
}

type quarantineFunc func(ctx context.Context, op intake.Operator, scan, reason string) error

func (f quarantineFunc) Quarantine(ctx context.Context, op intake.Operator, scan, reason string) error {
	return f(ctx, op, scan, reason)
}

func newManualReceive(t *testing.T, f *fixture, deps ReceiveDeps) (*ReceiveScreen, func(string, func() bool)) {
	t.Helper()
	test.NewTempApp(t)
	post, until := settling(t)
	deps.Lookup, deps.Receiver, deps.Search = f.bench, f.bench, f.store
	s := NewReceiveScreen(Env{Session: session{tech}, Clock: f.clock, Bench: "bench-7", post: post}, deps)
	test.NewTempWindow(t, s.Content())
	s.HandleScan(imeiWalkIn)
	until("the unknown card", func() bool { return s.Headline() == "Unknown device" })
	require.True(t, s.manual.content.Visible(), "an unknown device offers the manual paths")
	return s, until
}

func TestUnknownDeviceLinkedByHand(t *testing.T) {
	f := newFixture(t)
	var got [3]string
	s, until := newManualReceive(t, f, ReceiveDeps{Link: linkFunc(func(_ context.Context, op intake.Operator, id, scan, reason string) (intake.Receipt, error) {
		got = [3]string{id, scan, reason}
		return intake.Receipt{TradeInID: id, Operator: op.ID, At: f.clock.Now()}, nil
	})})
	received := make(chan intake.TradeIn, 1)
	s.OnReceived = func(t intake.TradeIn, _ intake.Receipt) { received <- t }
	p := s.manual

	test.Type(p.term, "Nobody")
	p.term.TypedKey(keyReturn())
	until("the search", func() bool { return p.msg.Text != "Searching…" })
	assert.Contains(t, p.msg.Text, `No trade-in found for "Nobody"`)

	p.term.SetText("Ada")
	p.term.TypedKey(keyReturn())
	until("the results", func() bool { return len(p.found) == 1 })
	assert.True(t, p.link.Disabled(), "nothing picked yet")
	p.pick(0)
	assert.Contains(t, p.picked.Text, "TI-1")
	test.Tap(p.link)
	assert.Contains(t, p.msg.Text, "Say why")
	test.Type(p.reason, "reference on the packing slip")
	test.Tap(p.link)
	until("the receipt", func() bool { return len(received) == 1 })
	ti := <-received
	assert.Equal(t, "TI-1", ti.Reference)
	assert.Equal(t, [3]string{tradeInShip, imeiWalkIn, "reference on the packing slip"}, got)
	until("the card", func() bool { return s.Headline() == "Received: TI-1" })
}

func TestUnknownDeviceWithoutDomainSupport(t *testing.T) {
	f := newFixture(t)
	s, until := newManualReceive(t, f, ReceiveDeps{})
	p := s.manual
	p.term.SetText("TI-1")
	p.search()
	until("the results", func() bool { return len(p.found) == 1 })
	p.pick(0)
	assert.True(t, p.link.Disabled(), "linking waits for the domain call")
	assert.True(t, p.quaran.Disabled())
}

func TestUnknownDeviceQuarantined(t *testing.T) {
	f := newFixture(t)
	var reason string
	s, until := newManualReceive(t, f, ReceiveDeps{Quarantine: quarantineFunc(func(_ context.Context, _ intake.Operator, _, r string) error {
		reason = r
		return nil
	})})
	test.Type(s.manual.qReason, "no paperwork")
	test.Tap(s.manual.quaran)
	until("the quarantine", func() bool { return s.Headline() == "Quarantined" })
	assert.Equal(t, "no paperwork", reason)
	assert.Contains(t, s.Details(), "quarantined: no paperwork")
	assert.Equal(t, color.NRGBA{R: 0x6b, G: 0x4a, B: 0x2b, A: 0xff}, s.BannerColour(), "the quarantine shelf's brown")
}

func TestAlreadyReceivedHereCanBeGradedAgain(t *testing.T) {
	f := newFixture(t)
	fl, until := newFlow(t, f, tech)
	_, err := f.bench.Receive(context.Background(), tech, imeiShipped)
	require.NoError(t, err)
	fl.HandleScan(imeiShipped)
	until("the card", func() bool { return fl.receive.Headline() == "Received, not graded yet" })
	require.True(t, fl.receive.grade.Visible(), "this bench holds the unit")
	test.Tap(fl.receive.grade)
	assert.True(t, fl.grading())
	test.Tap(findButton(t, fl.grade.Content(), "Back to scanning"))
	assert.False(t, fl.grading())
	assert.Contains(t, fl.receive.Details(), "stays received")
}
