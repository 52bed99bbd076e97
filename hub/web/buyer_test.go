package web_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/device/barcode"
	"github.com/intakebench/intakebench/device/barcode/barcodetest"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/web"
	"github.com/intakebench/intakebench/intake"
)

func TestBuyerSubmitsATradeIn(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	form := e.get(c, "/trade-in")
	require.Equal(t, http.StatusOK, form.status)
	assert.Contains(t, form.body, `<option value="Apple iPhone 13">`)
	assert.Contains(t, form.body, `<label for="imei">`)

	p := e.post(c, "/trade-in", goodForm())
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	loc := p.header.Get("Location")
	require.True(t, strings.HasPrefix(loc, "/trade-in/status/"), loc)
	assert.NotContains(t, loc, "ada", "no PII in the status link")
	assert.NotContains(t, loc, cleanIMEI, "no IMEI in the status link")

	status := e.get(c, loc)
	require.Equal(t, http.StatusOK, status.status)
	assert.Contains(t, status.body, "Your trade-in TI-2024-000001")
	assert.Contains(t, status.body, "Apple iPhone 13 128GB")
	assert.Contains(t, status.body, "we have your trade-in")

	q, err := e.hub.Queue(context.Background(), intake.StatusSubmitted, 10, "")
	require.NoError(t, err)
	require.Len(t, q.Items, 1)
	v, err := e.hub.Submission(context.Background(), "", q.Items[0].ID)
	require.NoError(t, err)
	tr := v.TradeIn
	assert.Equal(t, "TI-2024-000001", tr.Reference)
	assert.Equal(t, cleanIMEI, tr.IMEI)
	assert.Equal(t, intake.ConditionGood, tr.Disclosed, "light scratches on the screen")
	assert.Equal(t, "prod_123", tr.Device.SKU)
	assert.Equal(t, "ada@example.com", tr.Customer.Email)
	assert.Equal(t, "Ada Buyer", tr.Customer.Name)
	assert.Contains(t, tr.Description, "Screen condition light")
	assert.Contains(t, tr.Description, "Accessories included: charger, box")
	require.NotNil(t, v.IMEICheck, "a submission known by its IMEI is checked at once")
	assert.Equal(t, intake.IMEIClean, v.IMEICheck.Status)

	// The same buyer again: their account is reused.
	p = e.post(c, "/trade-in", with(goodForm(), "imei", []string{cleanIMEI2}))
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	tradeIns, customers := e.counts()
	assert.Equal(t, 2, tradeIns)
	assert.Equal(t, 1, customers)
}

// TestBadInputCreatesNothing: each bad field gets its own message beside
// it, the form comes back as typed, and the hub holds nothing new.
func TestBadInputCreatesNothing(t *testing.T) {
	e := newEnv(t, web.WithLimits(1000, 1000, 5))
	cases := []struct {
		name, field string
		value       []string
		want        string
	}{
		{"letters in the IMEI", "imei", []string{"35693803564380A"}, "An IMEI has digits only; this has letters or other signs."},
		{"a bad Luhn digit", "imei", []string{"356938035643808"}, "This is not a valid IMEI: its last digit does not match the others."},
		{"too few digits", "imei", []string{"35693803564380"}, "An IMEI has 15 digits; this has 14."},
		{"no IMEI", "imei", nil, "Type the IMEI: dial *#06# on the phone to show it, or scan it."},
		{"a flagged IMEI", "imei", []string{flaggedIMEI}, "This phone cannot be traded in: its IMEI is reported lost or stolen (blacklisted)."},
		{"no model", "model", nil, "Type your phone&#39;s make and model, then pick it from the list."},
		{"a model not bought", "model", []string{"Nokia 3310"}, "We do not buy a phone called that."},
		{"a storage the model lacks", "storage", []string{"1TB"}, "We do not buy the Apple iPhone 13 with 1TB on Unlocked."},
		{"no storage", "storage", nil, "Pick the phone&#39;s storage"},
		{"no network", "carrier", nil, "Pick the network the phone is locked to, or Unlocked."},
		{"no answer: powers on", "powers_on", nil, "Answer yes or no."},
		{"no answer: account removed", "account_removed", nil, "Answer yes or no."},
		{"no answer: battery", "battery_ok", nil, "Answer yes or no."},
		{"a made-up answer", "battery_ok", []string{"maybe"}, "Answer yes or no."},
		{"no answer: screen", "screen", nil, "Pick the one that fits best."},
		{"no answer: body", "body", []string{"shiny"}, "Pick the one that fits best."},
		{"an accessory not listed", "accessories", []string{"charger", "jetpack"}, "Tick only the accessories listed."},
		{"no name", "name", []string{"  "}, "Type your name."},
		{"a name too long", "name", []string{strings.Repeat("n", 201)}, "A name is at most 200 characters, on one line."},
		{"a name on two lines", "name", []string{"Ada\nBuyer"}, "A name is at most 200 characters, on one line."},
		{"no e-mail", "email", nil, "Type your e-mail address: the offer is sent there."},
		{"not an e-mail", "email", []string{"ada at example"}, "This is not an e-mail address"},
		{"a phone with letters", "phone", []string{"call me"}, "A phone number has digits, spaces and &#43; - ( ) only, at most 40."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := e.post(e.client(), "/trade-in", with(goodForm(), tc.field, tc.value))
			require.Equal(t, http.StatusUnprocessableEntity, p.status)
			assert.Contains(t, fieldMessage(p.body, tc.field), tc.want)
			assert.Contains(t, p.body, "Some answers need fixing")
			tradeIns, customers := e.counts()
			assert.Zero(t, tradeIns)
			assert.Zero(t, customers)
		})
	}

	t.Run("script in a name is shown as text", func(t *testing.T) {
		p := e.post(e.client(), "/trade-in", with(with(goodForm(), "name", []string{`<script>alert("x")</script>`}), "imei", []string{"123"}))
		require.Equal(t, http.StatusUnprocessableEntity, p.status)
		assert.Contains(t, p.body, `value="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"`)
		assert.NotContains(t, p.body, `<script>alert`)
	})

	t.Run("a 10 MB name", func(t *testing.T) {
		p := e.post(e.client(), "/trade-in", with(goodForm(), "name", []string{strings.Repeat("A", 10<<20)}))
		require.Equal(t, http.StatusRequestEntityTooLarge, p.status)
		assert.Contains(t, p.body, "The form is too large")
		assert.Contains(t, p.body, "a name is at most 200 characters")
	})

	t.Run("the honeypot", func(t *testing.T) {
		p := e.post(e.client(), "/trade-in", with(goodForm(), "website", []string{"http://spam.example"}))
		require.Equal(t, http.StatusOK, p.status)
		assert.Contains(t, p.body, "Thank you")
	})

	tradeIns, customers := e.counts()
	assert.Zero(t, tradeIns)
	assert.Zero(t, customers)
}

