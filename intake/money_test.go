package intake

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCentsRoundTrip(t *testing.T) {
	tests := []struct {
		in   string
		want Cents
		out  string
	}{
		{"320", 32000, "320.00"},
		{"320.5", 32050, "320.50"},
		{"0.07", 7, "0.07"},
		{"-12.30", -1230, "-12.30"},
		{" 85.00 ", 8500, "85.00"},
		{"0", 0, "0.00"},
		{"-0.01", -1, "-0.01"},
		// The largest whole amount whose cents cannot overflow an int64.
		{"92233720368547757.99", 9223372036854775799, "92233720368547757.99"},
	}
	for _, tt := range tests {
		got, err := ParseCents(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
		assert.Equal(t, tt.out, got.String())
	}
}

func TestParseCentsRejects(t *testing.T) {
	for _, in := range []string{"", "abc", "1.234", "1.", ".5", "1e3", "99999999999999999999", "92233720368547758", "1.-5"} {
		_, err := ParseCents(in)
		assert.Error(t, err, "%q", in)
	}
}

func TestPercentRoundsHalfAwayFromZero(t *testing.T) {
	assert.Equal(t, Cents(80), Cents(100).Percent(80))
	assert.Equal(t, Cents(1), Cents(1).Percent(50))   // 0.5 → 1
	assert.Equal(t, Cents(-1), Cents(-1).Percent(50)) // -0.5 → -1
	assert.Equal(t, Cents(33333), Cents(55555).Percent(60))
}
