package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/intakebench/intakebench/intake"
)

// Catalog is the hub's device catalog as pulled to the bench; store.Store is one.
type Catalog interface {
	Makes(ctx context.Context) ([]string, error)
	Models(ctx context.Context, make string) ([]string, error)
	Variants(ctx context.Context, make, model string) ([]intake.Variant, error)
}

// IMEIChecker asks a registry whether an IMEI may be bought.
type IMEIChecker interface {
	Check(ctx context.Context, imei string) (intake.IMEICheck, error)
}

// WalkInAcceptor records an accepted walk-in. BenchWalkIns adapts intake.Bench.
type WalkInAcceptor interface {
	AcceptWalkIn(ctx context.Context, op intake.Operator, w intake.WalkIn) (intake.TradeIn, intake.Receipt, error)
}

// WalkInFunc adapts a function to a WalkInAcceptor.
type WalkInFunc func(ctx context.Context, op intake.Operator, w intake.WalkIn) (intake.TradeIn, intake.Receipt, error)

// AcceptWalkIn calls f.
func (f WalkInFunc) AcceptWalkIn(ctx context.Context, op intake.Operator, w intake.WalkIn) (intake.TradeIn, intake.Receipt, error) {
	return f(ctx, op, w)
}

// BenchWalkIns is the bench service accepting walk-ins into its store.
func BenchWalkIns(b *intake.Bench, ws intake.WalkInStore) WalkInAcceptor {
	return WalkInFunc(func(ctx context.Context, op intake.Operator, w intake.WalkIn) (intake.TradeIn, intake.Receipt, error) {
		return b.AcceptWalkIn(ctx, ws, op, w)
	})
}

// WalkInDeps are the services of the walk-in screen.
type WalkInDeps struct {
	Catalog Catalog
	IMEI    IMEIChecker
	Accept  WalkInAcceptor
	// Receipts prints or saves a walk-in's receipt again; none hides the
	// buttons.
	Receipts WalkInReceipts
}

// WalkInReceipts gives a walk-in customer their receipt again: on the
// receipt printer, or as a PDF file (the path it was saved to).
type WalkInReceipts interface {
	PrintReceipt(ctx context.Context, tradeInID string) error
	SaveReceipt(ctx context.Context, tradeInID string) (path string, err error)
}

const (
	answerYes = "Yes"
	answerNo  = "No"
)

var (
	wearOptions   = []string{string(intake.WearNone), string(intake.WearLight), string(intake.WearVisible), string(intake.WearCracked)}
	payoutOptions = []string{string(intake.PayoutStoreCredit), string(intake.PayoutCash), string(intake.PayoutCheck)}
)

// WalkInScreen is a counter trade-in from model pick to payout.
type WalkInScreen struct {
	env  Env
	deps WalkInDeps

	makeSel, modelSel, variantSel *widget.Select
	powersOn, account, battery    *widget.RadioGroup
	screenWear, bodyWear          *widget.RadioGroup
	imei                          *entry
	checkBtn                      *widget.Button
	checkCard                     *card
	quoteCard                     *card
	name, email, phone            *entry
	payout                        *widget.RadioGroup
	accept, decline, next         *widget.Button
	msg                           message
	scroll                        *container.Scroll
	content                       fyne.CanvasObject
	variants                      []intake.Variant
	variant                       *intake.Variant
	check                         *intake.IMEICheck
	quote                         *intake.Quote
	busy, done                    bool
	accepted                      intake.TradeIn // the walk-in just recorded
	printReceipt, saveReceipt     *widget.Button

	// OnChecked is called on the UI goroutine with each IMEI check shown.
	OnChecked func(intake.IMEICheck)
	// OnAccepted is called on the UI goroutine once a walk-in is recorded.
	OnAccepted func(intake.TradeIn, intake.Receipt)
}

