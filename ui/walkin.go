package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
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

// WalkInDevices says what the bench knows of a walk-in's IMEI before a
// quote: a device already in a trade-in is refused, and the models its TAC
// names are checked against the model picked. intake.Bench is one.
type WalkInDevices interface {
	CheckWalkInIMEI(ctx context.Context, raw string) (intake.WalkInDevice, error)
}

// BenchWalkIns is the bench service accepting walk-ins into its store; it
// is the screen's WalkInDevices too.
func BenchWalkIns(b *intake.Bench, ws intake.WalkInStore) WalkInAcceptor {
	return benchWalkIns{b: b, ws: ws}
}

type benchWalkIns struct {
	b  *intake.Bench
	ws intake.WalkInStore
}

func (w benchWalkIns) AcceptWalkIn(ctx context.Context, op intake.Operator, wi intake.WalkIn) (intake.TradeIn, intake.Receipt, error) {
	return w.b.AcceptWalkIn(ctx, w.ws, op, wi)
}

func (w benchWalkIns) CheckWalkInIMEI(ctx context.Context, raw string) (intake.WalkInDevice, error) {
	return w.b.CheckWalkInIMEI(ctx, raw)
}

// WalkInDeps are the services of the walk-in screen.
type WalkInDeps struct {
	Catalog Catalog
	IMEI    IMEIChecker
	Accept  WalkInAcceptor
	// Devices checks the IMEI against the bench's trade-ins and the
	// catalog's TACs; when nil, an Accept that is one (BenchWalkIns) does.
	Devices WalkInDevices
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
	yesNoOptions  = []string{answerYes, answerNo}
	wearOptions   = []string{string(intake.WearNone), string(intake.WearLight), string(intake.WearVisible), string(intake.WearCracked)}
	payoutOptions = []string{string(intake.PayoutStoreCredit), string(intake.PayoutCash), string(intake.PayoutCheck)}
)

// modelMatches is how many models the type-ahead offers at once.
const modelMatches = 5

// WalkInScreen is a counter trade-in from IMEI to payout, laid out in the
// order a clerk works with the keyboard: scan the IMEI (the bench checks
// it, and picks the model its TAC names), type a few letters of the model
// if it was not picked, answer the questions with the digit keys, type the
// customer's name, accept. Enter moves on from each field; Accept stays
// below the form, always in sight.
type WalkInScreen struct {
	env  Env
	deps WalkInDeps

	imei                       *entry
	checkBtn                   *widget.Button
	checkCard                  *card
	modelFilter                *entry
	matchBox                   *fyne.Container
	makeSel, modelSel          *widget.Select
	storageBox, carrierBox     *fyne.Container
	storage, carrier           *choice
	variantNote                *widget.Label
	powersOn, account, battery *choice
	screenWear, bodyWear       *choice
	quoteCard                  *card
	name, email, phone         *entry
	payout                     *choice
	accept, decline, next      *widget.Button
	msg                        message
	scroll                     *container.Scroll
	content                    fyne.CanvasObject
	models                     []intake.DeviceModel // the whole catalog, for the type-ahead
	matches                    []intake.DeviceModel
	pending                    *intake.DeviceModel // picked by type-ahead or TAC, waiting for its make's models
	variants                   []intake.Variant
	variant                    *intake.Variant
	check                      *intake.IMEICheck
	device                     *intake.WalkInDevice // what the bench knows of the IMEI
	taken                      error                // the bench's refusal of the IMEI
	quote                      *intake.Quote
	busy, done, clearArmed     bool
	accepted                   intake.TradeIn // the walk-in just recorded
	printReceipt, saveReceipt  *widget.Button
	questions                  []*choice

	// OnChecked is called on the UI goroutine with each IMEI check shown.
	OnChecked func(intake.IMEICheck)
	// OnNext is called on the UI goroutine each time the keyboard moves on
	// by itself, with the step it moved to (StepModel, …).
	OnNext func(step string)
	// OnAccepted is called on the UI goroutine once a walk-in is recorded.
	OnAccepted func(intake.TradeIn, intake.Receipt)
}

