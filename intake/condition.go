package intake

import "fmt"

// Condition is the bench's one price-bearing condition scale, from a sealed
// new device down to a broken one. Customers disclose one, grading computes
// one, and price tables are kept per condition. Higher is better.
type Condition int

const (
	ConditionUnknown Condition = iota
	ConditionBroken
	ConditionPoor
	ConditionFair
	ConditionGood
	ConditionExcellent
	ConditionNew
)

var conditionNames = [...]string{"unknown", "broken", "poor", "fair", "good", "excellent", "new"}

// Conditions lists the known conditions, best first.
var Conditions = []Condition{ConditionNew, ConditionExcellent, ConditionGood, ConditionFair, ConditionPoor, ConditionBroken}

func (c Condition) String() string {
	if c < 0 || int(c) >= len(conditionNames) {
		return fmt.Sprintf("condition(%d)", int(c))
	}
	return conditionNames[c]
}

// ParseCondition reads a condition name as String writes it, in any case.
func ParseCondition(s string) (Condition, error) {
	for i, n := range conditionNames[1:] {
		if equalFold(n, s) {
			return Condition(i + 1), nil
		}
	}
	return ConditionUnknown, fmt.Errorf("unknown condition %q (want new, excellent, good, fair, poor or broken)", s)
}

// MarshalText writes the condition name.
func (c Condition) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText reads a condition name.
func (c *Condition) UnmarshalText(b []byte) error {
	if len(b) == 0 || string(b) == "unknown" {
		*c = ConditionUnknown
		return nil
	}
	v, err := ParseCondition(string(b))
	*c = v
	return err
}

// Worse reports whether c is a worse condition than other.
func (c Condition) Worse(other Condition) bool { return c < other }

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
