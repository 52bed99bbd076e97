package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/intakebench/intakebench/intake"
)

// Data is a generated demo data set.
type Data struct {
	TradeIns  []intake.TradeIn
	Flags     []intake.Flag
	Operators []Operator
}

// Operator is a demo operator with the PIN they log in with.
type Operator struct {
	intake.Operator
	Badge string
	PIN   string
}

// Operators are the demo staff: one of each role.
func Operators() []Operator {
	return []Operator{
		{intake.Operator{ID: "op-tech-1", Name: "Tess Tech", Role: intake.RoleTechnician}, "BADGE-1001", "111111"},
		{intake.Operator{ID: "op-clerk-1", Name: "Carl Clerk", Role: intake.RoleClerk}, "BADGE-2001", "222222"},
		{intake.Operator{ID: "op-super-1", Name: "Sam Supervisor", Role: intake.RoleSupervisor}, "BADGE-3001", "333333"},
	}
}

var (
	firstNames = []string{"Olivia", "Liam", "Emma", "Noah", "Ava", "Mateo", "Sophia", "Elijah", "Mia", "Lucas", "Amara", "Kenji", "Priya", "Diego", "Fatima", "Jonas"}
	lastNames  = []string{"Smith", "Johnson", "Garcia", "Nguyen", "Patel", "Kim", "Okafor", "Müller", "Rossi", "Silva", "Cohen", "Brown", "Lopez", "Khan", "Novak", "Sato"}
	statuses   = []intake.Status{intake.StatusAccepted, intake.StatusShipped, intake.StatusShipped, intake.StatusShipped}
	disclosed  = []intake.Condition{intake.ConditionExcellent, intake.ConditionGood, intake.ConditionGood, intake.ConditionFair, intake.ConditionPoor}
)

// Generator streams demo trade-ins, deterministically from its seed.
type Generator struct {
	r        *rand.Rand
	now      time.Time
	variants []Variant
	seen     map[string]bool
	n        int
}

// NewGenerator returns a generator whose trade-ins are stamped around now.
func NewGenerator(seed uint64, now time.Time) *Generator {
	return &Generator{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), now: now, variants: Variants(), seen: map[string]bool{}}
}

// Generate makes n accepted or shipped trade-ins with their flags and the
// demo operators.
func Generate(n int, seed uint64, now time.Time) Data {
	g := NewGenerator(seed, now)
	d := Data{TradeIns: make([]intake.TradeIn, 0, n), Operators: Operators()}
	for range n {
		t, flag := g.Next()
		d.TradeIns = append(d.TradeIns, t)
		if flag != nil {
			d.Flags = append(d.Flags, *flag)
		}
	}
	return d
}

// Next makes the next trade-in, accepted or shipped, and flags about one
// IMEI in fifty (blacklisted or finance-locked).
func (g *Generator) Next() (intake.TradeIn, *intake.Flag) {
	r := g.r
	g.n++
	v := g.variants[r.IntN(len(g.variants))]
	imei := uniqueIMEI(r, v.Model.TACs[r.IntN(len(v.Model.TACs))], g.seen)
	cond := disclosed[r.IntN(len(disclosed))]
	first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
	t := intake.TradeIn{
		ID:        fmt.Sprintf("ti-%08d", g.n),
		Reference: fmt.Sprintf("TI-%d-%06d", g.now.Year(), g.n),
		Status:    statuses[r.IntN(len(statuses))],
		Device: intake.Device{Make: v.Model.Make, Model: v.Model.Name, Storage: v.Storage, Carrier: v.Carrier, SKU: v.SKU,
			Colour: v.Model.Colours[r.IntN(len(v.Model.Colours))]},
		IMEI:      imei,
		Serial:    serial(r, v.Model.Make),
		Customer:  intake.Customer{Name: first + " " + last, Email: fmt.Sprintf("%s.%s%d@example.com", strings.ToLower(first), strings.ToLower(last), g.n)},
		Disclosed: cond,
		Answers:   answersFor(cond),
		Offer:     v.Prices[cond],
		Prices:    v.Prices,
		UpdatedAt: g.now.Add(-time.Duration(r.IntN(30*24)) * time.Hour).UTC().Truncate(time.Second),
	}
	if v.Model.Make == "Apple" || r.IntN(2) == 0 {
		t.IMEI2 = uniqueIMEI(r, v.Model.TACs[0], g.seen)
	}
	if t.Status == intake.StatusShipped {
		t.Tracking = fmt.Sprintf("1Z%06X%010d", r.IntN(1<<24), r.IntN(1e10))
	}
	if r.IntN(50) != 0 {
		return t, nil
	}
	kind, reason := intake.FlagBlacklisted, "reported stolen to the carrier"
	if r.IntN(2) == 0 {
		kind, reason = intake.FlagFinanceLocked, "outstanding device balance on the carrier account"
	}
	return t, &intake.Flag{IMEI: imei, Kind: kind, Reason: reason, Since: t.UpdatedAt}
}

func uniqueIMEI(r *rand.Rand, tac string, seen map[string]bool) string {
	for {
		body := fmt.Sprintf("%s%06d", tac, r.IntN(1e6))
		check, err := intake.LuhnCheckDigit(body)
		if err != nil {
			panic(fmt.Sprintf("demo TAC %s: %v", tac, err)) // the catalog is ours: a bad TAC is a programming error
		}
		imei := body + string(check)
		if !seen[imei] {
			seen[imei] = true
			return imei
		}
	}
}

const serialAlphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// serial makes a manufacturer-style serial: Apple's 10 random characters,
// Samsung's R5 + 9, Google's 12 digits-and-letters.
func serial(r *rand.Rand, make string) string {
	prefix, n := "", 12
	switch make {
	case "Apple":
		n = 10
	case "Samsung":
		prefix, n = "R5", 9
	}
	b := []byte(prefix)
	for range n {
		b = append(b, serialAlphabet[r.IntN(len(serialAlphabet))])
	}
	return string(b)
}

func answersFor(c intake.Condition) []intake.Answer {
	screen, body, works := "No scratches", "Like new", "Yes"
	switch c {
	case intake.ConditionGood:
		screen, body = "Light scratches", "Light wear"
	case intake.ConditionFair:
		screen, body = "Visible scratches", "Visible scuffs or dents"
	case intake.ConditionPoor:
		screen, body = "Cracked", "Heavy wear"
	case intake.ConditionBroken:
		screen, body, works = "Cracked", "Cracked or bent", "No"
	}
	return []intake.Answer{
		{Question: "Does the device power on and work normally?", Answer: works},
		{Question: "Screen condition", Answer: screen},
		{Question: "Body condition", Answer: body},
		{Question: "Is Find My / Google account removed?", Answer: "Yes"},
	}
}