// NewWalkInScreen builds the screen and starts loading the catalog.
func NewWalkInScreen(env Env, deps WalkInDeps) *WalkInScreen {
	if d, ok := deps.Accept.(WalkInDevices); ok && deps.Devices == nil {
		deps.Devices = d
	}
	s := &WalkInScreen{env: env, deps: deps, msg: newMessage()}
	changed := func(string) { s.update() }

	s.imei = newPromptEntry(env)
	s.imei.SetPlaceHolder("Scan or type the IMEI (*#06# on the phone), then Enter")
	s.imei.OnSubmitted = func(string) { s.Check() }
	s.imei.OnChanged = func(string) {
		s.check, s.device, s.taken = nil, nil, nil
		s.update()
	}
	s.checkBtn = widget.NewButtonWithIcon("Check IMEI", theme.SearchIcon(), s.Check)
	s.checkCard = newCard(colourReady, "IMEI not checked yet", 22)

	s.modelFilter = newEntry(env)
	s.modelFilter.SetPlaceHolder("Type part of the model (e.g. 13 pro), then Enter")
	s.modelFilter.OnChanged = s.filterModels
	s.modelFilter.OnSubmitted = func(string) {
		if len(s.matches) > 0 {
			s.pickModel(s.matches[0])
		}
	}
	s.matchBox = container.NewHBox()
	s.makeSel = widget.NewSelect(nil, s.makePicked)
	s.makeSel.PlaceHolder = "Make"
	s.modelSel = widget.NewSelect(nil, s.modelPicked)
	s.modelSel.PlaceHolder = "Model"
	s.storageBox, s.carrierBox = container.NewStack(), container.NewStack()
	s.variantNote = widget.NewLabel("")

	question := func(options []string) *choice {
		c := newChoice(env, options, changed)
		c.onPicked = s.focusNext
		s.questions = append(s.questions, c)
		return c
	}
	s.powersOn, s.account = question(yesNoOptions), question(yesNoOptions)
	s.screenWear, s.bodyWear = question(wearOptions), question(wearOptions)
	s.battery = question(yesNoOptions)
	s.quoteCard = newCard(colourReady, "Quote: pick a model and answer the questions", 28)

	s.name, s.email, s.phone = newEntry(env), newEntry(env), newEntry(env)
	s.name.SetPlaceHolder("Customer name (required)")
	s.email.SetPlaceHolder("Email (optional)")
	s.phone.SetPlaceHolder("Phone (optional)")
	s.name.OnChanged, s.email.OnChanged, s.phone.OnChanged = changed, changed, changed
	s.name.OnSubmitted = func(string) { s.moveTo(StepEmail, s.email) }
	s.email.OnSubmitted = func(string) { s.moveTo(StepPhone, s.phone) }
	s.phone.OnSubmitted = func(string) { s.moveTo(StepPayout, s.payout) }
	s.payout = newChoice(env, payoutOptions, changed)
	s.payout.onPicked = func() {
		if !s.accept.Disabled() {
			s.moveTo(StepAccept, s.accept) // Space presses it
			return
		}
		s.focusNext()
	}

	s.accept = bigButton("Customer accepts — receive and pay", theme.ConfirmIcon(), widget.SuccessImportance, s.Accept)
	s.decline = bigButton("Customer declines", theme.CancelIcon(), widget.MediumImportance, s.Decline)
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
	device := container.New(layout.NewFormLayout(),
		widget.NewLabel("Model"), container.NewVBox(tall(s.modelFilter, touchHeight), s.matchBox,
			container.NewGridWithColumns(2, s.makeSel, s.modelSel)),
		widget.NewLabel("Storage"), s.storageBox,
		widget.NewLabel("Carrier"), s.carrierBox,
		widget.NewLabel(""), s.variantNote,
	)
	form := container.NewVBox(
		bold("1. IMEI"), container.NewBorder(nil, nil, nil, s.checkBtn, tall(s.imei, touchHeight)), s.checkCard.content,
		bold("2. Device"), device,
		bold("3. Condition (digit keys answer and move on)"), questions,
		bold("4. Customer"), container.NewGridWithColumns(3, s.name, s.email, s.phone),
		container.NewHBox(widget.NewLabel("Payout"), s.payout),
	)
	top := container.NewVBox(bold("Walk-in trade-in"), s.quoteCard.content)
	bottom := container.NewVBox(s.msg.Label, container.NewHBox(tall(s.decline, touchHeight), tall(s.accept, touchHeight), tall(s.next, touchHeight),
		tall(s.printReceipt, touchHeight), tall(s.saveReceipt, touchHeight)))
	s.scroll = container.NewVScroll(form)
	s.content = container.NewBorder(top, bottom, nil, nil, s.scroll)
	s.setVariants(nil)
	s.update()
	s.loadCatalog()
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

// focusOn gives o the keyboard, when the screen is on a canvas.
func (s *WalkInScreen) focusOn(o fyne.Focusable) {
	if c := fyne.CurrentApp().Driver().CanvasForObject(s.content); c != nil {
		c.Focus(o)
	}
}

// focusNext moves the keyboard to the first thing still to do, in the
// order of the form: the model, its storage and carrier, each question,
// the customer's name, then Accept.
func (s *WalkInScreen) focusNext() {
	if s.done {
		return
	}
	if step, o := s.nextStep(); o != nil {
		s.moveTo(step, o)
	}
}

// moveTo gives o the keyboard and says so.
func (s *WalkInScreen) moveTo(step string, o fyne.Focusable) {
	s.focusOn(o)
	if s.OnNext != nil {
		s.OnNext(step)
	}
}

// nextStep names the first field still to fill and returns it; nil when
// nothing is left that Accept does not already show.
func (s *WalkInScreen) nextStep() (string, fyne.Focusable) {
	switch {
	case s.modelSel.Selected == "":
		return StepModel, s.modelFilter
	case s.storage != nil && s.storage.Selected == "":
		return StepStorage, s.storage
	case s.carrier != nil && s.carrier.Selected == "":
		return StepCarrier, s.carrier
	}
	for i, q := range s.questions {
		if q.Selected == "" {
			return fmt.Sprintf("%s %d", StepQuestion, i+1), q
		}
	}
	if strings.TrimSpace(s.name.Text) == "" {
		return StepCustomer, s.name
	}
	if !s.accept.Disabled() {
		return StepAccept, s.accept
	}
	return "", nil
}

// The walk-in's steps, as OnNext names them.
const (
	StepModel    = "model"
	StepStorage  = "storage"
	StepCarrier  = "carrier"
	StepQuestion = "question" // and its number, from 1
	StepCustomer = "customer"
	StepEmail    = "email"
	StepPhone    = "phone"
	StepPayout   = "payout"
	StepAccept   = "accept"
)

// loadCatalog loads the makes for the pickers and every model for the
// type-ahead: a catalog is a few hundred models.
func (s *WalkInScreen) loadCatalog() {
	type catalog struct {
		makes  []string
		models []intake.DeviceModel
	}
	background(s.env, func(ctx context.Context) (catalog, error) {
		makes, err := s.deps.Catalog.Makes(ctx)
		if err != nil {
			return catalog{}, err
		}
		c := catalog{makes: makes}
		for _, mk := range makes {
			ms, err := s.deps.Catalog.Models(ctx, mk)
			if err != nil {
				return catalog{}, err
			}
			for _, m := range ms {
				c.models = append(c.models, intake.DeviceModel{Make: mk, Model: m})
			}
		}
		return c, nil
	}, func(c catalog, err error) {
		if err != nil {
			s.msg.error(explain("Loading the catalog", err))
			return
		}
		if len(c.makes) == 0 {
			s.msg.error("The catalog is empty: let the bench sync with the hub before running walk-ins.")
		}
		s.models = c.models
		s.makeSel.SetOptions(c.makes)
	})
}

// filterModels lists the models whose make and model hold every word
// typed, in any order and case, shortest name first: "13" offers the
// iPhone 13 before the iPhone 13 Pro Max.
func (s *WalkInScreen) filterModels(q string) {
	s.env.touch()
	s.matches = matchModels(s.models, q)
	s.matchBox.RemoveAll()
	for _, m := range s.matches {
		s.matchBox.Add(widget.NewButton(m.String(), func() { s.pickModel(m) }))
	}
	if strings.TrimSpace(q) != "" && len(s.matches) == 0 {
		s.matchBox.Add(widget.NewLabel("No model matches " + strconv.Quote(strings.TrimSpace(q))))
	}
	s.matchBox.Refresh()
}

func matchModels(models []intake.DeviceModel, q string) []intake.DeviceModel {
	words := strings.Fields(strings.ToLower(q))
	if len(words) == 0 {
		return nil
	}
	var out []intake.DeviceModel
	for _, m := range models {
		name := strings.ToLower(m.String())
		if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(name, w) }) {
			out = append(out, m)
		}
	}
	slices.SortStableFunc(out, func(a, b intake.DeviceModel) int { return len(a.String()) - len(b.String()) })
	return out[:min(len(out), modelMatches)]
}

