package hub

import (
	"context"
	"errors"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// CodeUnitNotFound refuses a unit label no unit carries.
const CodeUnitNotFound = "unit_not_found"

// TradeInOfUnitLabel returns the id of the trade-in whose device carries
// the unit label a bench printed at its receipt (a "U-…" id, as scanned or
// typed).
func (h *Hub) TradeInOfUnitLabel(ctx context.Context, label string) (string, error) {
	ids, _ := intake.ParseScan(label)
	if len(ids) != 1 || ids[0].Kind != intake.KindUnit {
		return "", refuse(KindNotFound, CodeUnitNotFound, "%.40q is not a unit label's id (U- and 16 digits).", label)
	}
	var tradeIn string
	err := h.db.View(ctx, func(tx *hubdb.Tx) error {
		id, err := tx.TradeInOfLabel(ctx, ids[0].Value)
		if errors.Is(err, hubdb.ErrNotFound) {
			return refuse(KindNotFound, CodeUnitNotFound, "No unit carries label %s: no bench has received its device here.", ids[0].Value)
		}
		tradeIn = id
		return err
	})
	return tradeIn, err
}