func TestSubmitsAndChecksAreRateLimited(t *testing.T) {
	e := newEnv(t, web.WithLimits(2, 3, 5))
	c := e.client()
	for i := range 2 {
		p := e.post(c, "/trade-in", with(goodForm(), "imei", []string{"123"}))
		require.Equal(t, http.StatusUnprocessableEntity, p.status, "submission %d", i+1)
	}
	p := e.post(c, "/trade-in", goodForm())
	require.Equal(t, http.StatusTooManyRequests, p.status)
	assert.NotEmpty(t, p.header.Get("Retry-After"))
	assert.Contains(t, p.body, "Wait a minute")
	tradeIns, _ := e.counts()
	assert.Zero(t, tradeIns)

	for range 3 {
		require.Equal(t, http.StatusOK, e.post(c, "/trade-in/imei-check", url.Values{"imei": {cleanIMEI}}).status)
	}
	p = e.post(c, "/trade-in/imei-check", url.Values{"imei": {cleanIMEI}})
	require.Equal(t, http.StatusTooManyRequests, p.status)
	assert.Contains(t, p.body, "Too many checks")
}

func TestIMEICheckAnswersAsTyped(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		imei, want string
	}{
		{cleanIMEI, `{"ok":true,"imei":"356938035643809","message":"IMEI 356938035643809 checks out: not reported lost, stolen or financed."}`},
		{flaggedIMEI, `{"ok":false,"imei":"490154203237518","message":"This phone cannot be traded in: its IMEI is reported lost or stolen (blacklisted). If you think this is wrong, ask the network the phone came from."}`},
		{"35693803564380x", `{"ok":false,"message":"An IMEI has digits only; this has letters or other signs. Dial *#06# on the phone to show it."}`},
		{"356938035643808", `{"ok":false,"message":"This is not a valid IMEI: its last digit does not match the others. Check for a typo."}`},
	}
	for _, tc := range cases {
		p := e.post(e.client(), "/trade-in/imei-check", url.Values{"imei": {tc.imei}})
		require.Equal(t, http.StatusOK, p.status)
		assert.JSONEq(t, tc.want, p.body, tc.imei)
	}
}

// decodeBarcodes is intakehub's decoder: the bench's, thorough pass.
func decodeBarcodes(ctx context.Context, img image.Image) ([]string, error) {
	codes, err := barcode.Decoder{}.Decode(ctx, img, barcode.Thorough)
	var out []string
	for _, c := range codes {
		out = append(out, c.Text)
	}
	return out, err
}

// TestPhotoOfALabelIsReadAtTheHub: the page's last resort, a photo sent
// to the hub and read with the bench's barcode decoder.
func TestPhotoOfALabelIsReadAtTheHub(t *testing.T) {
	e := newEnv(t, web.WithDecoder(decodeBarcodes))
	sym, err := barcodetest.Symbol(barcodetest.Code{Format: gozxing.BarcodeFormat_CODE_128, Text: cleanIMEI}, 3, 90)
	require.NoError(t, err)
	var img bytes.Buffer
	require.NoError(t, png.Encode(&img, sym))

	send := func(data []byte) page {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, err := mw.CreateFormFile("photo", "label.png")
		require.NoError(t, err)
		_, _ = fw.Write(data)
		require.NoError(t, mw.Close())
		req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/trade-in/imei-photo", &body)
		require.NoError(t, err)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return e.do(e.client(), req)
	}
	p := send(img.Bytes())
	require.Equal(t, http.StatusOK, p.status)
	assert.JSONEq(t, `{"ok":true,"imei":"356938035643809","message":"IMEI 356938035643809 checks out: not reported lost, stolen or financed."}`, p.body)

	p = send([]byte("not an image"))
	require.Equal(t, http.StatusUnprocessableEntity, p.status)
	assert.Contains(t, p.body, "This is not a photo we can read")
}