// NewWalkInScreen builds the screen and starts loading the makes.
func NewWalkInScreen(env Env, deps WalkInDeps) *WalkInScreen {
	s := &WalkInScreen{env: env, deps: deps, msg: newMessage()}
	s.makeSel = widget.NewSelect(nil, s.makePicked)
	s.makeSel.PlaceHolder = "Make"
	s.modelSel = widget.NewSelect(nil, s.modelPicked)
	s.modelSel.PlaceHolder = "Model"
	s.variantSel = widget.NewSelect(nil, s.variantPicked)
	s.variantSel.PlaceHolder = "Storage and carrier"
	changed := func(string) { s.update() }
	yesNo := func() *widget.RadioGroup {
		r := widget.NewRadioGroup([]string{answerYes, answerNo}, changed)
		r.Horizontal = true
		return r
	}
	wear := func() *widget.RadioGroup {
		r := widget.NewRadioGroup(wearOptions, changed)
		r.Horizontal = true
		return r
	}
	s.powersOn, s.account, s.battery = yesNo(), yesNo(), yesNo()
	s.screenWear, s.bodyWear = wear(), wear()
	s.imei = newPromptEntry()
	s.imei.SetPlaceHolder("Scan or type the IMEI (*#06# on the phone), then Enter")
	s.imei.OnSubmitted = func(string) { s.Check() }
	s.imei.OnChanged = func(string) {
		s.check = nil
		s.checkCard.paint(colourReady, "IMEI not checked yet")
		s.update()
	}
	s.checkBtn = widget.NewButtonWithIcon("Check IMEI", theme.SearchIcon(), s.Check)
	s.checkCard = newCard(colourReady, "IMEI not checked yet", 22)
	s.quoteCard = newCard(colourReady, "Quote: pick a model and answer the questions", 28)
	s.name, s.email, s.phone = newEntry(env), newEntry(env), newEntry(env)
	s.name.SetPlaceHolder("Customer name (required)")
	s.email.SetPlaceHolder("Email (optional)")
	s.phone.SetPlaceHolder("Phone (optional)")
	s.name.OnChanged = changed
	s.payout = widget.NewRadioGroup(payoutOptions, changed)
	s.payout.Horizontal = true
	s.accept = bigButton("Customer accepts — receive and pay", theme.ConfirmIcon(), widget.SuccessImportance, s.Accept)
	s.decline = bigButton("Customer declines", theme.CancelIcon(), widget.MediumImportance, func() {
		s.Reset("Declined: nothing was recorded. Hand the device back to the customer.")
	})
	s.next = bigButton("Next customer", theme.NavigateNextIcon(), widget.HighImportance, func() { s.Reset("") })
	s.next.Hide()
	s.printReceipt = widget.NewButtonWithIcon("Print receipt", theme.DocumentPrintIcon(), func() { s.receipt(false) })
	s.saveReceipt = widget.NewButtonWithIcon("Save receipt PDF", theme.DocumentSaveIcon(), func() { s.receipt(true) })
	s.printReceipt.Hide()
	s.saveReceipt.Hide()
	s.payout.SetSelected(string(intake.PayoutStoreCredit))

	questions := container.New(layout.NewFormLayout(),
		widget.NewLabel("Powers on and works normally?"), s.powersOn,
		widget.NewLabel("Find My / Google account removed?"), s.account,
		widget.NewLabel("Screen"), s.screenWear,
		widget.NewLabel("Body"), s.bodyWear,
		widget.NewLabel("Battery without service warning?"), s.battery,
	)
	form := container.NewVBox(
		bold("1. Device"), container.NewGridWithColumns(3, tall(s.makeSel, touchHeight), tall(s.modelSel, touchHeight), tall(s.variantSel, touchHeight)),
		bold("2. Condition"), questions,
		bold("3. IMEI"), container.NewBorder(nil, nil, nil, s.checkBtn, tall(s.imei, touchHeight)), s.checkCard.content,
		bold("4. Customer"), container.NewGridWithColumns(3, s.name, s.email, s.phone),
		container.NewHBox(widget.NewLabel("Payout"), s.payout),
	)
	top := container.NewVBox(bold("Walk-in trade-in"), s.quoteCard.content)
	bottom := container.NewVBox(s.msg.Label, container.NewHBox(tall(s.decline, touchHeight), tall(s.accept, touchHeight), tall(s.next, touchHeight),
		tall(s.printReceipt, touchHeight), tall(s.saveReceipt, touchHeight)))
	s.scroll = container.NewVScroll(form)
	s.content = container.NewBorder(top, bottom, nil, nil, s.scroll)
	s.update()
	s.loadMakes()
	return s
}

// Content is the screen's root object.
func (s *WalkInScreen) Content() fyne.CanvasObject { return s.content }

func (s *WalkInScreen) actions() []action {
	return append(actions(s.scroll, s.checkBtn), actions(nil, s.decline, s.accept, s.next, s.printReceipt, s.saveReceipt)...)
}

// Focus puts the keyboard in the IMEI field.
func (s *WalkInScreen) Focus(c fyne.Canvas) { c.Focus(s.imei) }

// Message is the feedback text, for tests and accessibility.
func (s *WalkInScreen) Message() string { return s.msg.Text }

// Quote is the quote headline.
func (s *WalkInScreen) Quote() string { return s.quoteCard.headline.Text }

// CheckHeadline is the IMEI check card's headline.
func (s *WalkInScreen) CheckHeadline() string { return s.checkCard.headline.Text }

// HandleScan takes a scanned IMEI and checks it.
func (s *WalkInScreen) HandleScan(raw string) {
	s.imei.SetText(strings.TrimSpace(raw))
	s.Check()
}

