package public

import (
	"encoding/json"
	"fmt"

	"github.com/intakebench/intakebench/intake"
)

// Dollars is an amount of money that seed 000 writes as a JSON number with
// two decimals (85.00). It is integer cents inside; marshalling writes the
// digits directly, so no float ever rounds a price.
type Dollars intake.Cents

// MarshalJSON writes e.g. 85.00.
func (d Dollars) MarshalJSON() ([]byte, error) { return []byte(intake.Cents(d).String()), nil }

// UnmarshalJSON reads a JSON number with at most two decimals.
func (d *Dollars) UnmarshalJSON(b []byte) error {
	c, err := parseAmount(json.Number(b))
	if err != nil {
		return err
	}
	*d = Dollars(c)
	return nil
}

// parseAmount reads a decimal with at most two places, as seed 000 sends
// money and percentages. Exponents and more decimals are refused rather
// than rounded: 320.005 is a client bug, not 320.01.
func parseAmount(n json.Number) (intake.Cents, error) {
	c, err := intake.ParseCents(string(n))
	if err != nil {
		return 0, fmt.Errorf("%q is not a number with at most two decimals", string(n))
	}
	return c, nil
}
