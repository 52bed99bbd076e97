package intake

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// Cents is an amount of money in the smallest unit of its currency. Money is
// never a float in this code base: floats cannot hold 0.10 exactly.
type Cents int64

// String formats c as a decimal amount, e.g. 32000 → "320.00".
func (c Cents) String() string {
	sign := ""
	v := int64(c)
	if v < 0 {
		sign = "-"
		v = -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// ParseCents reads a decimal amount such as "320", "320.5" or "320.00".
func ParseCents(s string) (Cents, error) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || (hasFrac && (len(frac) == 0 || len(frac) > 2)) {
		return 0, fmt.Errorf("amount %q: want digits with at most two decimals", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > math.MaxInt64/100-1 {
		return 0, fmt.Errorf("amount %q: not a valid number", s)
	}
	var f int64
	if hasFrac {
		if len(frac) == 1 {
			frac += "0"
		}
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil || f < 0 {
			return 0, fmt.Errorf("amount %q: not a valid number", s)
		}
	}
	v := Cents(w*100 + f)
	if neg {
		v = -v
	}
	return v, nil
}

// Percent returns p percent of c, rounded half away from zero.
func (c Cents) Percent(p int64) Cents {
	v := int64(c) * p
	if v >= 0 {
		return Cents((v + 50) / 100)
	}
	return Cents((v - 50) / 100)
}

// MaxAmount bounds every amount of money a trade-in carries: a price, an
// offer, a payout, a counter-offer, a quote's value per device. A phone
// worth more than $1,000,000.00 is a typing error or an attack. Within the
// bound, an amount times a quantity up to MaxQuantity, or times a percentage
// in hundredths up to 100.00%, cannot overflow int64: the checked
// operations below say so when an input is out of bounds instead.
const MaxAmount Cents = 1_000_000_00

// MaxQuantity bounds the number of devices one line of a quote counts.
const MaxQuantity = 100_000

// ErrAmountOutOfRange is an amount or result beyond MaxAmount, or below
// zero where money cannot be negative.
var ErrAmountOutOfRange = errors.New("amount out of range")

// CheckAmount reports whether c is an amount a trade-in may carry: from 0
// to MaxAmount.
func CheckAmount(c Cents) error {
	if c < 0 || c > MaxAmount {
		return fmt.Errorf("%s is not between 0.00 and %s: %w", c, MaxAmount, ErrAmountOutOfRange)
	}
	return nil
}

// Times returns c × n, refusing a product whose magnitude does not fit
// int64 (so MinInt64 itself never multiplies).
func (c Cents) Times(n int64) (Cents, error) {
	hi, lo := bits.Mul64(uabs(int64(c)), uabs(n))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, fmt.Errorf("%s × %d overflows: %w", c, n, ErrAmountOutOfRange)
	}
	v := int64(lo)
	if (c < 0) != (n < 0) {
		v = -v
	}
	return Cents(v), nil
}

// Plus returns c + d, refusing an overflow of int64.
func (c Cents) Plus(d Cents) (Cents, error) {
	s := c + d
	if (d > 0 && s < c) || (d < 0 && s > c) {
		return 0, fmt.Errorf("%s + %s overflows: %w", c, d, ErrAmountOutOfRange)
	}
	return s, nil
}

func uabs(v int64) uint64 {
	if v < 0 {
		return uint64(-(v + 1)) + 1
	}
	return uint64(v)
}