// pickModel picks a model by make and model: its make's models load
// first, then it is selected.
func (s *WalkInScreen) pickModel(m intake.DeviceModel) {
	s.env.touch()
	s.matches = nil
	s.matchBox.RemoveAll()
	if s.makeSel.Selected == m.Make && slices.Contains(s.modelSel.Options, m.Model) {
		s.modelSel.SetSelected(m.Model)
		return
	}
	s.pending = &m
	s.makeSel.SetSelected(m.Make)
}

func (s *WalkInScreen) makePicked(mk string) {
	s.env.touch()
	s.modelSel.ClearSelected()
	s.modelSel.SetOptions(nil)
	s.setVariants(nil)
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
			if p := s.pending; p != nil && p.Make == mk {
				s.pending = nil
				s.modelSel.SetSelected(p.Model)
			}
		})
}

func (s *WalkInScreen) modelPicked(model string) {
	s.env.touch()
	s.setVariants(nil)
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
			if s.makeSel.Selected != mk || s.modelSel.Selected != model {
				return // picked again meanwhile
			}
			s.setVariants(vs)
			s.focusNext()
		})
}

// setVariants offers a model's variants as two questions, storage in
// numeric order and carrier, each picked for the clerk when there is only
// one answer.
func (s *WalkInScreen) setVariants(vs []intake.Variant) {
	slices.SortStableFunc(vs, func(a, b intake.Variant) int { return intake.CompareStorage(a.Device.Storage, b.Device.Storage) })
	s.variants, s.variant = vs, nil
	var storages, carriers []string
	for _, v := range vs {
		if !slices.Contains(storages, v.Device.Storage) {
			storages = append(storages, v.Device.Storage)
		}
		if !slices.Contains(carriers, v.Device.Carrier) {
			carriers = append(carriers, v.Device.Carrier)
		}
	}
	s.storage, s.carrier = nil, nil
	s.storageBox.RemoveAll()
	s.carrierBox.RemoveAll()
	if len(vs) == 0 {
		s.storageBox.Add(widget.NewLabel("—"))
		s.carrierBox.Add(widget.NewLabel("—"))
	} else {
		picked := func(string) { s.variantPicked() }
		s.storage, s.carrier = newChoice(s.env, storages, picked), newChoice(s.env, carriers, picked)
		s.storage.onPicked, s.carrier.onPicked = s.focusNext, s.focusNext
		s.storageBox.Add(s.storage)
		s.carrierBox.Add(s.carrier)
		if len(storages) == 1 {
			s.storage.SetSelected(storages[0])
		}
		if len(carriers) == 1 {
			s.carrier.SetSelected(carriers[0])
		}
	}
	s.variantPicked()
}

