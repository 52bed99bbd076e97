package wire

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/intakebench/intakebench/intake"
)

// Entity names what a change is about.
type Entity string

const (
	EntityTradeIn  Entity = "tradein"
	EntityFlag     Entity = "imei_flag"
	EntityOperator Entity = "operator"
	EntityVariant  Entity = "variant"
	// EntityReview is a device waiting for a supervisor, keyed by its
	// trade-in's id; a delete says it waits no longer (decided, anywhere).
	// Only a bench that asks for the supervisors' entities (IncludeReviews)
	// is sent it, or EntityQuarantine: benches before them would refuse a
	// page with an entity they do not know.
	EntityReview Entity = "review"
	// EntityQuarantine is a device set aside at a bench, keyed by the
	// event key of its quarantine.
	EntityQuarantine Entity = "quarantine"
)

// IncludeReviews is the value of GET /v1/changes's "include" parameter by
// which a bench asks for the supervisors' entities, EntityReview and
// EntityQuarantine, with the rest.
const IncludeReviews = "reviews"

// Op is what happened to the entity.
type Op string

const (
	OpUpsert Op = "upsert"
	OpDelete Op = "delete"
)

// Operator is a bench operator as the hub sends it: the PIN only ever as a
// slow hash (intake.HashPIN, checked offline with intake.VerifyPIN), never
// the PIN.
type Operator struct {
	ID      string      `json:"id"`
	Name    string      `json:"name"`
	Role    intake.Role `json:"role"`
	Badge   string      `json:"badge,omitempty"`
	PINHash string      `json:"pin_hash,omitempty"`
}

// Variant is one priced catalog entry: make, model, storage and carrier.
type Variant struct {
	SKU     string            `json:"sku"`
	Make    string            `json:"make"`
	Model   string            `json:"model"`
	Storage string            `json:"storage"`
	Carrier string            `json:"carrier"`
	Prices  intake.PriceTable `json:"prices"`
	// TACs are the type allocation codes (first 8 digits of an IMEI) listed
	// for the model, 8 digits each. A bench looks a scanned IMEI's TAC up in
	// them to tell a device that is not its trade-in's model. Optional: TAC
	// lists are never complete.
	TACs []string `json:"tacs,omitempty"`
}

// MaxVariantTACs bounds the TACs of one variant: a model has a few dozen,
// never thousands.
const MaxVariantTACs = 1024

// Change is one entry of the hub's change log: the entity's current state
// for an upsert (exactly one of the typed fields is set), nothing for a
// delete. ID is the entity's key: a trade-in or operator id, an IMEI, a SKU.
type Change struct {
	Seq      int64           `json:"seq"`
	Entity   Entity          `json:"entity"`
	Op       Op              `json:"op"`
	ID       string          `json:"id"`
	TradeIn  *intake.TradeIn `json:"trade_in,omitempty"`
	Flag     *intake.Flag    `json:"flag,omitempty"`
	Operator *Operator       `json:"operator,omitempty"`
	Variant  *Variant        `json:"variant,omitempty"`
	// Review and Quarantine are the supervisors' entities.
	Review     *Review                   `json:"review,omitempty"`
	Quarantine *intake.QuarantinedDevice `json:"quarantine,omitempty"`
}

// Review is a device waiting for a supervisor as the change feed carries
// it: what rerouted it, where it stands and the photos benches took. Its
// trade-in travels on its own (EntityTradeIn), and a bench shows the two
// together; the photos' bytes are fetched by hash when a supervisor looks.
type Review struct {
	TradeInID string           `json:"tradein_id"`
	State     intake.UnitState `json:"state"`
	Grading   intake.Grading   `json:"grading"`
	Photos    []intake.Photo   `json:"photos,omitempty"`
}

// Validate checks a review as the hub publishes it.
func (r Review) Validate() error {
	if err := checkID("trade-in id", r.TradeInID); err != nil {
		return err
	}
	if !r.State.AwaitsSupervisor() {
		return fmt.Errorf("trade-in %.64q is %q, not waiting for a supervisor", r.TradeInID, r.State)
	}
	g := r.Grading
	if g.TradeInID != "" && g.TradeInID != r.TradeInID {
		return fmt.Errorf("trade-in %.64q comes with the grading of %.64q", r.TradeInID, g.TradeInID)
	}
	if err := checkID("grading bench", g.Bench); err != nil {
		return err
	}
	if err := checkText("grading operator", g.Operator, 256); err != nil {
		return err
	}
	return ValidatePhotos(r.Photos)
}