func (s *WalkInScreen) loadMakes() {
	background(s.env, s.deps.Catalog.Makes, func(makes []string, err error) {
		if err != nil {
			s.msg.error(explain("Loading the catalog", err))
			return
		}
		if len(makes) == 0 {
			s.msg.error("The catalog is empty: let the bench sync with the hub before running walk-ins.")
		}
		s.makeSel.SetOptions(makes)
	})
}

func (s *WalkInScreen) makePicked(mk string) {
	s.env.touch()
	s.modelSel.ClearSelected()
	s.modelSel.SetOptions(nil)
	s.clearVariants()
	if mk == "" {
		return
	}
	background(s.env, func(ctx context.Context) ([]string, error) { return s.deps.Catalog.Models(ctx, mk) },
		func(models []string, err error) {
			if err != nil {
				s.msg.error(explain("Loading the models", err))
				return
			}
			s.modelSel.SetOptions(models)
		})
}

func (s *WalkInScreen) modelPicked(model string) {
	s.env.touch()
	s.clearVariants()
	mk := s.makeSel.Selected
	if model == "" || mk == "" {
		return
	}
	background(s.env, func(ctx context.Context) ([]intake.Variant, error) { return s.deps.Catalog.Variants(ctx, mk, model) },
		func(vs []intake.Variant, err error) {
			if err != nil {
				s.msg.error(explain("Loading the variants", err))
				return
			}
			slices.SortStableFunc(vs, func(a, b intake.Variant) int { return intake.CompareStorage(a.Device.Storage, b.Device.Storage) })
			s.variants = vs
			labels := make([]string, len(vs))
			for i, v := range vs {
				labels[i] = variantLabel(v)
			}
			s.variantSel.SetOptions(labels)
			if len(vs) == 1 {
				s.variantSel.SetSelectedIndex(0)
			}
		})
}

func variantLabel(v intake.Variant) string {
	label := v.Device.Storage
	if v.Device.Carrier != "" {
		label += " · " + v.Device.Carrier
	}
	if best, ok := v.Prices[intake.ConditionExcellent]; ok {
		label += " — up to " + money(best)
	}
	return label
}

func (s *WalkInScreen) clearVariants() {
	s.variants, s.variant = nil, nil
	s.variantSel.ClearSelected()
	s.variantSel.SetOptions(nil)
	s.update()
}

func (s *WalkInScreen) variantPicked(string) {
	s.env.touch()
	s.variant = nil
	if i := s.variantSel.SelectedIndex(); i >= 0 && i < len(s.variants) {
		v := s.variants[i]
		s.variant = &v
	}
	s.update()
}

// disclosure reads the questions; ok is false until all are answered.
func (s *WalkInScreen) disclosure() (intake.Disclosure, bool) {
	for _, r := range []*widget.RadioGroup{s.powersOn, s.account, s.battery, s.screenWear, s.bodyWear} {
		if r.Selected == "" {
			return intake.Disclosure{}, false
		}
	}
	return intake.Disclosure{
		PowersOn: s.powersOn.Selected == answerYes, AccountRemoved: s.account.Selected == answerYes,
		BatteryOK: s.battery.Selected == answerYes,
		Screen:    intake.Wear(s.screenWear.Selected), Body: intake.Wear(s.bodyWear.Selected),
	}, true
}

// update refreshes the live quote and what can be done next.
func (s *WalkInScreen) update() {
	s.env.touch()
	if s.done {
		return
	}
	s.quote = nil
	d, answered := s.disclosure()
	switch {
	case s.variant == nil:
		s.quoteCard.paint(colourReady, "Quote: pick a model and answer the questions")
	case !answered:
		s.quoteCard.paint(colourReady, "Quote: answer the condition questions")
	default:
		q, err := intake.QuoteWalkIn(*s.variant, d)
		if err != nil {
			s.quoteCard.paint(colourStop, "No quote")
			s.msg.error(explain("Quoting", err))
			break
		}
		s.quote = &q
		s.quoteCard.paint(colourGo, fmt.Sprintf("Quote: %s (%s)", money(q.Price), q.Condition))
	}
	flagged := s.check != nil && s.check.Status != intake.IMEIClean
	ready := s.quote != nil && s.check != nil && !flagged && strings.TrimSpace(s.name.Text) != "" && s.payout.Selected != "" && !s.busy
	if ready {
		s.accept.Enable()
	} else {
		s.accept.Disable()
	}
}

