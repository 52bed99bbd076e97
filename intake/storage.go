package intake

import (
	"cmp"
	"strconv"
	"strings"
)

// StorageGB reads a storage size as catalogs write it ("128GB", "1TB",
// "512 GB") in gigabytes; ok is false for text that is not one.
func StorageGB(s string) (gb int, ok bool) {
	s = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	unit := 1
	switch {
	case strings.HasSuffix(s, "TB"):
		unit, s = 1024, strings.TrimSuffix(s, "TB")
	case strings.HasSuffix(s, "GB"):
		s = strings.TrimSuffix(s, "GB")
	default:
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n * unit, true
}

// CompareStorage orders storage sizes smallest first, as a person reads
// them (256GB before 1TB, which sorts first as text); sizes it cannot read
// come last, in text order.
func CompareStorage(a, b string) int {
	ga, oka := StorageGB(a)
	gb, okb := StorageGB(b)
	switch {
	case oka && okb:
		return cmp.Compare(ga, gb)
	case oka != okb:
		if oka {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}