// MaxPhotosPerDevice bounds the photos of one device a hub may list.
const MaxPhotosPerDevice = 100

// ValidatePhotos checks the photos of one device as a hub lists them.
func ValidatePhotos(ps []intake.Photo) error {
	if len(ps) > MaxPhotosPerDevice {
		return fmt.Errorf("%d photos of one device, more than %d", len(ps), MaxPhotosPerDevice)
	}
	for i, p := range ps {
		if !ValidBlobName(p.SHA256) {
			return fmt.Errorf("photo %d: %.80q is no SHA-256", i, p.SHA256)
		}
		if err := checkText("photo angle", p.Angle, 256); err != nil {
			return fmt.Errorf("photo %d: %w", i, err)
		}
	}
	return nil
}

// ValidBlobName reports whether s names a blob: the lower-case hex SHA-256
// of its content.
func ValidBlobName(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// ValidateQuarantine checks a quarantined device as a hub lists it.
func ValidateQuarantine(q intake.QuarantinedDevice) error {
	if len(q.Identifiers) > MaxLinkIdentifiers {
		return fmt.Errorf("%d identifiers, more than %d", len(q.Identifiers), MaxLinkIdentifiers)
	}
	if err := checkID("event key", q.EventKey); err != nil {
		return err
	}
	if err := checkText("quarantine bench", q.Bench, 256); err != nil {
		return err
	}
	if err := checkText("quarantine operator", q.Operator, 256); err != nil {
		return err
	}
	return checkText("scan", q.Scan, intake.MaxScanLen)
}

// ChangesPage is one page of GET /v1/changes. NextCursor is opaque: the
// bench stores it with the page and sends it back to get what follows.
type ChangesPage struct {
	Changes    []Change `json:"changes"`
	NextCursor string   `json:"next_cursor"`
	HasMore    bool     `json:"has_more"`
	// Remaining is how many changes of the bench's view follow this page
	// in the log as the page was read, for a progress bar: a hub sends it
	// on the first page of a read from the start of the log (no cursor),
	// where a bench has the most to pull; 0 when the hub does not say.
	// Hubs before it never send it, and benches before it ignore it.
	Remaining int64 `json:"remaining,omitempty"`
}

// Validate checks the whole page: a page that fails is never applied, so a
// bench's cache only ever holds states the contract allows.
func (p *ChangesPage) Validate() error {
	if len(p.Changes) > MaxPageChanges {
		return fmt.Errorf("page holds %d changes, more than %d", len(p.Changes), MaxPageChanges)
	}
	if err := checkCursor(p.NextCursor); err != nil {
		return err
	}
	if p.Remaining < 0 {
		return fmt.Errorf("remaining is negative (%d)", p.Remaining)
	}
	if p.HasMore && len(p.Changes) == 0 {
		// Following such a page could loop for ever.
		return errors.New("page is empty but says it has more")
	}
	var last int64
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Seq <= last {
			return fmt.Errorf("change %d: sequence %d does not follow %d", i, c.Seq, last)
		}
		last = c.Seq
		if err := c.Validate(); err != nil {
			return fmt.Errorf("change %d (seq %d): %w", i, c.Seq, err)
		}
	}
	return nil
}

func checkCursor(c string) error {
	if c == "" {
		return errors.New("next_cursor is missing")
	}
	if len(c) > maxCursorLen {
		return fmt.Errorf("next_cursor is longer than %d bytes", maxCursorLen)
	}
	for _, r := range c {
		if r <= ' ' || r > '~' {
			return errors.New("next_cursor holds characters outside printable ASCII")
		}
	}
	return nil
}

