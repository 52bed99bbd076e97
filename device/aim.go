package device

// SplitAIM splits a leading AIM symbology identifier ("]" + code character
// + modifier character, e.g. "]C0" for Code 128, "]E0" for EAN-13, "]Q1" for
// QR) off raw. Scanners prepend one when so configured, which tells the
// bench which symbology was read. If raw does not start with one, sym is
// empty and rest is raw.
func SplitAIM(raw string) (sym, rest string) {
	if len(raw) < 3 || raw[0] != ']' || !isAIMCode(raw[1]) || !isAIMModifier(raw[2]) {
		return "", raw
	}
	return raw[:3], raw[3:]
}

func isAIMCode(c byte) bool { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') }

func isAIMModifier(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
}
