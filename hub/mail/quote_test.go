package mail

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
)

const (
	acceptURL  = "https://hub.example/offers/accept?t=eyJwIjoib2ZmZXIifQ.-VApdK4X_A4&src=mail"
	declineURL = "https://hub.example/offers/decline?t=eyJwIjoib2ZmZXIifQ.-VApdK4X_A4&src=mail"
)

func testQuote() Quote {
	return Quote{
		To:           "zoe@example.com",
		CustomerName: "Zoë Łukasiewicz",
		Reference:    "TI-2026-000123",
		Device:       "Apple iPhone 13 128GB",
		Amount:       35000,
		Notes:        "A scratch on the back <glass> & a worn port.\nBattery at 87%.",
		ExpiresAt:    time.Date(2026, 7, 6, 17, 0, 0, 0, time.UTC),
		AcceptURL:    acceptURL,
		DeclineURL:   declineURL,
		Business:     "Tëlé Trade & Co",
	}
}

const wantQuoteText = `Hello Zoë Łukasiewicz,

Thank you for your trade-in request. We offer $350.00 for your Apple iPhone 13 128GB.

Notes: A scratch on the back <glass> & a worn port.
Battery at 87%.

This offer is valid until Monday 6 July 2026, 17:00 UTC.

To accept it, open this link:
https://hub.example/offers/accept?t=eyJwIjoib2ZmZXIifQ.-VApdK4X_A4&src=mail

To decline it, open this link:
https://hub.example/offers/decline?t=eyJwIjoib2ZmZXIifQ.-VApdK4X_A4&src=mail

Reference: TI-2026-000123

Tëlé Trade & Co
`

func TestQuoteMessage(t *testing.T) {
	m, err := QuoteMessage(testQuote())
	require.NoError(t, err)
	assert.Equal(t, "=?utf-8?q?Zo=C3=AB_=C5=81ukasiewicz?= <zoe@example.com>", m.To)
	assert.Equal(t, "Your trade-in offer: $350.00 for your Apple iPhone 13 128GB (TI-2026-000123)", m.Subject)
	assert.Equal(t, wantQuoteText, m.Text)
	for _, want := range []string{
		`<p>Hello Zoë Łukasiewicz,</p>`,
		`We offer <strong>$350.00</strong> for your Apple iPhone 13 128GB.</p>`,
		`<strong>Notes:</strong> A scratch on the back &lt;glass&gt; &amp; a worn port.` + "\nBattery at 87%.</p>",
		`valid until <strong>Monday 6 July 2026, 17:00 UTC</strong>.</p>`,
		`<a href="https://hub.example/offers/accept?t=eyJwIjoib2ZmZXIifQ.-VApdK4X_A4&amp;src=mail" `,
		`<a href="https://hub.example/offers/decline?t=eyJwIjoib2ZmZXIifQ.-VApdK4X_A4&amp;src=mail" `,
		`<p style="color:#57606a;font-size:14px">Reference: TI-2026-000123</p>`,
		`<p>Tëlé Trade &amp; Co</p>`,
	} {
		assert.Equal(t, 1, strings.Count(m.HTML, want), "once in the HTML: %s", want)
	}
	assert.NotContains(t, m.HTML, "<glass>")
	assert.NotContains(t, m.HTML, "&src=")
}

func TestQuoteMessageWithoutNameOrNotes(t *testing.T) {
	q := testQuote()
	q.CustomerName, q.Notes = "", " \n "
	q.ExpiresAt = time.Date(2026, 7, 6, 13, 0, 0, 0, time.FixedZone("EDT", -4*60*60))
	m, err := QuoteMessage(q)
	require.NoError(t, err)
	assert.Equal(t, "zoe@example.com", strings.Trim(m.To, "<>"))
	assert.True(t, strings.HasPrefix(m.Text, "Hello,\n\nThank you"), m.Text)
	assert.Contains(t, m.Text, "$350.00 for your Apple iPhone 13 128GB.\n\nThis offer is valid until Monday 6 July 2026, 13:00 EDT.\n")
	assert.Contains(t, m.HTML, "<p>Hello,</p>")
	assert.NotContains(t, m.Text, "Notes")
	assert.NotContains(t, m.HTML, "Notes")
}