// Validate checks one change and the entity it carries.
func (c *Change) Validate() error {
	if err := checkID("id", c.ID); err != nil {
		return err
	}
	set := 0
	for _, isSet := range []bool{c.TradeIn != nil, c.Flag != nil, c.Operator != nil, c.Variant != nil,
		c.Review != nil, c.Quarantine != nil} {
		if isSet {
			set++
		}
	}
	switch c.Op {
	case OpDelete:
		if set != 0 {
			return errors.New("a delete carries an entity")
		}
		switch c.Entity {
		case EntityTradeIn, EntityFlag, EntityOperator, EntityVariant, EntityReview, EntityQuarantine:
			return nil
		}
		return fmt.Errorf("unknown entity %q", c.Entity)
	case OpUpsert:
		if set != 1 {
			return fmt.Errorf("an upsert carries %d entities, want 1", set)
		}
	default:
		return fmt.Errorf("unknown op %q", c.Op)
	}
	var key string
	var err error
	switch {
	case c.Entity == EntityTradeIn && c.TradeIn != nil:
		key, err = c.TradeIn.ID, ValidateTradeIn(*c.TradeIn)
	case c.Entity == EntityFlag && c.Flag != nil:
		key, err = c.Flag.IMEI, ValidateFlag(*c.Flag)
	case c.Entity == EntityOperator && c.Operator != nil:
		key, err = c.Operator.ID, c.Operator.Validate()
	case c.Entity == EntityVariant && c.Variant != nil:
		key, err = c.Variant.SKU, c.Variant.Validate()
	case c.Entity == EntityReview && c.Review != nil:
		key, err = c.Review.TradeInID, c.Review.Validate()
	case c.Entity == EntityQuarantine && c.Quarantine != nil:
		key, err = c.Quarantine.EventKey, ValidateQuarantine(*c.Quarantine)
	default:
		return fmt.Errorf("entity %q does not match what the change carries", c.Entity)
	}
	if err != nil {
		return err
	}
	if key != c.ID {
		return fmt.Errorf("change id %q does not match its %s %q", c.ID, c.Entity, key)
	}
	return nil
}

