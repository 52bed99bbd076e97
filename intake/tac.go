package intake

import (
	"fmt"
	"strings"
)

// TACLen is the length of a type allocation code: the first 8 digits of an
// IMEI. A TAC names the make and model of a device, never its storage or
// colour.
const TACLen = 8

// ValidTAC reports whether v is a TAC: 8 ASCII digits.
func ValidTAC(v string) bool {
	return len(v) == TACLen && strings.Trim(v, "0123456789") == ""
}

// TACOf returns the TAC of an IMEI (or IMEISV), "" for a value too short to
// hold one.
func TACOf(imei string) string {
	if len(imei) < TACLen || !ValidTAC(imei[:TACLen]) {
		return ""
	}
	return imei[:TACLen]
}

// DeviceModel is a make and model: what a TAC names.
type DeviceModel struct {
	Make  string `json:"make"`
	Model string `json:"model"`
}

func (m DeviceModel) String() string { return strings.TrimSpace(m.Make + " " + m.Model) }

// Names reports whether d is of this model: the same make and model,
// ignoring case and surrounding blanks. A device that names no make is
// compared by its model alone.
func (m DeviceModel) Names(d Device) bool {
	same := func(a, b string) bool { return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b)) }
	return same(m.Model, d.Model) && (strings.TrimSpace(d.Make) == "" || same(m.Make, d.Make))
}

// TACLookup is what the bench's catalog lists the TAC of a scanned IMEI
// for.
type TACLookup struct {
	IMEI string `json:"imei"`
	TAC  string `json:"tac"`
	// Models are the models the catalog lists the TAC for: one, unless two
	// models' TAC lists disagree.
	Models []DeviceModel `json:"models"`
}

// Names is the models, for a person: "Apple iPhone 14" or "Apple iPhone
// 14 or Apple iPhone 14 Plus".
func (l TACLookup) Names() string {
	names := make([]string, 0, len(l.Models))
	for _, m := range l.Models {
		names = append(names, m.String())
	}
	return strings.Join(names, " or ")
}

// ModelMismatchError is a receipt refused because the TAC of the device's
// IMEI names another model than the trade-in's. The bench does not receive
// such a device: it goes aside for a supervisor, who has the platform
// correct and re-quote the trade-in (the bench then matches it and receives
// it as usual) or returns the device. Nothing at the bench overrides it:
// a different model is a different price.
type ModelMismatchError struct {
	Reference string
	Device    Device    // what the trade-in is for
	TAC       TACLookup // what the IMEI says the device is
}

func (e *ModelMismatchError) Error() string {
	return fmt.Sprintf("trade-in %s is for the %s, but IMEI %s (TAC %s) is listed for the %s: "+
		"the device cannot be received; set it aside for a supervisor",
		e.Reference, DeviceModel{Make: e.Device.Make, Model: e.Device.Model}, e.TAC.IMEI, e.TAC.TAC, e.TAC.Names())
}
