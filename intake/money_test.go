package intake

import (
	"errors"
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

func TestCheckedMoney(t *testing.T) {
	for _, c := range []struct {
		name string
		got  func() (Cents, error)
		want Cents
		ok   bool
	}{
		{"times", func() (Cents, error) { return Cents(12_345).Times(3) }, 37_035, true},
		{"times negative", func() (Cents, error) { return Cents(-250).Times(4) }, -1_000, true},
		{"times zero", func() (Cents, error) { return Cents(9_223_372_036_854_775_807).Times(0) }, 0, true},
		{"times overflow", func() (Cents, error) { return Cents(1_844_674_407_370_955_16).Times(100) }, 0, false},
		{"times quantity overflow", func() (Cents, error) { return Cents(92_233_720_368_547_759).Times(101) }, 0, false},
		{"times min", func() (Cents, error) { return Cents(-9_223_372_036_854_775_808).Times(1) }, 0, false},
		{"times min negated", func() (Cents, error) { return Cents(-9_223_372_036_854_775_808).Times(-1) }, 0, false},
		{"bound times quantity", func() (Cents, error) { return MaxAmount.Times(MaxQuantity) }, 10_000_000_000_000, true},
		{"plus", func() (Cents, error) { return Cents(100).Plus(-250) }, -150, true},
		{"plus overflow", func() (Cents, error) { return Cents(9_223_372_036_854_775_800).Plus(8) }, 0, false},
		{"plus underflow", func() (Cents, error) { return Cents(-9_223_372_036_854_775_800).Plus(-9) }, 0, false},
	} {
		got, err := c.got()
		if c.ok && (err != nil || got != c.want) {
			t.Errorf("%s = %d, %v; want %d", c.name, got, err, c.want)
		}
		if !c.ok && (err == nil || !errors.Is(err, ErrAmountOutOfRange)) {
			t.Errorf("%s = %d, %v; want ErrAmountOutOfRange", c.name, got, err)
		}
	}
}

func TestCheckAmount(t *testing.T) {
	for c, ok := range map[Cents]bool{0: true, 1: true, 100_000_000: true, 100_000_001: false, -1: false, 9_000_000_000_000_000_000: false} {
		if err := CheckAmount(c); (err == nil) != ok {
			t.Errorf("CheckAmount(%d) = %v, want ok %v", c, err, ok)
		}
	}
}
