package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // photos of a label
	_ "image/jpeg" // photos of a label
	_ "image/png"  // screenshots of *#06#
	"io"
	"net"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	_ "golang.org/x/image/webp" // photos of a label

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/linktoken"
)

// maxForm bounds the buyer's form: a few hundred bytes of answers and
// contact details; a bigger body is refused unread (413).
const maxForm = 16 << 10

// maxPhoto bounds a photo of a label sent to be read.
const maxPhoto = hub.MaxPhotoBytes

// statusLife is how long a buyer's status link works.
const statusLife = 365 * 24 * time.Hour

// statusPurpose signs a buyer's status link: its subject is the trade-in.
const statusPurpose = "web-status"

// accessories the questionnaire asks about.
var accessories = []string{"charger", "cable", "box", "case"}

var wears = []struct{ Value, Label string }{
	{string(intake.WearNone), "No marks"},
	{string(intake.WearLight), "Light scratches"},
	{string(intake.WearVisible), "Visible scratches, scuffs or dents"},
	{string(intake.WearCracked), "Cracked or bent"},
}

func (s *Site) routesBuyer() {
	s.mux.HandleFunc("GET /trade-in", s.buyerPage)
	s.mux.HandleFunc("GET /trade-in/{$}", s.buyerPage)
	s.mux.HandleFunc("POST /trade-in", s.submit)
	s.mux.HandleFunc("POST /trade-in/imei-check", s.imeiCheck)
	s.mux.HandleFunc("POST /trade-in/imei-photo", s.imeiPhoto)
	s.mux.HandleFunc("GET /trade-in/catalog.json", s.catalogJSON)
	s.mux.HandleFunc("GET /trade-in/status/{token}", s.statusPage)
}

// buyerForm is what the buyer typed and picked.
type buyerForm struct {
	Model, Storage, Carrier          string
	PowersOn, AccountRemoved, Screen string
	Body, Battery                    string
	Accessories                      []string
	IMEI                             string
	Name, Email, Phone               string
	// Where a shipping label is bought from (all or nothing; without one
	// the buyer gets drop-off instructions), and how they want to be paid.
	Line1, Line2, City, State   string
	PostalCode, Country, Payout string
}

// address is the form's postal address as the hub keeps it.
func (f buyerForm) address() hub.Address {
	return hub.Address{Line1: f.Line1, Line2: f.Line2, City: f.City, State: f.State, PostalCode: f.PostalCode, Country: f.Country}
}

type buyerPageData struct {
	Form        buyerForm
	Errors      map[string]string
	Catalog     catalog
	Wears       []struct{ Value, Label string }
	Accessories []string
	CanDecode   bool // the hub reads uploaded photos and camera frames
	CanWasm     bool // the page may read the camera in WebAssembly
}

func (buyerPageData) title() string { return "Trade in your phone" }

func (s *Site) buyerPage(w http.ResponseWriter, r *http.Request) {
	s.showBuyer(w, r, http.StatusOK, buyerForm{Carrier: "Unlocked"}, nil)
}

func (s *Site) showBuyer(w http.ResponseWriter, r *http.Request, status int, f buyerForm, errs map[string]string) {
	c, err := s.catalog(r.Context())
	if err != nil {
		s.failed(w, r, err)
		return
	}
	s.render(w, r, status, "buyer", buyerPageData{Form: f, Errors: errs, Catalog: c, Wears: wears, Accessories: accessories, CanDecode: s.decode != nil, CanWasm: s.wasm != nil})
}

func (s *Site) catalogJSON(w http.ResponseWriter, r *http.Request) {
	c, err := s.catalog(r.Context())
	if err != nil {
		s.failed(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, c.options())
}

// clientAddr is who a rate limit counts.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// readForm reads a urlencoded form of at most maxForm bytes; a bigger one
// is refused as too large.
func readForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	return r.ParseForm()
}

func tooLarge(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}

// wasTooLarge answers a form over the limit.
func (s *Site) wasTooLarge(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Connection", "close")
	s.render(w, r, http.StatusRequestEntityTooLarge, "message", messagePage{Title: "The form is too large",
		Message: "What you typed is far longer than any name, address or answer: a name is at most 200 characters. Go back, shorten it and send again."})
}

