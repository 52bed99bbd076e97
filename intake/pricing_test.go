package intake

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPriceTableFromBaseUsesSeed003Modifiers(t *testing.T) {
	tbl := PriceTableFromBase(50000)
	assert.Equal(t, Cents(50000), tbl[ConditionExcellent])
	assert.Equal(t, Cents(40000), tbl[ConditionGood])
	assert.Equal(t, Cents(30000), tbl[ConditionFair])
	assert.Equal(t, Cents(20000), tbl[ConditionPoor])
	assert.Equal(t, Cents(0), tbl[ConditionBroken])
}

func TestSeed000RoundTrip(t *testing.T) {
	// Seed 000's iPhone 13 128GB Unlocked row.
	row := Seed000Prices{Broken: 8500, Poor: 18000, Average: 32000, Excellent: 42500, New: 47500}
	tbl := PriceTableFromSeed000(row)
	assert.Equal(t, row, tbl.Seed000())
	assert.Equal(t, Cents(25000), tbl[ConditionFair], "fair sits halfway between average and poor")
	for c, col := range Seed000Columns {
		assert.NotEmpty(t, col, c)
	}
}

func TestSeed002Mapping(t *testing.T) {
	cur := map[string]Cents{"Excellent": 65000, "Good": 55000, "Fair": 45000, "Poor": 30000}
	tbl := PriceTableFromSeed002(cur)
	assert.Equal(t, cur, tbl.Seed002())
	for _, c := range Conditions {
		if label := Seed002Label(c); label != "" {
			assert.Equal(t, cur[label], tbl[c], c)
		}
	}
	assert.Empty(t, Seed002Label(ConditionBroken))
}

func TestQuote(t *testing.T) {
	tbl := PriceTableFromBase(10000)
	p, err := tbl.Quote(ConditionGood, Deduction{"no charger", 500}, Deduction{"no box", 200})
	require.NoError(t, err)
	assert.Equal(t, Cents(7300), p)

	p, err = tbl.Quote(ConditionPoor, Deduction{"cracked lens", 9999})
	require.NoError(t, err)
	assert.Equal(t, Cents(0), p, "a quote never goes below zero")

	p, err = tbl.Quote(ConditionFair, Deduction{"nothing missing", 0})
	require.NoError(t, err, "a zero deduction is no refund")
	assert.Equal(t, Cents(6000), p)

	_, err = tbl.Quote(ConditionGood, Deduction{"refund", -100})
	assert.ErrorContains(t, err, "negative")
	_, err = PriceTable{}.Quote(ConditionGood)
	assert.ErrorContains(t, err, "no price for condition good")
}

func TestConditionText(t *testing.T) {
	for _, c := range Conditions {
		b, err := c.MarshalText()
		require.NoError(t, err)
		var back Condition
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, c, back)
	}
	_, err := ParseCondition("mint")
	assert.ErrorContains(t, err, `"mint"`)
	c, err := ParseCondition("EXCELLENT")
	require.NoError(t, err)
	assert.Equal(t, ConditionExcellent, c)
	c, err = ParseCondition("FAIR")
	require.NoError(t, err)
	assert.Equal(t, ConditionFair, c, "an upper-case A is folded too")
	for cond, want := range map[Condition]string{ConditionUnknown: "unknown", ConditionNew: "new", -1: "condition(-1)", 7: "condition(7)"} {
		assert.Equal(t, want, cond.String())
	}
}
