package intake

import "fmt"

// Decision is what happens to a graded device.
type Decision struct {
	// Reroute sends the device to Returns with its payout held for a
	// supervisor, because it arrived worse than the customer disclosed.
	Reroute   bool      `json:"reroute"`
	Reason    string    `json:"reason,omitempty"`
	Disclosed Condition `json:"disclosed"`
	Graded    Condition `json:"graded"`
	Offer     Cents     `json:"offer"`
	// GradedPrice is what the device fetches in its graded condition.
	GradedPrice Cents `json:"graded_price"`
}

// Delta is what the graded condition changes against the offer (negative
// when the device is worth less than offered).
func (d Decision) Delta() Cents { return d.GradedPrice - d.Offer }

// DecideOnArrival compares the graded condition with what the customer
// disclosed. Worse than disclosed means damaged on arrival: reroute, hold the
// payout, and quote what the graded condition would fetch.
func DecideOnArrival(t TradeIn, g Grade) Decision {
	d := Decision{Disclosed: t.Disclosed, Graded: g.Condition, Offer: t.Offer, GradedPrice: t.Offer}
	if t.Disclosed == ConditionUnknown || !g.Condition.Worse(t.Disclosed) {
		return d
	}
	d.Reroute = true
	if price, ok := t.Prices[g.Condition]; ok {
		d.GradedPrice = price
	} else {
		// Without a price table the offer scales by seed 003's modifiers.
		ratio := ConditionModifier(t.Disclosed)
		if ratio > 0 {
			d.GradedPrice = Cents(int64(t.Offer) * ConditionModifier(g.Condition) / ratio)
		} else {
			d.GradedPrice = 0
		}
	}
	d.Reason = fmt.Sprintf("arrived %s, disclosed %s", g.Condition, t.Disclosed)
	if len(g.Reasons) > 0 {
		d.Reason += ": " + joinReasons(g.Reasons)
	}
	return d
}

func joinReasons(rs []string) string {
	out := rs[0]
	for _, r := range rs[1:] {
		out += "; " + r
	}
	return out
}