// ValidateTradeIn checks a trade-in as the hub publishes it. It may carry
// no device identifier at all: a seller's submission names a model, not
// an IMEI, and its device is received by a link made by hand.
func ValidateTradeIn(t intake.TradeIn) error {
	var errs []error
	check := func(err error) { errs = append(errs, err) }
	check(checkID("trade-in id", t.ID))
	check(checkText("reference", t.Reference, 64))
	if !t.Status.Valid() {
		check(fmt.Errorf("unknown status %q", t.Status))
	}
	for _, f := range []struct{ name, v string }{{"make", t.Device.Make}, {"model", t.Device.Model},
		{"storage", t.Device.Storage}, {"colour", t.Device.Colour}, {"carrier", t.Device.Carrier}, {"sku", t.Device.SKU},
		{"customer name", t.Customer.Name}, {"customer email", t.Customer.Email}, {"customer phone", t.Customer.Phone},
		{"tracking", t.Tracking}} {
		check(checkText(f.name, f.v, 256))
	}
	for _, imei := range []string{t.IMEI, t.IMEI2} {
		if imei != "" {
			check(checkIMEI(imei))
		}
	}
	check(checkText("meid", t.MEID, 14))
	check(checkText("serial", t.Serial, 64))
	if len(t.Answers) > 100 {
		check(fmt.Errorf("%d questionnaire answers, more than 100", len(t.Answers)))
	}
	for _, a := range t.Answers {
		check(checkText("question", a.Question, 512))
		check(checkText("answer", a.Answer, 512))
	}
	if t.Offer < 0 {
		check(fmt.Errorf("negative offer %s", t.Offer))
	}
	check(checkPrices(t.Prices))
	if t.Receipt != nil {
		r := t.Receipt
		if r.TradeInID != t.ID {
			check(fmt.Errorf("receipt is for trade-in %q", r.TradeInID))
		}
		check(checkID("receipt bench", r.Bench))
		check(checkID("receipt operator", r.Operator))
		if r.At.IsZero() {
			check(errors.New("receipt without a time"))
		}
		if r.Link != nil {
			check(ValidateHandLink(*r.Link))
		}
	}
	if t.UpdatedAt.IsZero() {
		check(errors.New("no updated_at"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("trade-in %.64q: %w", t.ID, err)
	}
	return nil
}

// MaxLinkIdentifiers bounds the identifiers of one hand-linked scan: a
// label holds a few, never dozens.
const MaxLinkIdentifiers = 16

// ValidateHandLink checks the record of a device linked to its trade-in by
// hand. The scan is kept as read, so it may hold the control characters
// that separate a label's barcodes; it must still be text of bounded size.
func ValidateHandLink(l intake.HandLink) error {
	var errs []error
	switch {
	case l.Scan == "":
		errs = append(errs, errors.New("no scan"))
	case len(l.Scan) > intake.MaxScanLen:
		errs = append(errs, fmt.Errorf("scan is longer than %d bytes", intake.MaxScanLen))
	case !utf8.ValidString(l.Scan):
		errs = append(errs, errors.New("scan is not UTF-8"))
	}
	if strings.TrimSpace(l.Reason) == "" {
		errs = append(errs, errors.New("no reason"))
	}
	errs = append(errs, checkText("reason", l.Reason, intake.MaxReasonLen))
	if len(l.Identifiers) > MaxLinkIdentifiers {
		errs = append(errs, fmt.Errorf("%d identifiers, more than %d", len(l.Identifiers), MaxLinkIdentifiers))
	}
	for _, id := range l.Identifiers {
		errs = append(errs, checkID("identifier kind", string(id.Kind)), checkID("identifier", id.Value))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("hand link: %w", err)
	}
	return nil
}

// ValidateFlag checks a registry flag.
func ValidateFlag(f intake.Flag) error {
	if err := checkIMEI(f.IMEI); err != nil {
		return fmt.Errorf("flag: %w", err)
	}
	switch f.Kind {
	case intake.FlagBlacklisted, intake.FlagFinanceLocked, intake.FlagUnpaid:
	default:
		return fmt.Errorf("flag %s: unknown kind %q", f.IMEI, f.Kind)
	}
	if f.Since.IsZero() {
		return fmt.Errorf("flag %s: no since", f.IMEI)
	}
	return checkText("flag reason", f.Reason, 512)
}

// Validate checks an operator record.
func (o *Operator) Validate() error {
	if err := checkID("operator id", o.ID); err != nil {
		return err
	}
	if !o.Role.Valid() {
		return fmt.Errorf("operator %s: unknown role %q", o.ID, o.Role)
	}
	return errors.Join(checkText("operator name", o.Name, 256), checkText("badge", o.Badge, 128),
		checkText("pin hash", o.PINHash, 256))
}

// Validate checks a catalog variant.
func (v *Variant) Validate() error {
	if err := checkID("sku", v.SKU); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{{"make", v.Make}, {"model", v.Model}, {"storage", v.Storage}, {"carrier", v.Carrier}} {
		if f.v == "" {
			return fmt.Errorf("variant %s: no %s", v.SKU, f.name)
		}
		if err := checkText(f.name, f.v, 128); err != nil {
			return fmt.Errorf("variant %s: %w", v.SKU, err)
		}
	}
	if len(v.Prices) == 0 {
		return fmt.Errorf("variant %s: no prices", v.SKU)
	}
	if len(v.TACs) > MaxVariantTACs {
		return fmt.Errorf("variant %s: %d TACs, more than %d", v.SKU, len(v.TACs), MaxVariantTACs)
	}
	for _, tac := range v.TACs {
		if !intake.ValidTAC(tac) {
			return fmt.Errorf("variant %s: TAC %.20q is not 8 digits", v.SKU, tac)
		}
	}
	return checkPrices(v.Prices)
}

func checkPrices(p intake.PriceTable) error {
	for c, price := range p {
		if c == intake.ConditionUnknown {
			return errors.New("a price for the unknown condition")
		}
		if price < 0 {
			return fmt.Errorf("negative %s price %s", c, price)
		}
	}
	return nil
}

// checkID accepts a non-empty key of printable characters: keys end up in
// logs, file names and SQL indexes.
func checkID(name, v string) error {
	if v == "" {
		return fmt.Errorf("no %s", name)
	}
	if len(v) > 128 {
		return fmt.Errorf("%s is longer than 128 bytes", name)
	}
	for _, r := range v {
		if r < ' ' || r == 0x7f {
			return fmt.Errorf("%s holds control characters", name)
		}
	}
	return nil
}

func checkText(name, v string, max int) error {
	if len(v) > max {
		return fmt.Errorf("%s is longer than %d bytes", name, max)
	}
	for _, r := range v {
		if r < ' ' && r != '\t' || r == 0x7f {
			return fmt.Errorf("%s holds control characters", name)
		}
	}
	return nil
}

// checkIMEI accepts 15 digits with a valid Luhn check digit.
func checkIMEI(v string) error {
	if len(v) != 15 || strings.Trim(v, "0123456789") != "" {
		return fmt.Errorf("IMEI %.20q is not 15 digits", v)
	}
	if !intake.LuhnValid(v) {
		return fmt.Errorf("IMEI %s fails its check digit", v)
	}
	return nil
}

// ValidIMEI reports whether v is 15 digits with a valid check digit.
func ValidIMEI(v string) bool { return checkIMEI(v) == nil }