func (s *WalkInScreen) variantPicked() {
	s.env.touch()
	s.variant = nil
	s.variantNote.SetText("")
	if s.storage != nil && s.carrier != nil && s.storage.Selected != "" && s.carrier.Selected != "" {
		i := slices.IndexFunc(s.variants, func(v intake.Variant) bool {
			return v.Device.Storage == s.storage.Selected && v.Device.Carrier == s.carrier.Selected
		})
		if i < 0 {
			s.variantNote.SetText("The catalog has no " + s.storage.Selected + " " + s.carrier.Selected + " of this model.")
		} else {
			v := s.variants[i]
			s.variant = &v
			s.variantNote.SetText(variantLabel(v))
		}
	}
	s.update()
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

// disclosure reads the questions; ok is false until all are answered.
func (s *WalkInScreen) disclosure() (intake.Disclosure, bool) {
	for _, q := range s.questions {
		if q.Selected == "" {
			return intake.Disclosure{}, false
		}
	}
	return intake.Disclosure{
		PowersOn: s.powersOn.Selected == answerYes, AccountRemoved: s.account.Selected == answerYes,
		BatteryOK: s.battery.Selected == answerYes,
		Screen:    intake.Wear(s.screenWear.Selected), Body: intake.Wear(s.bodyWear.Selected),
	}, true
}

// mismatch is the refusal to quote the IMEI's device as the model picked.
func (s *WalkInScreen) mismatch() *intake.WalkInModelError {
	if s.device == nil || s.modelSel.Selected == "" {
		return nil
	}
	return s.device.Mismatch(intake.Device{Make: s.makeSel.Selected, Model: s.modelSel.Selected})
}

// update refreshes the IMEI card, the live quote and what can be done next.
func (s *WalkInScreen) update() {
	s.env.touch()
	if s.clearArmed {
		s.clearArmed = false
		s.decline.SetText("Customer declines")
		s.msg.clear()
	}
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
	ok := s.paintCheck()
	ready := ok && s.quote != nil && strings.TrimSpace(s.name.Text) != "" && s.payout.Selected != "" && !s.busy
	if ready {
		s.accept.Enable()
	} else {
		s.accept.Disable()
	}
}

// paintCheck shows what the checks of the IMEI found, the worst first,
// and reports whether the device may be bought.
func (s *WalkInScreen) paintCheck() bool {
	var taken *intake.WalkInTakenError
	switch {
	case s.check == nil:
		if s.checkCard.headline.Text != "Checking "+s.imei.Text+"…" {
			s.checkCard.paint(colourReady, "IMEI not checked yet")
		}
		return false
	case s.check.Status != intake.IMEIClean:
		s.checkCard.paint(colourStop, fmt.Sprintf("STOP: IMEI %s is %s", s.check.IMEI, s.check.Status))
		return false
	case errors.As(s.taken, &taken) && taken.Receipt != nil:
		s.checkCard.paint(colourStop, "STOP: already received here as "+taken.TradeIn.Reference)
		return false
	case taken != nil:
		s.checkCard.paint(colourStop, fmt.Sprintf("STOP: in trade-in %s (%s)", taken.TradeIn.Reference, taken.TradeIn.Status))
		return false
	case s.taken != nil:
		s.checkCard.paint(colourLook, "IMEI check failed")
		return false
	}
	if m := s.mismatch(); m != nil {
		s.checkCard.paint(colourLook, "Model mismatch: the IMEI names the "+m.TAC.Names())
		s.msg.error(explain("Quoting", m))
		return false
	}
	headline := "IMEI " + s.check.IMEI + " is clean"
	if s.device != nil && len(s.device.TAC.Models) > 0 {
		headline += " · " + s.device.TAC.Names()
	}
	s.checkCard.paint(colourGo, headline)
	if strings.HasPrefix(s.msg.Text, "Quoting failed") || strings.Contains(s.msg.Text, "not the ") {
		s.msg.clear() // the mismatch was put right
	}
	return true
}

// takenMessage says why a device that belongs to a trade-in is not bought
// again, with names, not operator ids.
func (s *WalkInScreen) takenMessage(e *intake.WalkInTakenError) string {
	if r := e.Receipt; r != nil {
		return fmt.Sprintf("This bench already bought this device: %s, received from %s on %s by %s. Do not buy it twice: hand it back and tell a supervisor.",
			e.TradeIn.Reference, e.TradeIn.Customer.Name, r.At.Local().Format("2 Jan 15:04"), s.env.operatorName(r.Operator))
	}
	return fmt.Sprintf("IMEI %s belongs to trade-in %s (%s) of %s: it is expected by post, not bought over the counter. Do not buy it; a technician receives it on the Receive tab.",
		e.IMEI, e.TradeIn.Reference, e.TradeIn.Status, e.TradeIn.Customer.Name)
}

type walkInCheck struct {
	check  intake.IMEICheck
	device *intake.WalkInDevice
	taken  error
}

// Check runs the IMEI checks: the registry's flags, then this bench's own
// trade-ins and the catalog's TACs, so that a stolen phone, one already
// bought, or one of another model is caught now, before the quote.
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
	background(s.env, func(ctx context.Context) (walkInCheck, error) {
		c, err := s.deps.IMEI.Check(ctx, imei)
		if err != nil || c.Status != intake.IMEIClean || s.deps.Devices == nil {
			return walkInCheck{check: c}, err
		}
		d, err := s.deps.Devices.CheckWalkInIMEI(ctx, imei)
		if err != nil {
			return walkInCheck{check: c, taken: err}, nil
		}
		return walkInCheck{check: c, device: &d}, nil
	}, func(r walkInCheck, err error) {
		s.checkBtn.Enable()
		if err != nil {
			s.env.trouble()
			s.checkCard.paint(colourLook, "IMEI check failed")
			s.msg.error(explain("Checking the IMEI", err))
			return
		}
		c := r.check
		s.check, s.device, s.taken = &c, r.device, r.taken
		var taken *intake.WalkInTakenError
		switch {
		case c.Status != intake.IMEIClean:
			s.env.trouble()
			s.msg.error(fmt.Sprintf("Do not buy this device: %s. Hand it back politely, do not keep or pay for it, and tell a supervisor.", c.Reason))
		case errors.As(r.taken, &taken):
			s.env.trouble()
			s.msg.error(s.takenMessage(taken))
		case r.taken != nil:
			s.env.trouble()
			s.msg.error(explain("Checking the IMEI", r.taken))
		default:
			s.env.success()
			s.msg.clear()
			if m, ok := r.device.Model(); ok && s.modelSel.Selected == "" {
				s.pickModel(m) // the TAC names it: one thing fewer to type
			}
		}
		s.update()
		if s.OnChecked != nil {
			s.OnChecked(c)
		}
		if s.taken == nil && c.Status == intake.IMEIClean {
			s.focusNext()
		}
	})
}

