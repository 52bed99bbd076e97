package intake

import "fmt"

// This file is the one place where the bench's Condition scale meets the
// price columns of the central platforms:
//
//	condition  seed 000 column           seeds 002/003   seed 003 modifier
//	new        conditionnewprice         Excellent       100%
//	excellent  conditionexcellentprice   Excellent       100%
//	good       conditionaverageprice     Good             80%
//	fair       (average+poor)/2          Fair             60%
//	poor       conditionpoorprice        Poor             40%
//	broken     conditionbrokenprice      (none: 0)         0%
//
// Seed 000 has five columns and one of them ("average") sits between good
// and fair, so fair is priced halfway between average and poor when a table
// comes from seed 000. Seeds 002/003 have no column for a broken device: it
// fetches nothing unless a table says otherwise.

// Seed000Columns maps conditions to seed 000's pricing lookup fields.
var Seed000Columns = map[Condition]string{
	ConditionNew:       "conditionnewprice",
	ConditionExcellent: "conditionexcellentprice",
	ConditionGood:      "conditionaverageprice",
	ConditionPoor:      "conditionpoorprice",
	ConditionBroken:    "conditionbrokenprice",
}

// Seed002Label is the seeds 002/003 condition label for c, "" for none.
func Seed002Label(c Condition) string {
	switch c {
	case ConditionNew, ConditionExcellent:
		return "Excellent"
	case ConditionGood:
		return "Good"
	case ConditionFair:
		return "Fair"
	case ConditionPoor:
		return "Poor"
	}
	return ""
}

// ConditionModifier is seed 003's percentage of base value per condition.
func ConditionModifier(c Condition) int64 {
	switch c {
	case ConditionNew, ConditionExcellent:
		return 100
	case ConditionGood:
		return 80
	case ConditionFair:
		return 60
	case ConditionPoor:
		return 40
	}
	return 0
}

// PriceTable holds what one variant (make, model, storage, carrier) fetches
// in each condition.
type PriceTable map[Condition]Cents

// PriceTableFromBase builds a table from a base value with seed 003's
// condition modifiers.
func PriceTableFromBase(base Cents) PriceTable {
	t := PriceTable{}
	for _, c := range Conditions {
		t[c] = base.Percent(ConditionModifier(c))
	}
	return t
}

// Seed000Prices are the five price columns of seed 000's lookup, in cents.
type Seed000Prices struct{ Broken, Poor, Average, Excellent, New Cents }

// PriceTableFromSeed000 builds a table from seed 000's five columns.
func PriceTableFromSeed000(p Seed000Prices) PriceTable {
	return PriceTable{
		ConditionNew:       p.New,
		ConditionExcellent: p.Excellent,
		ConditionGood:      p.Average,
		ConditionFair:      (p.Average + p.Poor) / 2,
		ConditionPoor:      p.Poor,
		ConditionBroken:    p.Broken,
	}
}

// Seed000 renders the table as seed 000's five columns.
func (t PriceTable) Seed000() Seed000Prices {
	return Seed000Prices{Broken: t[ConditionBroken], Poor: t[ConditionPoor], Average: t[ConditionGood], Excellent: t[ConditionExcellent], New: t[ConditionNew]}
}

// PriceTableFromSeed002 builds a table from seed 002's Excellent/Good/Fair/Poor.
func PriceTableFromSeed002(current map[string]Cents) PriceTable {
	return PriceTable{
		ConditionNew:       current["Excellent"],
		ConditionExcellent: current["Excellent"],
		ConditionGood:      current["Good"],
		ConditionFair:      current["Fair"],
		ConditionPoor:      current["Poor"],
	}
}

// Seed002 renders the table as seed 002's condition map.
func (t PriceTable) Seed002() map[string]Cents {
	return map[string]Cents{"Excellent": t[ConditionExcellent], "Good": t[ConditionGood], "Fair": t[ConditionFair], "Poor": t[ConditionPoor]}
}

// Deduction lowers a price, e.g. for a missing charger.
type Deduction struct {
	Reason string `json:"reason"`
	Amount Cents  `json:"amount"`
}

// Quote prices a device of condition c with deductions; it never goes below zero.
func (t PriceTable) Quote(c Condition, deductions ...Deduction) (Cents, error) {
	price, ok := t[c]
	if !ok {
		return 0, fmt.Errorf("no price for condition %s", c)
	}
	for _, d := range deductions {
		if d.Amount < 0 {
			return 0, fmt.Errorf("deduction %q is negative", d.Reason)
		}
		price -= d.Amount
	}
	return max(price, 0), nil
}
