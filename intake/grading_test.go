package intake

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// inspection is a clean, fully working device with any overrides applied.
func inspection(mods ...func(*Inspection)) Inspection {
	in := Inspection{Cosmetic: map[Zone]Severity{}, Checks: map[Check]Result{}, BatteryHealth: 95}
	for _, z := range Zones {
		in.Cosmetic[z] = SeverityNone
	}
	for _, c := range Checks {
		in.Checks[c] = Pass
	}
	for _, m := range mods {
		m(&in)
	}
	return in
}

func zone(z Zone, s Severity) func(*Inspection) { return func(in *Inspection) { in.Cosmetic[z] = s } }
func check(c Check, r Result) func(*Inspection) { return func(in *Inspection) { in.Checks[c] = r } }

func TestComputeGrade(t *testing.T) {
	tests := []struct {
		name       string
		in         Inspection
		cosmetic   CosmeticGrade
		functional FunctionalGrade
		condition  Condition
	}{
		{"flawless", inspection(), CosmeticA, 0, ConditionExcellent},
		{"sealed", inspection(func(in *Inspection) { in.Sealed = true }), CosmeticA, 0, ConditionNew},
		{"minor marks only", inspection(zone(ZoneFrame, SeverityMinor)), CosmeticA, 0, ConditionExcellent},
		{"light scratches", inspection(zone(ZoneScreen, SeverityLight)), CosmeticB, 0, ConditionGood},
		{"dented frame", inspection(zone(ZoneFrame, SeverityHeavy)), CosmeticC, 0, ConditionFair},
		{"cracked back glass is C", inspection(zone(ZoneBack, SeverityCracked)), CosmeticC, 0, ConditionFair},
		{"cracked lens is C", inspection(zone(ZoneCamera, SeverityCracked)), CosmeticC, 0, ConditionFair},
		{"cracked screen is D", inspection(zone(ZoneScreen, SeverityCracked)), CosmeticD, 0, ConditionPoor},
		{"dead pixels is E", inspection(zone(ZoneScreen, SeverityDisplayDamaged)), CosmeticE, 0, ConditionBroken},
		{"camera fails caps at poor", inspection(check(CheckCameras, Fail)), CosmeticA, 1, ConditionPoor},
		{"touch fails is broken", inspection(check(CheckTouch, Fail)), CosmeticA, 2, ConditionBroken},
		{"activation lock is not functioning", inspection(func(in *Inspection) { in.ActivationLock = true }), CosmeticA, 2, ConditionBroken},
		{"MDM lock is not functioning", inspection(func(in *Inspection) { in.MDMLock = true }), CosmeticA, 2, ConditionBroken},
		{"worn battery caps at good", inspection(func(in *Inspection) { in.BatteryHealth = 79 }), CosmeticA, 0, ConditionGood},
		{"battery at the limit is fine", inspection(func(in *Inspection) { in.BatteryHealth = MinBatteryHealth }), CosmeticA, 0, ConditionExcellent},
		{"unknown battery is no penalty", inspection(func(in *Inspection) { in.BatteryHealth = 0 }), CosmeticA, 0, ConditionExcellent},
		{"worst zone wins", inspection(zone(ZoneBack, SeverityLight), zone(ZoneScreen, SeverityCracked), zone(ZoneFrame, SeverityModerate)), CosmeticD, 0, ConditionPoor},
		{"non-critical check not tested is fine", inspection(check(CheckBiometrics, NotTested)), CosmeticA, 0, ConditionExcellent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := ComputeGrade(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.cosmetic, g.Cosmetic)
			assert.Equal(t, tt.functional, g.Functional)
			assert.Equal(t, tt.condition, g.Condition)
			if tt.condition < ConditionExcellent {
				assert.NotEmpty(t, g.Reasons, "a grade below excellent says why")
			}
		})
	}
}

