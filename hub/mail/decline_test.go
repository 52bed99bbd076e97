package mail

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDeclineMessage(t *testing.T) {
	for _, tc := range []struct {
		name     string
		decline  Decline
		wantText string
		wantHTML []string
	}{
		{
			name: "not sent yet, its label cancelled",
			decline: Decline{
				To: "zoe@example.com", CustomerName: "Zoë", Reference: "TI-2026-000123", Device: "Apple iPhone 13 128GB",
				Reason: "The device is still locked to an account: Find My <iPhone> is on", LabelCancelled: true, Business: "Tëlé Trade & Co",
			},
			wantText: `Hello Zoë,

We are sorry: we have declined your trade-in TI-2026-000123 (Apple iPhone 13 128GB).

Reason: The device is still locked to an account: Find My <iPhone> is on

Please do not send us your device. The prepaid shipping label we sent you is cancelled and can no longer be used.

Reference: TI-2026-000123

Tëlé Trade & Co
`,
			wantHTML: []string{
				`<p>We are sorry: we have declined your trade-in TI-2026-000123 (Apple iPhone 13 128GB).</p>`,
				`<p style="white-space:pre-line"><strong>Reason:</strong> The device is still locked to an account: Find My &lt;iPhone&gt; is on</p>`,
				`<p><strong>Please do not send us your device.</strong> The prepaid shipping label we sent you is cancelled and can no longer be used.</p>`,
				`<p>Tëlé Trade &amp; Co</p>`,
			},
		},
		{
			name: "never asked for, no label",
			decline: Decline{
				To: "zoe@example.com", Reference: "TI-2026-000124", Reason: "We do not buy this device",
			},
			wantText: `Hello,

We are sorry: we have declined your trade-in TI-2026-000124.

Reason: We do not buy this device

Please do not send us your device.

Reference: TI-2026-000124
`,
			wantHTML: []string{
				`<p><strong>Please do not send us your device.</strong></p>`,
			},
		},
		{
			name: "received: returned by post",
			decline: Decline{
				To: "zoe@example.com", CustomerName: "Zoë", Reference: "TI-2026-000125", Device: "Apple iPhone 13 128GB",
				Reason: "Cracked display, not disclosed", Received: true,
				ReturnAddress: []string{"Zoë Łukasiewicz", "4 Elm Ct", " ", "Austin, TX 78701", "US"}, Business: "Tëlé Trade",
			},
			wantText: `Hello Zoë,

We are sorry: we have declined your trade-in TI-2026-000125 (Apple iPhone 13 128GB).

Reason: Cracked display, not disclosed

We are returning your device to you by post, to:
Zoë Łukasiewicz
4 Elm Ct
Austin, TX 78701
US

Reference: TI-2026-000125

Tëlé Trade
`,
			wantHTML: []string{
				`<p>We are returning your device to you by post, to:</p>`,
				`<p>Zoë Łukasiewicz<br>4 Elm Ct<br>Austin, TX 78701<br>US</p>`,
			},
		},
		{
			name: "received, no address: we get in touch",
			decline: Decline{
				To: "zoe@example.com", Reference: "TI-2026-000126", Reason: "payout declined after inspection", Received: true,
			},
			wantText: `Hello,

We are sorry: we have declined your trade-in TI-2026-000126.

Reason: payout declined after inspection

We are returning your device to you: we will contact you to arrange how.

Reference: TI-2026-000126
`,
			wantHTML: []string{
				`<p>We are returning your device to you: we will contact you to arrange how.</p>`,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := DeclineMessage(tc.decline)
			require.NoError(t, err)
			assert.Equal(t, "Your trade-in "+tc.decline.Reference+" has been declined", m.Subject)
			assert.Equal(t, tc.wantText, m.Text)
			for _, want := range tc.wantHTML {
				assert.Equal(t, 1, strings.Count(m.HTML, want), "once in the HTML: %s\n%s", want, m.HTML)
			}
			assert.NotContains(t, m.HTML, "<iPhone>")
		})
	}
}

func TestDeclineMessageSubjectAndRecipient(t *testing.T) {
	m, err := DeclineMessage(Decline{To: "zoe@example.com", CustomerName: "Zoë Łukasiewicz", Reference: "TI-2026-000123", Reason: "Other: duplicate"})
	require.NoError(t, err)
	assert.Equal(t, "=?utf-8?q?Zo=C3=AB_=C5=81ukasiewicz?= <zoe@example.com>", m.To)
	assert.Equal(t, "Your trade-in TI-2026-000123 has been declined", m.Subject)
}

func TestDeclineMessageRefuses(t *testing.T) {
	valid := func() Decline {
		return Decline{To: "z@example.com", Reference: "TI-1", Reason: "We do not buy this device"}
	}
	for _, tc := range []struct {
		name    string
		change  func(*Decline)
		wantErr error
		wantMsg string
	}{
		{"no address", func(d *Decline) { d.To = "" }, ErrInvalidMessage, "no recipient"},
		{"line break in the name", func(d *Decline) { d.CustomerName = "Z\r\nBcc: all@example.com" }, ErrHeaderInjection, "recipient name"},
		{"no reference nor reason", func(d *Decline) { d.Reference, d.Reason = "", " " }, ErrInvalidMessage, "no reference, reason"},
		{"received and a label cancelled", func(d *Decline) { d.Received, d.LabelCancelled = true, true }, ErrInvalidMessage, "a device received has no label to cancel"},
		{"an address for a device not received", func(d *Decline) { d.ReturnAddress = []string{"4 Elm Ct"} }, ErrInvalidMessage, "not returned to an address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := valid()
			tc.change(&d)
			m, err := DeclineMessage(d)
			require.ErrorIs(t, err, tc.wantErr)
			assert.ErrorContains(t, err, tc.wantMsg)
			assert.Equal(t, Message{}, m)
		})
	}
}
