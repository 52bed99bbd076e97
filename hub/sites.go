package hub

import (
	"context"
	"errors"
	"strings"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// Sites are the warehouses and stores benches work at. A bench, an
// operator and a trade-in may belong to one: a bench of a site pulls the
// trade-ins and operators of its site and of none, and its supervisors'
// review and quarantine lists are its site's; a bench of no site sees
// everything, as every bench did before sites. A trade-in's site is where
// it is expected (shipped to) or kept; moving it to another site takes it
// out of the first site's benches' caches (hubdb.MoveToSite).

// Codes of the sites' refusals, stable for clients.
const (
	CodeUnknownSite      = "unknown_site"       // 422: no site of that id
	CodeInvalidSiteKind  = "invalid_site_kind"  // 422: a kind other than warehouse or store
	CodeSiteExists       = "site_exists"        // 409: the id is taken
	CodeUnknownBench     = "unknown_bench"      // 404: no bench was ever enrolled under that name
	CodeOperatorNotFound = "operator_not_found" // 404
)

// The kinds of site.
const (
	SiteWarehouse = "warehouse"
	SiteStore     = "store"
)

// maxSiteID bounds a site's id, a slug.
const maxSiteID = 40

// checkSiteID refuses an id that is not a slug of 1 to 40 of [a-z0-9-]: it
// goes into cursors and log keys, which use '.' and ' ' as separators.
func checkSiteID(id string) error {
	ok := len(id) >= 1 && len(id) <= maxSiteID && !strings.ContainsFunc(id, func(r rune) bool {
		return (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-'
	})
	if !ok {
		return refuse(KindInvalid, CodeInvalid, "A site id is 1 to %d lowercase letters, digits and dashes, not %.60q.", maxSiteID, id)
	}
	return nil
}

// SiteInput is a new site.
type SiteInput struct {
	ID   string
	Name string
	Kind string
}

// CreateSite adds a warehouse or store.
func (h *Hub) CreateSite(ctx context.Context, in SiteInput) (hubdb.Site, error) {
	if err := checkSiteID(in.ID); err != nil {
		return hubdb.Site{}, err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > 200 {
		return hubdb.Site{}, refuse(KindInvalid, CodeInvalid, "A site needs a name of 1 to 200 bytes.")
	}
	if in.Kind != SiteWarehouse && in.Kind != SiteStore {
		return hubdb.Site{}, refuse(KindUnprocessable, CodeInvalidSiteKind, "A site is a %s or a %s, not %.40q.", SiteWarehouse, SiteStore, in.Kind)
	}
	s := hubdb.Site{ID: in.ID, Name: name, Kind: in.Kind, CreatedAt: h.now().UTC()}
	err := h.db.InTx(ctx, func(tx *hubdb.Tx) error { return tx.InsertSite(ctx, s) })
	if errors.Is(err, hubdb.ErrExists) {
		return hubdb.Site{}, refuse(KindConflict, CodeSiteExists, "There is a site %s already.", in.ID)
	}
	return s, err
}

// Sites lists the sites by id.
func (h *Hub) Sites(ctx context.Context) (out []hubdb.Site, err error) {
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		out, err = tx.Sites(ctx)
		return err
	})
	return out, err
}

// BenchSites maps each bench given a site to it.
func (h *Hub) BenchSites(ctx context.Context) (out map[string]string, err error) {
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		out, err = tx.BenchSites(ctx)
		return err
	})
	return out, err
}

// knownSite refuses a site that does not exist; "" (no site) is known.
func knownSite(ctx context.Context, tx *hubdb.Tx, site string) error {
	if site == "" {
		return nil
	}
	if err := checkSiteID(site); err != nil {
		return refuse(KindUnprocessable, CodeUnknownSite, "There is no site %.60q.", site)
	}
	ok, err := tx.SiteExists(ctx, site)
	if err != nil {
		return err
	}
	if !ok {
		return refuse(KindUnprocessable, CodeUnknownSite, "There is no site %.60q.", site)
	}
	return nil
}

// AssignBench puts a bench at a site, or at none (site ""). Its next pull
// is refused as expired (its cursor names the view it read under) and it
// reads the log again as its new site sees it.
func (h *Hub) AssignBench(ctx context.Context, bench, site string) error {
	return h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		if err := knownSite(ctx, tx, site); err != nil {
			return err
		}
		known, err := tx.BenchEnrolled(ctx, bench)
		if err != nil {
			return err
		}
		if !known {
			return refuse(KindNotFound, CodeUnknownBench, "No bench was enrolled as %.60q.", bench)
		}
		return tx.SetBenchSite(ctx, bench, site, h.now().UTC())
	})
}

// AssignOperator puts an operator at a site, or at none (site ""): the
// benches of the site they leave drop them, those of the new one get them.
func (h *Hub) AssignOperator(ctx context.Context, id, site string) error {
	return h.moveToSite(ctx, wire.EntityOperator, id, site)
}

// AssignTradeIn puts a trade-in at the site it is expected at (shipped to)
// or kept, or at none (site ""): the benches of the site it leaves drop
// it, those of the new one get it.
func (h *Hub) AssignTradeIn(ctx context.Context, id, site string) error {
	return h.moveToSite(ctx, wire.EntityTradeIn, id, site)
}

func (h *Hub) moveToSite(ctx context.Context, entity wire.Entity, id, site string) error {
	return h.db.InTx(ctx, func(tx *hubdb.Tx) error {
		if err := knownSite(ctx, tx, site); err != nil {
			return err
		}
		_, err := tx.MoveToSite(ctx, entity, id, site, h.now().UTC())
		if errors.Is(err, hubdb.ErrNotFound) {
			if entity == wire.EntityOperator {
				return refuse(KindNotFound, CodeOperatorNotFound, "There is no operator %.60q.", id)
			}
			return refuse(KindNotFound, CodeTradeInNotFound, "There is no trade-in %.60q.", id)
		}
		return err
	})
}

// SiteOf is the site a trade-in or operator belongs to, "" for none.
func (h *Hub) SiteOf(ctx context.Context, entity wire.Entity, id string) (site string, err error) {
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		site, err = tx.SiteOf(ctx, entity, id)
		return err
	})
	return site, err
}

// benchSite is the site of an authenticated bench, "" for none.
func (h *Hub) benchSite(ctx context.Context, a benchAuth) (site string, err error) {
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		site, err = tx.BenchSite(ctx, a.bench)
		return err
	})
	return site, err
}

// QuarantinesAt lists the devices set aside at a site's benches and at
// benches of no site, oldest first. Site "" is every bench's.
func (h *Hub) QuarantinesAt(ctx context.Context, site string) (qs []intake.QuarantinedDevice, err error) {
	err = h.db.View(ctx, func(tx *hubdb.Tx) error {
		qs, err = tx.QuarantinesAt(ctx, site)
		return err
	})
	return qs, err
}

// sees reports whether bench a is shown trade-in id: a bench of no site
// every one, a bench of a site those of its site and of none.
func (h *Hub) sees(ctx context.Context, a benchAuth, id string) (bool, error) {
	var visible bool
	err := h.db.View(ctx, func(tx *hubdb.Tx) error {
		bench, err := tx.BenchSite(ctx, a.bench)
		if err != nil || bench == "" {
			visible = err == nil
			return err
		}
		site, err := tx.SiteOf(ctx, wire.EntityTradeIn, id)
		visible = site == "" || site == bench
		return err
	})
	return visible, err
}
