package shipping_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/shipping"
)

func TestPickupInstructionsNameTheReference(t *testing.T) {
	for _, c := range []struct {
		name string
		tmpl string
		want string
	}{
		{
			name: "default template",
			want: "Please bring your device to:\n" +
				"IntakeBench Receiving\n" +
				"IntakeBench Inc.\n" +
				"3800 N Lamar Blvd\n" +
				"Suite 220\n" +
				"Austin, TX 78756\n" +
				"US\n" +
				"Phone: +1 512-555-0100\n" +
				"\n" +
				"Quote your trade-in reference TI-2026-0042 at the counter so we can match the device to your accepted offer.",
		},
		{
			name: "template naming the reference",
			tmpl: "Hi {{.Customer.Name}}, drop {{.Reference}} at our {{.Facility.City}} counter.",
			want: "Hi Dana Whitfield, drop TI-2026-0042 at our Austin counter.",
		},
		{
			name: "plain text gets the reference added",
			tmpl: "Drop your phone at the front desk, Mon-Fri 9-5.",
			want: "Drop your phone at the front desk, Mon-Fri 9-5.\n\nTrade-in reference: TI-2026-0042",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := shipping.NewPickup(c.tmpl)
			require.NoError(t, err)
			got, err := p.Arrange(t.Context(), validRequest())
			require.NoError(t, err)
			assert.Equal(t, shipping.Arrangement{Method: "pickup", Instructions: c.want}, got)
		})
	}
}

func TestPickupRefusals(t *testing.T) {
	_, err := shipping.NewPickup("Bring {{.Referense}}")
	require.Error(t, err, "a misspelt field is found at start-up")
	assert.Contains(t, err.Error(), "Referense")

	_, err = shipping.NewPickup("Bring {{.Reference")
	require.Error(t, err)

	p, err := shipping.NewPickup("")
	require.NoError(t, err)
	r := validRequest()
	r.Reference = " "
	r.Facility = shipping.Address{}
	_, err = p.Arrange(t.Context(), r)
	require.ErrorIs(t, err, shipping.ErrInvalidRequest)
	var re *shipping.RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, []string{
		"reference is required",
		"facility.address_line1 is required",
		"facility.city is required",
	}, re.Problems)
}