// Check runs the IMEI check.
func (s *WalkInScreen) Check() {
	s.env.touch()
	imei, err := intake.SingleIMEI(s.imei.Text)
	if err != nil {
		s.env.trouble()
		s.checkCard.paint(colourLook, "Not a usable IMEI")
		s.msg.error(err.Error())
		return
	}
	if s.deps.IMEI == nil {
		s.checkCard.paint(colourLook, "IMEI check unavailable")
		s.msg.error("This bench has no IMEI registry yet: a walk-in cannot be bought without a check. Ask a supervisor.")
		return
	}
	s.checkCard.paint(colourReady, "Checking "+imei+"…")
	s.checkBtn.Disable()
	background(s.env, func(ctx context.Context) (intake.IMEICheck, error) { return s.deps.IMEI.Check(ctx, imei) },
		func(c intake.IMEICheck, err error) {
			s.checkBtn.Enable()
			if err != nil {
				s.env.trouble()
				s.checkCard.paint(colourLook, "IMEI check failed")
				s.msg.error(explain("Checking the IMEI", err))
				return
			}
			s.check = &c
			if c.Status == intake.IMEIClean {
				s.env.success()
				s.checkCard.paint(colourGo, "IMEI "+c.IMEI+" is clean")
				s.msg.clear()
			} else {
				s.env.trouble()
				s.checkCard.paint(colourStop, fmt.Sprintf("STOP: IMEI %s is %s", c.IMEI, c.Status))
				s.msg.error(fmt.Sprintf("Do not buy this device: %s. Hand it back politely, do not keep or pay for it, and tell a supervisor.", c.Reason))
			}
			s.update()
			if s.OnChecked != nil {
				s.OnChecked(c)
			}
		})
}

// Accept records the walk-in.
func (s *WalkInScreen) Accept() {
	s.env.touch()
	d, answered := s.disclosure()
	if s.busy || s.variant == nil || !answered || s.check == nil {
		return
	}
	w := intake.WalkIn{Variant: *s.variant, Disclosure: d, IMEI: s.imei.Text, Check: *s.check,
		Customer: intake.Customer{Name: strings.TrimSpace(s.name.Text), Email: strings.TrimSpace(s.email.Text), Phone: strings.TrimSpace(s.phone.Text)},
		Payout:   intake.PayoutMethod(s.payout.Selected)}
	op := s.env.operator()
	s.busy = true
	s.update()
	background(s.env, func(ctx context.Context) (walkInResult, error) {
		t, r, err := s.deps.Accept.AcceptWalkIn(ctx, op, w)
		return walkInResult{t, r}, err
	}, func(res walkInResult, err error) {
		s.busy = false
		if err != nil {
			s.env.trouble()
			s.msg.error(explain("Accepting the walk-in", err))
			s.update()
			return
		}
		s.env.success()
		s.done = true
		s.accept.Disable()
		s.decline.Hide()
		s.next.Show()
		s.quoteCard.paint(colourGo, fmt.Sprintf("Accepted %s: pay %s", res.t.Reference, money(res.t.Offer)))
		s.msg.success(fmt.Sprintf("%s received from %s. Pay %s by %s, and put the device with its label on the received shelf.",
			res.t.Reference, res.t.Customer.Name, money(res.t.Offer), w.Payout))
		s.accepted = res.t
		if s.deps.Receipts != nil {
			s.printReceipt.Show()
			s.saveReceipt.Show()
		}
		if s.OnAccepted != nil {
			s.OnAccepted(res.t, res.r)
		}
	})
}

// receipt prints the accepted walk-in's receipt again, or saves it.
func (s *WalkInScreen) receipt(save bool) {
	s.env.touch()
	id, ref := s.accepted.ID, s.accepted.Reference
	background(s.env, func(ctx context.Context) (string, error) {
		if save {
			return s.deps.Receipts.SaveReceipt(ctx, id)
		}
		return "", s.deps.Receipts.PrintReceipt(ctx, id)
	}, func(path string, err error) {
		switch {
		case err != nil:
			s.env.trouble()
			s.msg.error(explain("The receipt of "+ref, err))
		case save:
			s.msg.success(fmt.Sprintf("The receipt of %s is saved as %s.", ref, path))
		default:
			s.msg.success(fmt.Sprintf("The receipt of %s is on its way to the receipt printer.", ref))
		}
	})
}

type walkInResult struct {
	t intake.TradeIn
	r intake.Receipt
}

// Reset clears the form for the next customer.
func (s *WalkInScreen) Reset(note string) {
	s.env.touch()
	s.done, s.busy = false, false
	s.accepted = intake.TradeIn{}
	s.printReceipt.Hide()
	s.saveReceipt.Hide()
	for _, r := range []*widget.RadioGroup{s.powersOn, s.account, s.battery, s.screenWear, s.bodyWear} {
		r.SetSelected("")
	}
	s.makeSel.ClearSelected()
	s.modelSel.ClearSelected()
	s.modelSel.SetOptions(nil)
	s.clearVariants()
	for _, e := range []*entry{s.imei, s.name, s.email, s.phone} {
		e.SetText("")
	}
	s.payout.SetSelected(string(intake.PayoutStoreCredit))
	s.next.Hide()
	s.decline.Show()
	s.msg.note(note)
	s.update()
}