func (s *Site) submit(w http.ResponseWriter, r *http.Request) {
	if ok, wait := s.submits.Allow("submit:"+clientAddr(r), s.now()); !ok {
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		s.render(w, r, http.StatusTooManyRequests, "message", messagePage{Title: "Please wait a minute",
			Message: "Several trade-ins were sent from here just now. Wait a minute and send yours again."})
		return
	}
	if err := readForm(w, r); err != nil {
		if tooLarge(err) {
			s.wasTooLarge(w, r)
			return
		}
		s.render(w, r, http.StatusBadRequest, "message", messagePage{Title: "The form could not be read", Message: "Go back and send it again."})
		return
	}
	f := buyerForm{
		Model: r.PostFormValue("model"), Storage: r.PostFormValue("storage"), Carrier: r.PostFormValue("carrier"),
		PowersOn: r.PostFormValue("powers_on"), AccountRemoved: r.PostFormValue("account_removed"),
		Screen: r.PostFormValue("screen"), Body: r.PostFormValue("body"), Battery: r.PostFormValue("battery_ok"),
		Accessories: r.PostForm["accessories"],
		IMEI:        r.PostFormValue("imei"),
		Name:        r.PostFormValue("name"), Email: r.PostFormValue("email"), Phone: r.PostFormValue("phone"),
		Line1: r.PostFormValue("line1"), Line2: r.PostFormValue("line2"), City: r.PostFormValue("city"),
		State: r.PostFormValue("state"), PostalCode: r.PostFormValue("postal_code"), Country: r.PostFormValue("country"),
		Payout: r.PostFormValue("payout"),
	}
	// A person never sees the "website" field; a bot filling every field
	// does. It is told it succeeded, and nothing is made.
	if r.PostFormValue("website") != "" {
		s.render(w, r, http.StatusOK, "message", messagePage{Title: "Thank you", Message: "We have your trade-in."})
		return
	}
	ctx := r.Context()
	c, err := s.catalog(ctx)
	if err != nil {
		s.failed(w, r, err)
		return
	}
	in, errs, err := s.validate(ctx, c, &f)
	if err != nil {
		s.failed(w, r, err)
		return
	}
	if len(errs) > 0 {
		s.showBuyer(w, r, http.StatusUnprocessableEntity, f, errs)
		return
	}
	t, err := s.createTradeIn(ctx, f, in)
	if e, ok := refusal(err); ok && e.Code != hub.CodeTradeInNotFound {
		// A rule of the hub the form did not foresee: say it at the top.
		s.showBuyer(w, r, http.StatusUnprocessableEntity, f, map[string]string{"form": e.Detail})
		return
	}
	if err != nil {
		s.failed(w, r, err)
		return
	}
	token, err := s.links.Sign(linktoken.Claims{Purpose: statusPurpose, Subject: t.ID, Expires: s.now().Add(statusLife)})
	if err != nil {
		s.failed(w, r, err)
		return
	}
	s.log.InfoContext(ctx, "trade-in submitted on the web", "trade_in", t.ID, "reference", t.Reference)
	http.Redirect(w, r, "/trade-in/status/"+token+"?new=1", http.StatusSeeOther)
}