func TestStatusLinkMustBeTheHubs(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	p := e.post(c, "/trade-in", goodForm())
	require.Equal(t, http.StatusSeeOther, p.status)
	loc := strings.TrimSuffix(p.header.Get("Location"), "?new=1")
	tampered := loc[:len(loc)-2] + "AA"
	if tampered == loc {
		tampered = loc[:len(loc)-2] + "BB"
	}
	bad := e.get(c, tampered)
	require.Equal(t, http.StatusNotFound, bad.status)
	assert.Contains(t, bad.body, "This link is not one we gave")
	assert.NotContains(t, bad.body, "TI-2024")
}

// TestBuyerPageWeighsUnder100KB: the page, its style sheet and its script
// as a phone downloads them.
func TestBuyerPageWeighsUnder100KB(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	total := 0
	for _, path := range []string{"/trade-in", "/web/static/site.css", "/web/static/buyer.js"} {
		p := e.get(c, path)
		require.Equal(t, http.StatusOK, p.status, path)
		total += len(p.body)
	}
	t.Logf("buyer page: %d bytes of HTML, CSS and JS", total)
	assert.LessOrEqual(t, total, 100<<10)
}

// A new buyer's address and payout method go on the account the form
// opens, so that the accepted offer brings a shipping label and a check;
// an existing account's are not changed by a form anyone can send.
func TestBuyerAddressAndPayoutOpenTheAccount(t *testing.T) {
	e := newEnv(t)
	address := url.Values{"line1": {" 12 Analytical Way "}, "city": {"Austin"}, "state": {"TX"}, "postal_code": {"78702"},
		"country": {"us"}, "payout": {"check"}}
	form := goodForm()
	for k, v := range address {
		form[k] = v
	}
	p := e.post(e.client(), "/trade-in", form)
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	c := customerByEmail(t, e, "ada@example.com")
	assert.Equal(t, hub.Profile{Name: "Ada Buyer", Phone: "+1 555 0100",
		Address:      hub.Address{Line1: "12 Analytical Way", City: "Austin", State: "TX", PostalCode: "78702", Country: "US"},
		PayoutMethod: intake.PayoutCheck}, c.Profile)

	// Someone else types Ada's e-mail with their own address.
	form = with(with(form, "imei", []string{cleanIMEI2}), "line1", []string{"1 Other Street"})
	p = e.post(e.client(), "/trade-in", with(form, "payout", []string{"store-credit"}))
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	assert.Equal(t, "12 Analytical Way", customerByEmail(t, e, "ada@example.com").Profile.Address.Line1)
	assert.Equal(t, intake.PayoutCheck, customerByEmail(t, e, "ada@example.com").Profile.PayoutMethod)
}

func TestBadAddressCreatesNothing(t *testing.T) {
	e := newEnv(t, web.WithLimits(1000, 1000, 5))
	full := goodForm()
	for k, v := range (url.Values{"line1": {"12 Analytical Way"}, "city": {"Austin"}, "state": {"TX"}, "postal_code": {"78702"}, "country": {"US"}}) {
		full[k] = v
	}
	cases := []struct {
		name  string
		form  url.Values
		field string
		want  string
	}{
		{"a street without a city", with(with(full, "city", nil), "postal_code", nil), "city", "Type the town or city."},
		{"no postal code", with(full, "postal_code", []string{" "}), "postal_code", "Type the postal code."},
		{"a country by name", with(full, "country", []string{"Portugal"}), "country", "Pick the country (a two-letter code such as US)."},
		{"a US address without a state", with(full, "state", nil), "state", "Type the state (for example TX)."},
		{"a street on two lines", with(full, "line1", []string{"12 Analytical\nWay"}), "line1", "At most 200 characters, on one line."},
		{"a check with no address", with(goodForm(), "payout", []string{"check"}), "line1", "A check is sent by post: type the address it goes to."},
		{"cash", with(full, "payout", []string{"cash"}), "payout", "Pick store credit or a check."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := e.post(e.client(), "/trade-in", tc.form)
			require.Equal(t, http.StatusUnprocessableEntity, p.status)
			assert.Contains(t, fieldMessage(p.body, tc.field), tc.want)
			tradeIns, customers := e.counts()
			assert.Zero(t, tradeIns)
			assert.Zero(t, customers)
		})
	}
}

func customerByEmail(t *testing.T, e *env, email string) hub.Customer {
	t.Helper()
	cs, err := e.hub.Customers(context.Background(), "", 10)
	require.NoError(t, err)
	for _, c := range cs {
		if c.Email == email {
			return c
		}
	}
	t.Fatalf("no customer %s", email)
	return hub.Customer{}
}