func TestQuoteMessageRefuses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		change  func(*Quote)
		wantErr error
		wantMsg string
	}{
		{"no address", func(q *Quote) { q.To = "" }, ErrInvalidMessage, "no recipient"},
		{"bad address", func(q *Quote) { q.To = "zoe at example.com" }, ErrInvalidMessage, "recipient"},
		{"non-ASCII address", func(q *Quote) { q.To = "zoë@example.com" }, ErrInvalidMessage, "only ASCII addresses"},
		{"line break in the address", func(q *Quote) { q.To = "zoe@example.com\r\nBcc: all@example.com" }, ErrHeaderInjection, "recipient"},
		{"line break in the name", func(q *Quote) { q.CustomerName = "Zoë\nBcc: all@example.com" }, ErrHeaderInjection, "recipient name"},
		{"name too long", func(q *Quote) { q.CustomerName = strings.Repeat("Zoë ", 51) }, ErrInvalidMessage, "recipient name of 255 bytes is longer than 200"},
		{"no reference", func(q *Quote) { q.Reference = " " }, ErrInvalidMessage, "no reference"},
		{"no device", func(q *Quote) { q.Device = "" }, ErrInvalidMessage, "no device"},
		{"no business", func(q *Quote) { q.Business = "" }, ErrInvalidMessage, "no business"},
		{"no device nor business", func(q *Quote) { q.Device, q.Business = "", "" }, ErrInvalidMessage, "no device, business"},
		{"negative amount", func(q *Quote) { q.Amount = -1 }, intake.ErrAmountOutOfRange, "amount"},
		{"amount over the maximum", func(q *Quote) { q.Amount = intake.MaxAmount + 1 }, intake.ErrAmountOutOfRange, "amount"},
		{"no expiry", func(q *Quote) { q.ExpiresAt = time.Time{} }, ErrInvalidMessage, "no expiry"},
		{"no accept URL", func(q *Quote) { q.AcceptURL = "" }, ErrInvalidMessage, "no accept URL"},
		{"javascript accept URL", func(q *Quote) { q.AcceptURL = "javascript:alert(1)" }, ErrInvalidMessage, "not an absolute http(s) URL"},
		{"relative decline URL", func(q *Quote) { q.DeclineURL = "/offers/decline?t=x" }, ErrInvalidMessage, "not an absolute http(s) URL"},
		{"space in a URL", func(q *Quote) { q.AcceptURL = "https://hub.example/a b" }, ErrInvalidMessage, "space or control"},
		{"line break in a URL", func(q *Quote) { q.DeclineURL = "https://hub.example/d\r\nx" }, ErrInvalidMessage, "space or control"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := testQuote()
			tc.change(&q)
			m, err := QuoteMessage(q)
			require.ErrorIs(t, err, tc.wantErr)
			assert.ErrorContains(t, err, tc.wantMsg)
			assert.Equal(t, Message{}, m)
		})
	}
}