func TestComputeGradeRejectsIncompleteInspections(t *testing.T) {
	tests := []struct {
		name string
		in   Inspection
		want string
	}{
		{"zone missing", inspection(func(in *Inspection) { delete(in.Cosmetic, ZoneBack) }), "cosmetic zone back is not graded"},
		{"critical check missing", inspection(func(in *Inspection) { delete(in.Checks, CheckPower) }), "critical check power has no result"},
		{"critical check not tested", inspection(check(CheckDisplay, NotTested)), "critical check display has no result"},
		{"display damage on the back", inspection(zone(ZoneBack, SeverityDisplayDamaged)), "only be recorded on the screen"},
		{"unknown zone", inspection(zone("hinge", SeverityLight)), `unknown cosmetic zone "hinge"`},
		{"unknown check", inspection(check("nfc", Pass)), `unknown functional check "nfc"`},
		{"odd result", inspection(check(CheckAudio, "meh")), `unknown result "meh"`},
		{"battery over 100", inspection(func(in *Inspection) { in.BatteryHealth = 101 }), "outside 0-100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ComputeGrade(tt.in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestSeverityText(t *testing.T) {
	for s := SeverityNone; s <= SeverityDisplayDamaged; s++ {
		b, err := s.MarshalText()
		require.NoError(t, err)
		var back Severity
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, s, back)
	}
	var s Severity
	assert.Error(t, s.UnmarshalText([]byte("shattered")))
}

func TestDecideOnArrival(t *testing.T) {
	prices := PriceTableFromBase(40000)
	good := TradeIn{Reference: "TI-1", Disclosed: ConditionGood, Offer: prices[ConditionGood], Prices: prices}
	tests := []struct {
		name        string
		trade       TradeIn
		in          Inspection
		reroute     bool
		gradedPrice Cents
	}{
		{"as disclosed", good, inspection(zone(ZoneScreen, SeverityLight)), false, prices[ConditionGood]},
		{"better than disclosed keeps the offer", good, inspection(), false, prices[ConditionGood]},
		{"cracked screen", good, inspection(zone(ZoneScreen, SeverityCracked)), true, prices[ConditionPoor]},
		{"locked", good, inspection(func(in *Inspection) { in.ActivationLock = true }), true, prices[ConditionBroken]},
		{"no price table scales the offer", TradeIn{Disclosed: ConditionGood, Offer: 32000}, inspection(zone(ZoneBack, SeverityCracked)), true, 24000},
		{"nothing disclosed never reroutes", TradeIn{Offer: 100}, inspection(zone(ZoneScreen, SeverityCracked)), false, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := ComputeGrade(tt.in)
			require.NoError(t, err)
			d := DecideOnArrival(tt.trade, g)
			assert.Equal(t, tt.reroute, d.Reroute)
			assert.Equal(t, tt.gradedPrice, d.GradedPrice)
			assert.Equal(t, tt.gradedPrice-tt.trade.Offer, d.Delta())
			if tt.reroute {
				assert.Contains(t, d.Reason, "disclosed "+tt.trade.Disclosed.String())
				assert.Contains(t, d.Reason, g.Reasons[0])
			}
		})
	}
}

func TestAuthorize(t *testing.T) {
	tests := []struct {
		role   Role
		action Action
		ok     bool
	}{
		{RoleTechnician, ActionReceive, true},
		{RoleTechnician, ActionGrade, true},
		{RoleTechnician, ActionOverride, false},
		{RoleTechnician, ActionDecide, false},
		{RoleTechnician, ActionWalkIn, false},
		{RoleClerk, ActionWalkIn, true},
		{RoleClerk, ActionOverride, false},
		{RoleSupervisor, ActionOverride, true},
		{RoleSupervisor, ActionDecide, true},
		{"intern", ActionReceive, false},
	}
	for _, tt := range tests {
		err := Authorize(Operator{Name: "Pat", Role: tt.role}, tt.action)
		if tt.ok {
			assert.NoError(t, err, "%s %s", tt.role, tt.action)
			continue
		}
		var pe *PermissionError
		require.True(t, errors.As(err, &pe), "%s %s", tt.role, tt.action)
		assert.Contains(t, err.Error(), string(tt.action))
	}
}
