package intake

import (
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
		reasons    []string
	}{
		{"flawless", inspection(), CosmeticA, 0, ConditionExcellent, nil},
		{"sealed", inspection(func(in *Inspection) { in.Sealed = true }), CosmeticA, 0, ConditionNew, nil},
		{"minor marks only", inspection(zone(ZoneFrame, SeverityMinor)), CosmeticA, 0, ConditionExcellent, nil},
		{"light scratches", inspection(zone(ZoneScreen, SeverityLight)), CosmeticB, 0, ConditionGood, []string{"screen: light"}},
		{"dented frame", inspection(zone(ZoneFrame, SeverityHeavy)), CosmeticC, 0, ConditionFair, []string{"frame: heavy"}},
		{"cracked back glass is C", inspection(zone(ZoneBack, SeverityCracked)), CosmeticC, 0, ConditionFair, []string{"back: cracked"}},
		{"cracked lens is C", inspection(zone(ZoneCamera, SeverityCracked)), CosmeticC, 0, ConditionFair, []string{"camera: cracked"}},
		{"cracked screen is D", inspection(zone(ZoneScreen, SeverityCracked)), CosmeticD, 0, ConditionPoor, []string{"screen: cracked"}},
		{"dead pixels is E", inspection(zone(ZoneScreen, SeverityDisplayDamaged)), CosmeticE, 0, ConditionBroken, []string{"screen: display-damaged"}},
		{"camera fails caps at poor", inspection(check(CheckCameras, Fail)), CosmeticA, 1, ConditionPoor, []string{"cameras check failed"}},
		{"light scratches and a failed speaker is poor", inspection(zone(ZoneBack, SeverityLight), check(CheckAudio, Fail)), CosmeticB, 1, ConditionPoor,
			[]string{"back: light", "audio check failed"}},
		{"touch fails is broken", inspection(check(CheckTouch, Fail)), CosmeticA, 2, ConditionBroken, []string{"touch check failed"}},
		// A non-critical failure after a critical one must not lower the
		// functional grade back to 1: the device still does not work.
		{"touch and camera fail is broken", inspection(check(CheckTouch, Fail), check(CheckCameras, Fail)), CosmeticA, 2, ConditionBroken,
			[]string{"touch check failed", "cameras check failed"}},
		{"charging and biometrics fail is broken", inspection(check(CheckBiometrics, Fail), check(CheckCharging, Fail)), CosmeticA, 2, ConditionBroken,
			[]string{"charging check failed", "biometrics check failed"}},
		{"two non-critical failures stay at 1", inspection(check(CheckButtons, Fail), check(CheckConnectivity, Fail)), CosmeticA, 1, ConditionPoor,
			[]string{"buttons check failed", "connectivity check failed"}},
		{"activation lock is not functioning", inspection(func(in *Inspection) { in.ActivationLock = true }), CosmeticA, 2, ConditionBroken,
			[]string{"activation lock is on"}},
		{"MDM lock is not functioning", inspection(func(in *Inspection) { in.MDMLock = true }), CosmeticA, 2, ConditionBroken,
			[]string{"device is enrolled in MDM"}},
		{"locked with a failed camera", inspection(check(CheckCameras, Fail), func(in *Inspection) { in.ActivationLock, in.MDMLock = true, true }), CosmeticA, 2, ConditionBroken,
			[]string{"cameras check failed", "activation lock is on", "device is enrolled in MDM"}},
		{"worn battery caps at good", inspection(func(in *Inspection) { in.BatteryHealth = 79 }), CosmeticA, 0, ConditionGood,
			[]string{"battery health 79% is below 80%"}},
		{"sealed with a worn battery is good", inspection(func(in *Inspection) { in.Sealed, in.BatteryHealth = true, 50 }), CosmeticA, 0, ConditionGood,
			[]string{"battery health 50% is below 80%"}},
		{"battery at the limit is fine", inspection(func(in *Inspection) { in.BatteryHealth = MinBatteryHealth }), CosmeticA, 0, ConditionExcellent, nil},
		{"battery at 100% is fine", inspection(func(in *Inspection) { in.BatteryHealth = 100 }), CosmeticA, 0, ConditionExcellent, nil},
		{"unknown battery is no penalty", inspection(func(in *Inspection) { in.BatteryHealth = 0 }), CosmeticA, 0, ConditionExcellent, nil},
		{"worst zone wins", inspection(zone(ZoneBack, SeverityLight), zone(ZoneScreen, SeverityCracked), zone(ZoneFrame, SeverityModerate)), CosmeticD, 0, ConditionPoor,
			[]string{"screen: cracked", "back: light", "frame: moderate"}},
		{"non-critical check not tested is fine", inspection(check(CheckBiometrics, NotTested)), CosmeticA, 0, ConditionExcellent, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := ComputeGrade(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.cosmetic, g.Cosmetic)
			assert.Equal(t, tt.functional, g.Functional)
			assert.Equal(t, tt.condition, g.Condition)
			assert.Equal(t, tt.reasons, g.Reasons, "a grade says what pulled it down, and only that")
			assert.Equal(t, tt.in.ActivationLock || tt.in.MDMLock, g.Locked)
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
		{"battery over 100", inspection(func(in *Inspection) { in.BatteryHealth = 101 }), "battery health 101% is outside 0-100"},
		{"battery below 0", inspection(func(in *Inspection) { in.BatteryHealth = -1 }), "battery health -1% is outside 0-100"},
		{"severity beyond the scale", inspection(zone(ZoneFrame, SeverityDisplayDamaged+1)), "cosmetic zone frame has an unknown severity 7"},
		{"severity below the scale", inspection(zone(ZoneFrame, -1)), "cosmetic zone frame has an unknown severity -1"},
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
	for sev, want := range map[Severity]string{SeverityNone: "none", SeverityDisplayDamaged: "display-damaged", -1: "severity(-1)", 7: "severity(7)"} {
		assert.Equal(t, want, sev.String())
	}
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

// DecideOnArrival also takes grades the bench did not compute: one without
// reasons, and one below a disclosed "broken", whose modifier of zero must
// not be divided by.
func TestDecideOnArrivalDecisions(t *testing.T) {
	tests := []struct {
		name  string
		trade TradeIn
		grade Grade
		want  Decision
	}{
		{"reasons are joined", TradeIn{Disclosed: ConditionGood, Offer: 32000, Prices: PriceTable{ConditionPoor: 18000}},
			Grade{Condition: ConditionPoor, Reasons: []string{"screen: cracked", "audio check failed"}},
			Decision{Reroute: true, Reason: "arrived poor, disclosed good: screen: cracked; audio check failed",
				Disclosed: ConditionGood, Graded: ConditionPoor, Offer: 32000, GradedPrice: 18000}},
		{"a grade without reasons", TradeIn{Disclosed: ConditionGood, Offer: 32000}, Grade{Condition: ConditionFair},
			Decision{Reroute: true, Reason: "arrived fair, disclosed good", Disclosed: ConditionGood, Graded: ConditionFair, Offer: 32000, GradedPrice: 24000}},
		{"below a disclosed broken", TradeIn{Disclosed: ConditionBroken, Offer: 500}, Grade{Condition: ConditionUnknown},
			Decision{Reroute: true, Reason: "arrived unknown, disclosed broken", Disclosed: ConditionBroken, Graded: ConditionUnknown, Offer: 500}},
		{"as disclosed is not worse", TradeIn{Disclosed: ConditionFair, Offer: 100}, Grade{Condition: ConditionFair, Reasons: []string{"frame: heavy"}},
			Decision{Disclosed: ConditionFair, Graded: ConditionFair, Offer: 100, GradedPrice: 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, DecideOnArrival(tt.trade, tt.grade))
		})
	}
}