func TestShippingMessage(t *testing.T) {
	for _, tc := range []struct {
		name        string
		shipment    Shipment
		wantSubject string
		wantText    string
		wantHTML    []string
	}{
		{
			name: "label",
			shipment: Shipment{
				To: "zoe@example.com", CustomerName: "Zoë", Reference: "TI-2026-000123",
				TrackingNumber: "1Z999AA10123456784", LabelURL: "https://labels.example/l/abc?fmt=pdf&size=4x6",
				Business: "Tëlé Trade",
			},
			wantSubject: "Your shipping label for trade-in TI-2026-000123",
			wantText: `Hello Zoë,

Thank you for accepting our offer for trade-in TI-2026-000123.

Please pack your device securely and send it with this prepaid shipping label:
https://labels.example/l/abc?fmt=pdf&size=4x6

Tracking number: 1Z999AA10123456784

Reference: TI-2026-000123

Tëlé Trade
`,
			wantHTML: []string{
				`<a href="https://labels.example/l/abc?fmt=pdf&amp;size=4x6" `,
				`Tracking number: <strong>1Z999AA10123456784</strong>`,
				`<p>Tëlé Trade</p>`,
			},
		},
		{
			name: "pickup",
			shipment: Shipment{
				To: "zoe@example.com", Reference: "TI-2026-000124",
				Instructions: "Bring it to 12 High St <rear door>\nMon–Fri 9:00–17:00.",
			},
			wantSubject: "How to hand over your device for trade-in TI-2026-000124",
			wantText: `Hello,

Thank you for accepting our offer for trade-in TI-2026-000124.

How to hand over your device:
Bring it to 12 High St <rear door>
Mon–Fri 9:00–17:00.

Reference: TI-2026-000124
`,
			wantHTML: []string{
				"<p style=\"white-space:pre-line\">Bring it to 12 High St &lt;rear door&gt;\nMon–Fri 9:00–17:00.</p>",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ShippingMessage(tc.shipment)
			require.NoError(t, err)
			assert.Equal(t, tc.wantSubject, m.Subject)
			assert.Equal(t, tc.wantText, m.Text)
			for _, want := range tc.wantHTML {
				assert.Equal(t, 1, strings.Count(m.HTML, want), "once in the HTML: %s", want)
			}
		})
	}
}

func TestShippingMessageRefuses(t *testing.T) {
	for _, tc := range []struct {
		name     string
		shipment Shipment
		wantErr  error
		wantMsg  string
	}{
		{"neither label nor instructions", Shipment{To: "z@example.com", Reference: "TI-1"}, ErrInvalidMessage, "needs a label or instructions"},
		{"both", Shipment{To: "z@example.com", Reference: "TI-1", TrackingNumber: "1Z", LabelURL: "https://l.example/1", Instructions: "Come by"}, ErrInvalidMessage, "not both"},
		{"label without tracking number", Shipment{To: "z@example.com", Reference: "TI-1", LabelURL: "https://l.example/1"}, ErrInvalidMessage, "no tracking number"},
		{"tracking number without label", Shipment{To: "z@example.com", Reference: "TI-1", TrackingNumber: "1Z"}, ErrInvalidMessage, "no label URL"},
		{"label URL not http", Shipment{To: "z@example.com", Reference: "TI-1", TrackingNumber: "1Z", LabelURL: "file:///etc/passwd"}, ErrInvalidMessage, "not an absolute http(s) URL"},
		{"no reference", Shipment{To: "z@example.com", Instructions: "Come by"}, ErrInvalidMessage, "no reference"},
		{"line break in the name", Shipment{To: "z@example.com", CustomerName: "Z\r\nX-Evil: 1", Reference: "TI-1", Instructions: "Come by"}, ErrHeaderInjection, "recipient name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ShippingMessage(tc.shipment)
			require.ErrorIs(t, err, tc.wantErr)
			assert.ErrorContains(t, err, tc.wantMsg)
			assert.Equal(t, Message{}, m)
		})
	}
}

func TestDollars(t *testing.T) {
	for _, tc := range []struct {
		cents intake.Cents
		want  string
	}{
		{0, "$0.00"},
		{5, "$0.05"},
		{35000, "$350.00"},
		{99999, "$999.99"},
		{100000, "$1,000.00"},
		{125050, "$1,250.50"},
		{12345678, "$123,456.78"},
		{100000000, "$1,000,000.00"},
		{-125000, "-$1,250.00"},
	} {
		assert.Equal(t, tc.want, dollars(tc.cents), "%d cents", tc.cents)
	}
}
