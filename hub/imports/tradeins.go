package imports

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// The columns of a trade-ins file.
const (
	tExternalID = iota
	tReference
	tStatus
	tSKU
	tIMEI
	tIMEI2
	tSerial
	tColour
	tCondition
	tOffer
	tPayoutMethod
	tPayoutReference
	tCustomerName
	tCustomerEmail
	tCustomerPhone
	tTracking
	tCreatedAt
	tSite
)

var tradeInColumns = []column{
	tExternalID:      {"external_id", true},
	tReference:       {"reference", false},
	tStatus:          {"status", true},
	tSKU:             {"sku", true},
	tIMEI:            {"imei", false},
	tIMEI2:           {"imei2", false},
	tSerial:          {"serial", false},
	tColour:          {"colour", false},
	tCondition:       {"condition", false},
	tOffer:           {"offer", false},
	tPayoutMethod:    {"payout_method", false},
	tPayoutReference: {"payout_reference", false},
	tCustomerName:    {"customer_name", false},
	tCustomerEmail:   {"customer_email", false},
	tCustomerPhone:   {"customer_phone", false},
	tTracking:        {"tracking", false},
	tCreatedAt:       {"created_at", false},
	tSite:            {"site", false}, // where it is expected (intakehub sites); none: every site
}

// importActor is who the steps an import writes are recorded as made by.
const importActor = "import"

// tradeIns reads trade-ins against the hub's catalog as it is when the
// import starts.
func (im *Importer) tradeIns(ctx context.Context) (ops[*hubdb.EncodedTradeIn], error) {
	var catalog map[string]wire.Variant
	sites := map[string]bool{}
	err := im.db.View(ctx, func(tx *hubdb.Tx) error {
		vs, err := tx.Variants(ctx)
		catalog = make(map[string]wire.Variant, len(vs))
		for _, v := range vs {
			catalog[v.SKU] = v
		}
		if err != nil {
			return err
		}
		ss, err := tx.Sites(ctx)
		for _, s := range ss {
			sites[s.ID] = true
		}
		return err
	})
	if err != nil {
		return ops[*hubdb.EncodedTradeIn]{}, fmt.Errorf("read the catalog: %w", err)
	}
	// Ids follow the file's lines under a prefix of this run that sorts
	// after earlier runs': each batch appends to the end of the id
	// indexes instead of touching pages all over them.
	var salt [3]byte
	if _, err := rand.Read(salt[:]); err != nil {
		return ops[*hubdb.EncodedTradeIn]{}, err
	}
	var stamp [4]byte
	binary.BigEndian.PutUint32(stamp[:], uint32(im.now().Unix()))
	run := hex.EncodeToString(stamp[:]) + hex.EncodeToString(salt[:])
	return ops[*hubdb.EncodedTradeIn]{
		columns: tradeInColumns,
		check: func(r *row, now time.Time) *hubdb.EncodedTradeIn {
			t, payouts := checkTradeIn(r, catalog, run, now)
			site := r.get(tSite)
			if site != "" && !sites[site] {
				r.reject(tSite, "unknown site %s: intakehub sites list names the hub's", quoted(site))
			}
			if len(r.rejected) > 0 {
				return nil
			}
			it := imported(t, payouts, now)
			it.Site = site
			e, err := hubdb.EncodeImportedTradeIn(it)
			if err != nil {
				r.reject(-1, "%s", err.Error())
			}
			return e
		},
		apply: applyTradeIns,
	}, nil
}

// checkTradeIn reads a trade-in row into the trade-in it becomes (its id
// from run and the line, no reference when the file gives none) and the
// payout ledger its status implies.
func checkTradeIn(r *row, catalog map[string]wire.Variant, run string, now time.Time) (intake.TradeIn, []intake.PayoutEntry) {
	t := intake.TradeIn{Source: intake.SourceImport}
	t.ExternalID = required(r, tExternalID, 128)
	t.Reference = text(r, tReference, 64)
	status, statusOK := word(r, tStatus, intake.ParseStatus)
	if r.get(tStatus) == "" {
		r.reject(tStatus, "required")
	}
	t.Status = status
	if sku := required(r, tSKU, 128); sku != "" {
		v, ok := catalog[sku]
		if !ok {
			r.reject(tSKU, "unknown SKU %s: not in the hub's catalog", quoted(sku))
		}
		t.Device = intake.Device{Make: v.Make, Model: v.Model, Storage: v.Storage, Carrier: v.Carrier, SKU: v.SKU}
		t.Prices = v.Prices
	}
	t.Device.Colour = text(r, tColour, 64)
	t.IMEI = imei(r, tIMEI)
	t.IMEI2 = imei(r, tIMEI2)
	if t.IMEI2 != "" && t.IMEI2 == t.IMEI {
		r.reject(tIMEI2, "the same IMEI as imei")
	}
	t.Serial = text(r, tSerial, 64)
	if r.get(tIMEI) == "" && t.Serial == "" && r.get(tSerial) == "" {
		r.reject(tIMEI, "required when there is no serial")
	}
	if r.get(tCondition) != "" {
		t.Disclosed, _ = word(r, tCondition, intake.ParseCondition)
	} else if statusOK && status != intake.StatusDraft {
		r.reject(tCondition, "required for a trade-in that is %s", status)
	}
	offer, offerOK := money(r, tOffer)
	t.Offer = offer
	method := intake.PayoutStoreCredit
	if r.get(tPayoutMethod) != "" {
		method, _ = word(r, tPayoutMethod, intake.ParsePayoutMethod)
	}
	paid := text(r, tPayoutReference, 128)
	t.Customer = intake.Customer{Name: text(r, tCustomerName, 256), Email: text(r, tCustomerEmail, 256), Phone: text(r, tCustomerPhone, 64)}
	t.Tracking = text(r, tTracking, 64)
	t.CreatedAt = timeAt(r, tCreatedAt, time.Time{}, now)
	t.ID = fmt.Sprintf("imp_%s-%010d", run, r.line)
	if !statusOK {
		return t, nil
	}

	// From offered on a trade-in has a price; a declined one may have had
	// one or not.
	priced := status != intake.StatusDraft && status != intake.StatusSubmitted && status != intake.StatusDeclined
	switch {
	case priced && r.get(tOffer) == "":
		r.reject(tOffer, "required for a trade-in that is %s", status)
	case priced && offerOK && offer == 0:
		r.reject(tOffer, "must be more than 0.00 for a trade-in that is %s", status)
	}
	if paid != "" && status != intake.StatusCompleted {
		r.reject(tPayoutReference, "only a completed trade-in has been paid")
	}
	if len(r.rejected) > 0 {
		return t, nil
	}
	// From acceptance on, the customer is owed the offer (seed 001); a
	// completed trade-in's payout was released ("credit issued"), and
	// settled when the file says how it was paid. The ledger goes through
	// intake's rules as the hub's own steps do.
	var payouts []intake.PayoutEntry
	if accepted(status) {
		payouts = append(payouts, intake.PayoutEntry{Kind: intake.PayoutObligation, Amount: offer, Method: method})
		if status == intake.StatusCompleted {
			payouts = append(payouts, intake.PayoutEntry{Kind: intake.PayoutRelease, Amount: offer, Method: method})
			if paid != "" {
				payouts = append(payouts, intake.PayoutEntry{Kind: intake.PayoutSettle, Amount: offer, Method: method, Reference: paid})
			}
		}
	}
	if _, err := intake.PayoutOf(payouts); err != nil {
		r.reject(tOffer, "%s", err.Error())
		return t, nil
	}
	// The hub publishes nothing a bench would refuse; the checks above
	// should have caught all of it.
	check := t
	check.Reference, check.UpdatedAt = "TI", now
	if err := wire.ValidateTradeIn(check); err != nil {
		r.reject(-1, "%s", err.Error())
	}
	return t, payouts
}

