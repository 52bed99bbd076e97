package intake

import (
	"errors"
	"math"
	"math/big"
	"testing"
)

// FuzzCheckedMoney holds Times and Plus to exact arithmetic: each answers
// the true result whenever it fits int64 (MinInt64 aside for Times, which
// refuses magnitudes beyond MaxInt64) and refuses it otherwise.
func FuzzCheckedMoney(f *testing.F) {
	for _, seed := range [][2]int64{{0, 0}, {1, math.MaxInt64}, {-1, math.MinInt64}, {184467440737095516, 100},
		{100_000_000, 100_000}, {math.MaxInt64, -1}, {math.MinInt64, 1}, {-500_000, 3}, {3037000499, 3037000499}, {3037000500, 3037000500}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, c, n int64) {
		exact := new(big.Int).Mul(big.NewInt(c), big.NewInt(n))
		got, err := Cents(c).Times(n)
		fits := exact.IsInt64() && exact.Int64() != math.MinInt64
		if fits && (err != nil || int64(got) != exact.Int64()) {
			t.Fatalf("%d × %d = %d, %v; want %s", c, n, got, err, exact)
		}
		if !fits && !errors.Is(err, ErrAmountOutOfRange) {
			t.Fatalf("%d × %d = %d, %v; want ErrAmountOutOfRange", c, n, got, err)
		}
		sum := new(big.Int).Add(big.NewInt(c), big.NewInt(n))
		s, err := Cents(c).Plus(Cents(n))
		if sum.IsInt64() != (err == nil) || (err == nil && int64(s) != sum.Int64()) {
			t.Fatalf("%d + %d = %d, %v; want %s", c, n, s, err, sum)
		}
	})
}

// FuzzQuote holds a quote to its table: within MaxAmount, a price less its
// deductions, never below zero and never above the price.
func FuzzQuote(f *testing.F) {
	f.Add(int64(32000), int64(1500), int64(0))
	f.Add(int64(100_000_000), int64(100_000_000), int64(1))
	f.Add(int64(0), int64(0), int64(-1))
	f.Fuzz(func(t *testing.T, price, d1, d2 int64) {
		if CheckAmount(Cents(price)) != nil || CheckAmount(Cents(d1)) != nil || d2 > int64(MaxAmount) || d2 < -int64(MaxAmount) {
			return
		}
		table := PriceTable{ConditionGood: Cents(price)}
		got, err := table.Quote(ConditionGood, Deduction{Reason: "a", Amount: Cents(d1)}, Deduction{Reason: "b", Amount: Cents(d2)})
		if d2 < 0 {
			if err == nil {
				t.Fatalf("a negative deduction was taken: %d", got)
			}
			return
		}
		want := max(price-d1-d2, 0)
		if err != nil || int64(got) != want {
			t.Fatalf("quote of %d less %d and %d = %d, %v; want %d", price, d1, d2, got, err, want)
		}
	})
}