// validate checks every field of the form, as a person would want to be
// told: each problem beside its field, all at once. It returns the
// submission the hub is asked for.
func (s *Site) validate(ctx context.Context, c catalog, f *buyerForm) (hub.SubmissionInput, map[string]string, error) {
	errs := map[string]string{}
	var in hub.SubmissionInput
	f.Model = strings.TrimSpace(f.Model)
	model := c.model(f.Model)
	switch {
	case f.Model == "":
		errs["model"] = "Type your phone's make and model, then pick it from the list."
	case model == "":
		errs["model"] = "We do not buy a phone called that. Start typing its name (for example “iPhone 13”) and pick it from the list."
	default:
		f.Model = model
	}
	if f.Storage == "" {
		errs["storage"] = "Pick the phone's storage (Settings › General › About shows it)."
	}
	if f.Carrier == "" {
		errs["carrier"] = "Pick the network the phone is locked to, or Unlocked."
	}
	if model != "" && f.Storage != "" && f.Carrier != "" {
		v, ok := c.find(model, f.Storage, f.Carrier)
		if !ok {
			errs["storage"] = fmt.Sprintf("We do not buy the %s with %s on %s. Check the storage and the network.", model, f.Storage, f.Carrier)
		}
		in.ProductID = v.SKU
	}
	d := intake.Disclosure{Screen: intake.Wear(f.Screen), Body: intake.Wear(f.Body)}
	yesNo := func(field, value string, into *bool) {
		switch value {
		case "yes":
			*into = true
		case "no":
		default:
			errs[field] = "Answer yes or no."
		}
	}
	yesNo("powers_on", f.PowersOn, &d.PowersOn)
	yesNo("account_removed", f.AccountRemoved, &d.AccountRemoved)
	yesNo("battery_ok", f.Battery, &d.BatteryOK)
	for field, v := range map[string]string{"screen": f.Screen, "body": f.Body} {
		if !slices.ContainsFunc(wears, func(w struct{ Value, Label string }) bool { return w.Value == v }) {
			errs[field] = "Pick the one that fits best."
		}
	}
	for _, a := range f.Accessories {
		if !slices.Contains(accessories, a) {
			errs["accessories"] = "Tick only the accessories listed."
		}
	}
	if msg, imei := imeiProblem(f.IMEI); msg != "" {
		errs["imei"] = msg
	} else {
		f.IMEI = imei
		check, err := s.hub.CheckIMEI(ctx, imei)
		if err != nil {
			return in, nil, err
		}
		if check.Status != wire.IMEIClean {
			errs["imei"] = flaggedMessage(check.Status)
		}
	}
	f.Name = strings.TrimSpace(f.Name)
	switch {
	case f.Name == "":
		errs["name"] = "Type your name."
	case utf8.RuneCountInString(f.Name) > 200 || !printable(f.Name):
		errs["name"] = "A name is at most 200 characters, on one line."
	}
	f.Email = strings.TrimSpace(f.Email)
	if a, err := mail.ParseAddress(f.Email); f.Email == "" {
		errs["email"] = "Type your e-mail address: the offer is sent there."
	} else if err != nil || a.Name != "" || len(a.Address) > 254 || !strings.Contains(a.Address, ".") {
		errs["email"] = "This is not an e-mail address (it looks like name@example.com)."
	} else {
		f.Email = a.Address
	}
	f.Phone = strings.TrimSpace(f.Phone)
	if len(f.Phone) > 40 || strings.Trim(f.Phone, "0123456789 +-().") != "" {
		errs["phone"] = "A phone number has digits, spaces and + - ( ) only, at most 40."
	}
	checkAddress(f, errs)
	switch f.Payout = strings.TrimSpace(f.Payout); f.Payout {
	case "":
		f.Payout = string(intake.PayoutStoreCredit)
	case string(intake.PayoutStoreCredit), string(intake.PayoutCheck):
	default:
		errs["payout"] = "Pick store credit or a check."
	}
	if _, bad := errs["line1"]; !bad && f.Payout == string(intake.PayoutCheck) && f.Line1 == "" {
		errs["line1"] = "A check is sent by post: type the address it goes to."
	}
	if len(errs) > 0 {
		return in, errs, nil
	}
	cond, err := d.Condition()
	if err != nil {
		return in, map[string]string{"screen": err.Error()}, nil
	}
	in.SerialNumber, in.Condition, in.Description = f.IMEI, cond.String(), describe(d, f.Accessories)
	return in, nil, nil
}

// describe writes the questionnaire's answers into the submission's
// description, where the hub's admins and the Upgrade API see them.
func describe(d intake.Disclosure, acc []string) string {
	var b strings.Builder
	for _, a := range d.Answers() {
		fmt.Fprintf(&b, "%s %s\n", a.Question, a.Answer)
	}
	got := "none"
	if len(acc) > 0 {
		got = strings.Join(acc, ", ")
	}
	fmt.Fprintf(&b, "Accessories included: %s", got)
	return b.String()
}

