package intake

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The rubric follows the CTIA wireless device grading scales: a cosmetic
// grade A (like new) to E (display internals damaged), a functional grade
// (0 fully functional), and locks, which make a device non-functioning
// whatever else is true. The technician records what they see; the grade is
// computed here and never typed.

// Zone is a part of the device inspected for cosmetic defects.
type Zone string

const (
	ZoneScreen Zone = "screen" // display cover glass and the display under it
	ZoneBack   Zone = "back"   // back glass or housing
	ZoneFrame  Zone = "frame"  // sides, edges, corners, buttons' surroundings
	ZoneCamera Zone = "camera" // rear camera lens covers
)

// Zones lists the zones in rubric order.
var Zones = []Zone{ZoneScreen, ZoneBack, ZoneFrame, ZoneCamera}

// Severity is how bad the worst defect in a zone is, in increasing order.
type Severity int

const (
	SeverityNone           Severity = iota
	SeverityMinor                   // not visible at arm's length
	SeverityLight                   // light scratches or scuffs
	SeverityModerate                // clearly visible scratches, scuffs, small dents
	SeverityHeavy                   // deep scratches, dents, bends
	SeverityCracked                 // cracked or chipped glass
	SeverityDisplayDamaged          // screen only: dead pixels, lines, burn-in, bleed
)

var severityNames = [...]string{"none", "minor", "light", "moderate", "heavy", "cracked", "display-damaged"}

func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// MarshalText writes the severity name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	i := slices.Index(severityNames[:], strings.ToLower(string(b)))
	if i < 0 {
		return fmt.Errorf("unknown severity %q", b)
	}
	*s = Severity(i)
	return nil
}

// Check is a functional test of the rubric.
type Check string

const (
	CheckPower        Check = "power"
	CheckDisplay      Check = "display"
	CheckTouch        Check = "touch"
	CheckCharging     Check = "charging"
	CheckCameras      Check = "cameras"
	CheckButtons      Check = "buttons"
	CheckAudio        Check = "audio"
	CheckBiometrics   Check = "biometrics"
	CheckConnectivity Check = "connectivity"
)

// Checks lists the functional checks in rubric order; the first four are
// critical: a device failing one of them does not work as a phone.
var Checks = []Check{CheckPower, CheckDisplay, CheckTouch, CheckCharging, CheckCameras, CheckButtons, CheckAudio, CheckBiometrics, CheckConnectivity}

func (c Check) critical() bool {
	switch c {
	case CheckPower, CheckDisplay, CheckTouch, CheckCharging:
		return true
	}
	return false
}

// Result is the outcome of one functional check.
type Result string

const (
	Pass      Result = "pass"
	Fail      Result = "fail"
	NotTested Result = "not-tested"
)

// Inspection is what a technician records at the bench.
type Inspection struct {
	Cosmetic map[Zone]Severity `json:"cosmetic"`
	Checks   map[Check]Result  `json:"checks"`
	// BatteryHealth is the maximum capacity in percent, 0 when unknown.
	BatteryHealth  int  `json:"battery_health,omitempty"`
	ActivationLock bool `json:"activation_lock"` // Find My / FRP still on
	MDMLock        bool `json:"mdm_lock"`
	// Sealed is a factory-sealed, never-opened device.
	Sealed      bool     `json:"sealed,omitempty"`
	Accessories []string `json:"accessories,omitempty"`
	Notes       string   `json:"notes,omitempty"`
	// NoPhotoReason says why a device worse than disclosed is rerouted
	// without a photo (the camera is broken, the damage does not show on
	// a picture); a supervisor decides on a damage claim from photos.
	NoPhotoReason string `json:"no_photo_reason,omitempty"`
}

// CosmeticGrade is the CTIA cosmetic grade, A best to E worst.
type CosmeticGrade string

const (
	CosmeticA CosmeticGrade = "A" // like new
	CosmeticB CosmeticGrade = "B" // light wear
	CosmeticC CosmeticGrade = "C" // moderate wear; back or lens glass may be cracked
	CosmeticD CosmeticGrade = "D" // display cover glass cracked
	CosmeticE CosmeticGrade = "E" // display internals damaged
)

// FunctionalGrade is 0 fully functional, 1 a non-critical function fails,
// 2 a critical function fails or the device is locked (not functioning).
type FunctionalGrade int

// MinBatteryHealth is the capacity below which a battery needs service; such
// a device cannot grade better than good.
const MinBatteryHealth = 80