// Accept records the walk-in.
func (s *WalkInScreen) Accept() {
	s.env.touch()
	d, answered := s.disclosure()
	if s.busy || s.done || s.variant == nil || !answered || s.check == nil {
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
			s.update()
			s.msg.error(explain("Accepting the walk-in", err))
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
		s.focusOn(s.next)
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

// entered reports whether anything of a customer is on the form.
func (s *WalkInScreen) entered() bool {
	if s.imei.Text != "" || s.makeSel.Selected != "" || s.name.Text != "" || s.email.Text != "" || s.phone.Text != "" {
		return true
	}
	return slices.ContainsFunc(s.questions, func(q *choice) bool { return q.Selected != "" })
}

// Decline clears the form once the customer declines. With anything
// entered it asks first, and the second press clears: a stray click must
// not wipe a customer's answers.
func (s *WalkInScreen) Decline() {
	s.env.touch()
	if s.entered() && !s.clearArmed {
		s.clearArmed = true
		s.decline.SetText("Press again to clear the form")
		s.msg.say(widget.WarningImportance, "The customer declines? Press \"Press again to clear the form\" to clear everything entered; change anything to keep it.")
		return
	}
	s.Reset("Declined: nothing was recorded. Hand the device back to the customer.")
}

// Reset clears the form for the next customer.
func (s *WalkInScreen) Reset(note string) {
	s.env.touch()
	s.done, s.busy, s.clearArmed = false, false, false
	s.decline.SetText("Customer declines")
	s.accepted = intake.TradeIn{}
	s.printReceipt.Hide()
	s.saveReceipt.Hide()
	for _, q := range s.questions {
		q.SetSelected("")
	}
	s.pending, s.matches = nil, nil
	s.matchBox.RemoveAll()
	s.makeSel.ClearSelected()
	s.modelSel.ClearSelected()
	s.modelSel.SetOptions(nil)
	s.setVariants(nil)
	for _, e := range []*entry{s.imei, s.modelFilter, s.name, s.email, s.phone} {
		e.SetText("")
	}
	s.check, s.device, s.taken = nil, nil, nil
	s.payout.SetSelected(string(intake.PayoutStoreCredit))
	s.next.Hide()
	s.decline.Show()
	s.update()
	s.msg.note(note)
	s.scroll.ScrollToTop()
	s.focusOn(s.imei)
}