// imeiProblem says what is wrong with a typed IMEI, or returns it as 15
// digits. Spaces, dashes and slashes people copy from a label are fine.
func imeiProblem(typed string) (msg, imei string) {
	digits := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '/' || r == '.' {
			return -1
		}
		return r
	}, strings.TrimSpace(typed))
	switch {
	case digits == "":
		return "Type the IMEI: dial *#06# on the phone to show it, or scan it.", ""
	case strings.Trim(digits, "0123456789") != "":
		return "An IMEI has digits only; this has letters or other signs. Dial *#06# on the phone to show it.", ""
	case len(digits) == 16:
		// An IMEISV: the IMEI is its first 14 digits and a check digit.
		if id, err := intake.SingleIMEI(digits); err == nil {
			return "", id
		}
		return "An IMEI has 15 digits; this has 16. Dial *#06# to show it.", ""
	case len(digits) != 15:
		return fmt.Sprintf("An IMEI has 15 digits; this has %d. Dial *#06# on the phone to show it.", len(digits)), ""
	case !wire.ValidIMEI(digits):
		return "This is not a valid IMEI: its last digit does not match the others. Check for a typo.", ""
	}
	return "", digits
}

func flaggedMessage(st wire.IMEIStatus) string {
	what := strings.ReplaceAll(string(st), "_", " ")
	switch intake.FlagKind(st) {
	case intake.FlagBlacklisted:
		what = "reported lost or stolen (blacklisted)"
	case intake.FlagFinanceLocked:
		what = "still under a finance agreement (finance-locked)"
	}
	return fmt.Sprintf("This phone cannot be traded in: its IMEI is %s. If you think this is wrong, ask the network the phone came from.", what)
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return utf8.ValidString(s)
}

