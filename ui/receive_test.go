package ui

import (
	"context"
	"errors"
	"image/color"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"

	"github.com/intakebench/intakebench/intake"
)

type lookupFunc func(ctx context.Context, raw string) (intake.Match, error)

func (f lookupFunc) Lookup(ctx context.Context, raw string) (intake.Match, error) { return f(ctx, raw) }

// One colour and one icon per outcome, written out: a change of look is
// a change to the README's pictures and to what technicians learned.
var (
	green   = color.NRGBA{R: 0x1b, G: 0x7f, B: 0x3b, A: 0xff}
	blue    = color.NRGBA{R: 0x1f, G: 0x5f, B: 0xa8, A: 0xff}
	purple  = color.NRGBA{R: 0x5e, G: 0x4b, B: 0x9c, A: 0xff}
	red     = color.NRGBA{R: 0xb0, G: 0x1c, B: 0x1c, A: 0xff}
	magenta = color.NRGBA{R: 0x9c, G: 0x1f, B: 0x6b, A: 0xff}
	olive   = color.NRGBA{R: 0x7a, G: 0x6a, B: 0x12, A: 0xff}
)

func TestReceiveScreenShowsEachOutcome(t *testing.T) {
	trade := &intake.TradeIn{Reference: "TI-2026-000042", Status: intake.StatusShipped, Customer: intake.Customer{Name: "Ada Lovelace"},
		Device: intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB", Colour: "Blue"}, Disclosed: intake.ConditionGood, Offer: 32000}
	tests := []struct {
		name     string
		match    intake.Match
		colour   color.NRGBA
		icon     string // the icon's file name: the shape tells the result
		headline string
		details  []string
	}{
		{"matched", intake.Match{Outcome: intake.OutcomeMatched, TradeIn: trade}, green, "foreground_check.svg", "Match: TI-2026-000042",
			[]string{"Apple iPhone 13 128GB · Blue — Ada Lovelace", "Offer: $320.00", "Disclosed: good", "Press Enter"}},
		{"flagged", intake.Match{Outcome: intake.OutcomeFlagged, TradeIn: trade, Flag: &intake.Flag{Kind: intake.FlagBlacklisted, Reason: "reported stolen"}},
			red, "foreground_error.svg", "Stop: blacklisted", []string{"reported stolen", "Do not grade"}},
		{"already received", intake.Match{Outcome: intake.OutcomeAlreadyReceived, TradeIn: trade,
			Receipt: &intake.Receipt{Operator: "op-tess", Bench: "bench-2", At: time.Date(2026, 11, 20, 9, 30, 0, 0, time.Local)}},
			blue, "foreground_history.svg", "Already received", []string{"op-tess", "bench-2", "2026-11-20 09:30"}},
		{"model mismatch", intake.Match{Outcome: intake.OutcomeModelMismatch, TradeIn: trade,
			Identifiers: []intake.Identifier{{Kind: intake.KindIMEI, Value: "353133101234567"}},
			TAC:         &intake.TACLookup{IMEI: "353133101234567", TAC: "35313310", Models: []intake.DeviceModel{{Make: "Apple", Model: "iPhone 14"}}}},
			magenta, "foreground_search-replace.svg", "Model does not match the IMEI", []string{"TI-2026-000042", "Trade-in model: Apple iPhone 13\n",
				"IMEI model: Apple iPhone 14 (IMEI 353133101234567, TAC 35313310)", "Do not receive", "supervisor"}},
		{"unknown", intake.Match{Outcome: intake.OutcomeUnknown, Identifiers: []intake.Identifier{{Kind: intake.KindIMEI, Value: "358240051111110"}}},
			purple, "foreground_question.svg", "Unknown device", []string{"IMEI 358240051111110", "quarantine"}},
		{"invalid", intake.Match{Outcome: intake.OutcomeInvalid, Problem: "356938035643808: IMEI check digit is 8, expected 9"},
			olive, "foreground_warning.svg", "Not a device identifier", []string{"check digit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			test.NewTempApp(t)
			post, until := settling(t)
			shown := make(chan intake.Match, 1)
			s := lookupScreen(post, func(context.Context, string) (intake.Match, error) { return tt.match, nil })
			s.OnShown = func(m intake.Match) { shown <- m }
			w := test.NewTempWindow(t, s.Content())
			s.Focus(w.Canvas())
			test.Type(s.entry, "356938035643809")
			s.entry.TypedKey(keyReturn())
			until("the match", func() bool { return len(shown) == 1 })
			assert.Equal(t, tt.headline, s.Headline())
			assert.Equal(t, tt.colour, s.BannerColour())
			assert.Equal(t, tt.icon, s.Icon().Name())
			for _, d := range tt.details {
				assert.Contains(t, s.Details(), d)
			}
			assert.Empty(t, s.entry.Text, "the prompt is cleared for the next scan")
		})
	}
}

type receiverFunc func(ctx context.Context, op intake.Operator, scan string) (intake.Receipt, error)

func (f receiverFunc) Receive(ctx context.Context, op intake.Operator, scan string) (intake.Receipt, error) {
	return f(ctx, op, scan)
}

func TestReceiveScreenOffersNoReceiptOfAModelMismatch(t *testing.T) {
	test.NewTempApp(t)
	post, until := settling(t)
	m := intake.Match{Outcome: intake.OutcomeModelMismatch, Scan: "353133101234567",
		TradeIn: &intake.TradeIn{Reference: "TI-1", Status: intake.StatusShipped, Device: intake.Device{Make: "Apple", Model: "iPhone 13"}},
		TAC:     &intake.TACLookup{IMEI: "353133101234567", TAC: "35313310", Models: []intake.DeviceModel{{Make: "Apple", Model: "iPhone 14"}}}}
	s := NewReceiveScreen(Env{post: post}, ReceiveDeps{
		Lookup: lookupFunc(func(context.Context, string) (intake.Match, error) { return m, nil }),
		Receiver: receiverFunc(func(context.Context, intake.Operator, string) (intake.Receipt, error) {
			t.Error("a model mismatch must not be received")
			return intake.Receipt{}, nil
		}),
	})
	shown := make(chan intake.Match, 1)
	s.OnShown = func(m intake.Match) { shown <- m }
	test.NewTempWindow(t, s.Content())
	s.Submit(m.Scan)
	until("the match", func() bool { return len(shown) == 1 })
	assert.Equal(t, "Model does not match the IMEI", s.Headline())
	assert.False(t, s.receive.Visible(), "no Receive button")
	s.entry.TypedKey(keyReturn()) // Enter on the empty prompt
	s.Receive()
	assert.Equal(t, "Model does not match the IMEI", s.Headline(), "nothing was received")
}

func TestReceiveScreenShowsLookupFailure(t *testing.T) {
	test.NewTempApp(t)
	post, until := settling(t)
	s := lookupScreen(post, func(context.Context, string) (intake.Match, error) {
		return intake.Match{}, errors.New("disk I/O error")
	})
	test.NewTempWindow(t, s.Content())
	s.Submit("356938035643809")
	until("the failure", func() bool { return s.Headline() == "Lookup failed" })
	assert.Contains(t, s.Details(), "disk I/O error")
	assert.Contains(t, s.Details(), "was not recorded")
	assert.Equal(t, colourStop, s.BannerColour())
}

func TestReceiveScreenIgnoresBlankScans(t *testing.T) {
	test.NewTempApp(t)
	s := lookupScreen(nil, func(context.Context, string) (intake.Match, error) {
		t.Error("a blank scan must not be looked up")
		return intake.Match{}, nil
	})
	test.NewTempWindow(t, s.Content())
	s.Submit("   ")
	assert.Equal(t, "Ready to scan", s.Headline())
}

// lookupScreen is a receive screen that only looks scans up, with lookup.
func lookupScreen(post func(func()), lookup lookupFunc) *ReceiveScreen {
	return NewReceiveScreen(Env{post: post}, ReceiveDeps{Lookup: lookup})
}

func keyReturn() *fyne.KeyEvent { return &fyne.KeyEvent{Name: fyne.KeyReturn} }