// Grade is the computed outcome of an inspection.
type Grade struct {
	Cosmetic   CosmeticGrade   `json:"cosmetic"`
	Functional FunctionalGrade `json:"functional"`
	Locked     bool            `json:"locked"`
	Condition  Condition       `json:"condition"`
	// Reasons explain, in the technician's words, what pulled the grade down.
	Reasons []string `json:"reasons,omitempty"`
}

// Validate reports an inspection that cannot be graded: every zone needs a
// severity and the critical checks need a result.
func (in Inspection) Validate() error {
	var errs []error
	for _, z := range Zones {
		s, ok := in.Cosmetic[z]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("cosmetic zone %s is not graded", z))
		case s < SeverityNone || s > SeverityDisplayDamaged:
			errs = append(errs, fmt.Errorf("cosmetic zone %s has an unknown severity %d", z, int(s)))
		case s == SeverityDisplayDamaged && z != ZoneScreen:
			errs = append(errs, fmt.Errorf("display damage can only be recorded on the screen, not the %s", z))
		}
	}
	for z := range in.Cosmetic {
		if !slices.Contains(Zones, z) {
			errs = append(errs, fmt.Errorf("unknown cosmetic zone %q", z))
		}
	}
	for c, r := range in.Checks {
		if !slices.Contains(Checks, c) {
			errs = append(errs, fmt.Errorf("unknown functional check %q", c))
		}
		if r != Pass && r != Fail && r != NotTested {
			errs = append(errs, fmt.Errorf("check %s has an unknown result %q", c, r))
		}
	}
	if !in.Sealed {
		for _, c := range Checks {
			if c.critical() && (in.Checks[c] == "" || in.Checks[c] == NotTested) {
				errs = append(errs, fmt.Errorf("critical check %s has no result", c))
			}
		}
	}
	if in.BatteryHealth < 0 || in.BatteryHealth > 100 {
		errs = append(errs, fmt.Errorf("battery health %d%% is outside 0-100", in.BatteryHealth))
	}
	return errors.Join(errs...)
}

// ComputeGrade grades an inspection. It fails only for an invalid one.
func ComputeGrade(in Inspection) (Grade, error) {
	if err := in.Validate(); err != nil {
		return Grade{}, fmt.Errorf("inspection cannot be graded: %w", err)
	}
	g := Grade{Cosmetic: cosmeticGrade(in.Cosmetic)}
	for _, z := range Zones {
		if s := in.Cosmetic[z]; s > SeverityMinor {
			g.Reasons = append(g.Reasons, fmt.Sprintf("%s: %s", z, s))
		}
	}
	for _, c := range Checks {
		if in.Checks[c] != Fail {
			continue
		}
		g.Reasons = append(g.Reasons, fmt.Sprintf("%s check failed", c))
		if c.critical() {
			g.Functional = 2
		} else if g.Functional == 0 {
			g.Functional = 1
		}
	}
	if in.ActivationLock {
		g.Locked = true
		g.Reasons = append(g.Reasons, "activation lock is on")
	}
	if in.MDMLock {
		g.Locked = true
		g.Reasons = append(g.Reasons, "device is enrolled in MDM")
	}
	if g.Locked {
		g.Functional = 2
	}
	weakBattery := in.BatteryHealth > 0 && in.BatteryHealth < MinBatteryHealth
	if weakBattery {
		g.Reasons = append(g.Reasons, fmt.Sprintf("battery health %d%% is below %d%%", in.BatteryHealth, MinBatteryHealth))
	}
	g.Condition = conditionOf(g, in.Sealed, weakBattery)
	return g, nil
}

func cosmeticGrade(zones map[Zone]Severity) CosmeticGrade {
	grade := CosmeticA
	worse := func(g CosmeticGrade) {
		if g > grade {
			grade = g
		}
	}
	for z, s := range zones {
		switch {
		case s == SeverityDisplayDamaged:
			worse(CosmeticE)
		case s == SeverityCracked && z == ZoneScreen:
			worse(CosmeticD)
		case s >= SeverityModerate:
			worse(CosmeticC)
		case s == SeverityLight:
			worse(CosmeticB)
		}
	}
	return grade
}

func conditionOf(g Grade, sealed, weakBattery bool) Condition {
	var c Condition
	switch {
	case g.Functional == 2 || g.Cosmetic == CosmeticE:
		return ConditionBroken
	case g.Cosmetic == CosmeticD:
		c = ConditionPoor
	case g.Cosmetic == CosmeticC:
		c = ConditionFair
	case g.Cosmetic == CosmeticB:
		c = ConditionGood
	case sealed:
		c = ConditionNew
	default:
		c = ConditionExcellent
	}
	if g.Functional == 1 {
		c = min(c, ConditionPoor)
	}
	if weakBattery {
		c = min(c, ConditionGood)
	}
	return c
}