// createTradeIn makes the buyer's trade-in as a seed 003 submission:
// the customer account of their address (made, with a password nobody
// knows, when there is none), a draft, then submitted.
// checkAddress checks the postal address, which is all or nothing: a
// label needs the street, city, postal code and country (and a US state).
func checkAddress(f *buyerForm, errs map[string]string) {
	fields := []struct {
		name     string
		v        *string
		required string
	}{
		{"line1", &f.Line1, "Type the street and number."},
		{"line2", &f.Line2, ""},
		{"city", &f.City, "Type the town or city."},
		{"state", &f.State, ""},
		{"postal_code", &f.PostalCode, "Type the postal code."},
		{"country", &f.Country, "Pick the country."},
	}
	given := false
	for _, fl := range fields {
		*fl.v = strings.TrimSpace(*fl.v)
		given = given || (*fl.v != "" && fl.name != "country")
	}
	if !given {
		f.Country = ""
		return // no address: drop-off instructions
	}
	f.Country = strings.ToUpper(f.Country)
	for _, fl := range fields {
		switch {
		case len(*fl.v) > 200 || !printable(*fl.v):
			errs[fl.name] = "At most 200 characters, on one line."
		case *fl.v == "" && fl.required != "":
			errs[fl.name] = fl.required
		}
	}
	if _, bad := errs["country"]; !bad && (len(f.Country) != 2 || strings.Trim(f.Country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
		errs["country"] = "Pick the country (a two-letter code such as US)."
	}
	if _, bad := errs["state"]; !bad && f.Country == "US" && f.State == "" {
		errs["state"] = "Type the state (for example TX)."
	}
}

func (s *Site) createTradeIn(ctx context.Context, f buyerForm, in hub.SubmissionInput) (intake.TradeIn, error) {
	customer, err := s.customerOf(ctx, f)
	if err != nil {
		return intake.TradeIn{}, err
	}
	t, err := s.hub.CreateSubmission(ctx, customer, in)
	if err != nil {
		return t, err
	}
	return s.hub.SubmitSubmission(ctx, customer, t.ID)
}

func (s *Site) customerOf(ctx context.Context, f buyerForm) (string, error) {
	email := strings.ToLower(f.Email)
	find := func() (id string, err error) {
		err = s.hub.DB().View(ctx, func(tx *hubdb.Tx) error {
			c, err := tx.CustomerByEmail(ctx, email)
			id = c.ID
			return err
		})
		return id, err
	}
	id, err := find()
	if !errors.Is(err, hubdb.ErrNotFound) {
		return id, err
	}
	secret := make([]byte, 24)
	if _, err := rand.Read(secret); err != nil {
		return "", err
	}
	c, err := s.hub.Register(ctx, hub.RegisterInput{Email: email, Password: base64.RawURLEncoding.EncodeToString(secret), Name: f.Name, Phone: f.Phone})
	if e, ok := refusal(err); ok && e.Code == hub.CodeEmailTaken {
		return find() // registered by a submission at the same moment
	}
	if err != nil {
		return "", err
	}
	// Only an account this form opened takes the address and payout
	// method: anyone may type an e-mail address, and an existing account's
	// are changed only by its owner, logged in.
	_, err = s.hub.UpdateProfile(ctx, c.ID, hub.Profile{Name: f.Name, Phone: f.Phone, Address: f.address(),
		PayoutMethod: intake.PayoutMethod(f.Payout)})
	return c.ID, err
}

// imeiAnswer is the buyer page's script's answer to a check or a photo.
type imeiAnswer struct {
	OK      bool   `json:"ok"`
	IMEI    string `json:"imei,omitempty"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Site) limitChecks(w http.ResponseWriter, r *http.Request) bool {
	if ok, wait := s.imeiChecks.Allow("imei:"+clientAddr(r), s.now()); !ok {
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		writeJSON(w, http.StatusTooManyRequests, imeiAnswer{Message: "Too many checks from here just now: wait a minute."})
		return false
	}
	return true
}

// imeiCheck answers the page's IMEI check as the buyer types: the IMEI in
// a POST body, never in a URL.
func (s *Site) imeiCheck(w http.ResponseWriter, r *http.Request) {
	if !s.limitChecks(w, r) {
		return
	}
	if err := readForm(w, r); err != nil {
		writeJSON(w, http.StatusBadRequest, imeiAnswer{Message: "Send the IMEI as a form field."})
		return
	}
	s.answerIMEI(w, r, r.PostFormValue("imei"))
}

func (s *Site) answerIMEI(w http.ResponseWriter, r *http.Request, typed string) {
	msg, imei := imeiProblem(typed)
	if msg != "" {
		writeJSON(w, http.StatusOK, imeiAnswer{Message: msg})
		return
	}
	check, err := s.hub.CheckIMEI(r.Context(), imei)
	if err != nil {
		s.log.ErrorContext(r.Context(), "web IMEI check", "err", err)
		writeJSON(w, http.StatusInternalServerError, imeiAnswer{Message: "The check failed; it runs again when you submit."})
		return
	}
	if check.Status != wire.IMEIClean {
		writeJSON(w, http.StatusOK, imeiAnswer{IMEI: imei, Message: flaggedMessage(check.Status)})
		return
	}
	writeJSON(w, http.StatusOK, imeiAnswer{OK: true, IMEI: imei, Message: "IMEI " + imei + " checks out: not reported lost, stolen or financed."})
}

// imeiPhoto reads the IMEI from a photo of the phone's label or box, or a
// screenshot of its *#06# screen's barcode, with the project's decoder:
// the page's last resort when the browser cannot read the camera itself.
func (s *Site) imeiPhoto(w http.ResponseWriter, r *http.Request) {
	if !s.limitChecks(w, r) {
		return
	}
	if s.decode == nil {
		writeJSON(w, http.StatusNotFound, imeiAnswer{Message: "Photos are not read here: type the IMEI."})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxPhoto+64<<10)
	file, _, err := r.FormFile("photo")
	if err != nil {
		status, msg := http.StatusBadRequest, "Send a photo of the barcode."
		if tooLarge(err) {
			status, msg = http.StatusRequestEntityTooLarge, fmt.Sprintf("The photo is larger than %d MB: send a smaller one.", maxPhoto>>20)
		}
		writeJSON(w, status, imeiAnswer{Message: msg})
		return
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, imeiAnswer{Message: "The photo could not be read."})
		return
	}
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err != nil || cfg.Width*cfg.Height > intake.MaxPhotoPixels {
		writeJSON(w, http.StatusUnprocessableEntity, imeiAnswer{Message: "This is not a photo we can read (JPEG, PNG or WebP, at most 50 megapixels)."})
		return
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, imeiAnswer{Message: "This is not a photo we can read (JPEG, PNG or WebP)."})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	texts, err := s.decode(ctx, img)
	if err != nil {
		s.log.WarnContext(r.Context(), "web decode photo", "err", err)
	}
	for _, text := range texts {
		if imei, err := intake.SingleIMEI(text); err == nil {
			s.answerIMEI(w, r, imei)
			return
		}
	}
	writeJSON(w, http.StatusOK, imeiAnswer{Message: "No IMEI barcode was found in the photo. Hold the barcode flat and close, or type the IMEI: dial *#06# to show it."})
}