// accepted reports whether a trade-in in status s has been accepted: it
// has a unit, counts in stock and is owed a payout.
func accepted(s intake.Status) bool {
	switch s {
	case intake.StatusAccepted, intake.StatusShipped, intake.StatusReceived, intake.StatusInspected, intake.StatusCompleted:
		return true
	}
	return false
}

// imported is what a checked trade-in becomes at now: from acceptance on
// it holds a unit, expected or (received) with a receipt, counts in stock
// and has its payout ledger.
func imported(t intake.TradeIn, payouts []intake.PayoutEntry, now time.Time) hubdb.ImportedTradeIn {
	t.UpdatedAt = now
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now
	}
	it := hubdb.ImportedTradeIn{History: hubdb.HistoryEntry{To: t.Status, Actor: importActor,
		Reason: "imported as " + string(t.Status) + " from external id " + t.ExternalID, At: now}}
	if accepted(t.Status) {
		identity := t.IMEI
		if identity == "" {
			identity = t.Serial
		}
		unit := hubdb.Unit{ID: "unit_" + strings.TrimPrefix(t.ID, "imp_"), TradeInID: t.ID, IMEI: identity, SKU: t.Device.SKU, Status: "expected",
			CreatedAt: now, UpdatedAt: now}
		if t.Status.Received() {
			unit.Status = "received"
			t.Receipt = &intake.Receipt{TradeInID: t.ID, IMEI: identity, Operator: importActor, Bench: importActor, At: now, EventKey: "import:" + t.ID}
			it.Receipt = t.Receipt
		}
		it.Unit = &unit
		it.Stock = &intake.StockEntry{SKU: t.Device.SKU, Delta: intake.StockDelta(intake.StockImported), Reason: intake.StockImported,
			TradeInID: t.ID, UnitID: unit.ID, At: now}
		for _, e := range payouts {
			e.TradeInID, e.Actor, e.At = t.ID, importActor, now
			it.Payouts = append(it.Payouts, e)
		}
	}
	it.TradeIn = t
	return it
}

// applyTradeIns writes the batch's trade-ins whose external id no
// trade-in holds yet; those without a reference get the hub's next ones.
func applyTradeIns(ctx context.Context, tx *hubdb.Tx, items []item[*hubdb.EncodedTradeIn], now time.Time) (counts, error) {
	var c counts
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.v.ExternalID
	}
	taken, err := tx.ExternalIDsTaken(ctx, ids)
	if err != nil {
		return c, err
	}
	fresh := make([]*hubdb.EncodedTradeIn, 0, len(items))
	unnumbered := 0
	for _, it := range items {
		if taken[it.v.ExternalID] {
			c.skipped++
			continue
		}
		// A second row of one external id in a batch is there already
		// by the time it would be written, as in a later batch.
		taken[it.v.ExternalID] = true
		fresh = append(fresh, it.v)
		if it.v.NeedsReference() {
			unnumbered++
		}
	}
	if len(fresh) == 0 {
		return c, nil
	}
	if unnumbered > 0 {
		number, err := tx.NextNumbers(ctx, "reference", unnumbered)
		if err != nil {
			return c, err
		}
		for _, e := range fresh {
			if e.NeedsReference() {
				if err := e.SetReference(fmt.Sprintf("TI-%d-%06d", now.Year(), number)); err != nil {
					return c, err
				}
				number++
			}
		}
	}
	if err := tx.InsertEncodedTradeIns(ctx, fresh); err != nil {
		return c, err
	}
	c.imported = len(fresh)
	return c, nil
}
