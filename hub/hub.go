// Package hub is the central trade-in API: the authoritative state that
// many benches sync with, and the only arbiter between them. Hub holds the
// state in a hubdb database and decides by the rules in rules.go; Server
// exposes it over HTTP as the /v1 contract of package wire.
package hub

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/shipping"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/linktoken"
	"github.com/intakebench/intakebench/internal/passwd"
	"github.com/intakebench/intakebench/internal/ratelimit"
)

// Outbox records what an applied event must tell others (webhooks) in the
// transaction that applies it, so the event and its deliveries commit
// together or not at all; Wake tells it, after the commit, that there is
// work. *webhook.Dispatcher is one.
type Outbox interface {
	PublishTx(ctx context.Context, tx *hubdb.Tx, kind string, payload any) error
	Wake()
}

// Hub is the hub's state and rules over an open database.
type Hub struct {
	db       *hubdb.DB
	now      func() time.Time
	outbox   Outbox
	log      *slog.Logger
	instance string // names this database in cursors

	grantKey      ed25519.PrivateKey // signs supervisors' grants
	grantLife     time.Duration
	grantAttempts *ratelimit.Limiter // PINs tried per bench and operator

	// The trade-in's life beyond the bench.
	loginAttempts *ratelimit.Limiter // customers' passwords tried per address and client
	dummyHash     string             // checked for an unknown address, so timing tells nothing
	links         *linktoken.Signer  // signs the links in e-mails
	linkBase      string
	business      string
	businessAddr  string // printed on walk-in receipts the hub e-mails
	facility      shipping.Address
	payments      Payments
	labels        Shipping
	pickup        Shipping
	mailer        Mailer
	mailWake      chan struct{}
	payWake       chan struct{}
}

// Config is how a hub is set up; the zero value of each field is its
// default.
type Config struct {
	// Now is the clock; time.Now by default.
	Now func() time.Time
	// Outbox receives every applied event in its transaction; none by
	// default.
	Outbox Outbox
	// Logger; discarding by default.
	Logger *slog.Logger
	// GrantLife is how long a supervisor's grant lasts;
	// intake.DefaultGrantLife by default.
	GrantLife time.Duration

	// PublicURL is where customers reach the Upgrade API, links in
	// e-mails start with it (https://hub.example.com/api/acme).
	PublicURL string
	// Business is the programme's name in e-mails.
	Business string
	// BusinessAddress is printed under Business on the walk-in receipts
	// the hub e-mails; it may span lines.
	BusinessAddress string
	// Facility is where devices are sent.
	Facility shipping.Address
	// Payments settles card payouts; none by default (they stay due).
	Payments Payments
	// Labels buys shipping labels (ShipEngine); Pickup gives
	// instructions to customers without an address or when there is no
	// carrier. Neither by default.
	Labels, Pickup Shipping
	// Mailer sends e-mail; none by default (mail waits in the outbox).
	Mailer Mailer
}

// Open opens (creating if needed) the hub database named by dsn (see
// hubdb.Open), brings its schema up to date and returns the hub over it.
// The hub owns the one handle on the database: the public API and the
// webhook dispatcher are handed it through DB.
func Open(ctx context.Context, dsn string, c Config) (*Hub, error) {
	db, err := hubdb.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	h := &Hub{db: db, now: c.Now, outbox: c.Outbox, log: c.Logger, grantLife: cmp.Or(c.GrantLife, intake.DefaultGrantLife),
		// A supervisor mistypes a PIN now and then; a search of the PIN
		// space through the hub gets five tries in fifteen minutes.
		grantAttempts: ratelimit.PerSecond(5.0/(15*60), 5),
		// Ten tries of a customer's password in fifteen minutes; a
		// client address gets more, for a shop's shared connection.
		loginAttempts: ratelimit.PerSecond(10.0/(15*60), 10),
		linkBase:      strings.TrimRight(cmp.Or(c.PublicURL, "http://127.0.0.1:8750/api/demo"), "/"),
		business:      cmp.Or(c.Business, "Intake Bench trade-ins"),
		businessAddr:  c.BusinessAddress,
		facility:      c.Facility, payments: c.Payments, labels: c.Labels, pickup: c.Pickup, mailer: c.Mailer,
		mailWake: make(chan struct{}, 1), payWake: make(chan struct{}, 1)}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	err = db.InTx(ctx, func(tx *hubdb.Tx) (err error) {
		if h.instance, err = tx.Instance(ctx); err != nil {
			return err
		}
		if err := tx.BackfillUnitLabels(ctx); err != nil {
			return err
		}
		if err := tx.BackfillReviews(ctx, h.now().UTC()); err != nil {
			return err
		}
		if h.grantKey, err = tx.GrantKey(ctx); err != nil {
			return err
		}
		key, err := tx.Secret(ctx, "link key", 32)
		if err != nil {
			return err
		}
		h.links, err = linktoken.New(key)
		return err
	})
	if err == nil {
		h.dummyHash, err = passwd.Hash("not a password of anyone", passwd.Default)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open hub database %s: %w", dsn, err)
	}
	return h, nil
}

// Close closes the hub's database.
func (h *Hub) Close() error { return h.db.Close() }

// SetOutbox sets where applied events go, for an outbox that needs the hub's
// database to be made. Call it before serving.
func (h *Hub) SetOutbox(o Outbox) { h.outbox = o }

// DB is the hub's database, for the parts of the hub that keep their own
// tables in it (the public API, webhooks).
func (h *Hub) DB() *hubdb.DB { return h.db }

// Now is the hub's clock: every time it records comes from it.
func (h *Hub) Now() time.Time { return h.now() }

// RunLifecycle sends the mail outbox and settles due card payouts until
// ctx ends: at once when a step queues work, and every interval in case a
// server was down.
func (h *Hub) RunLifecycle(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if _, err := h.DeliverMail(ctx); err != nil && ctx.Err() == nil {
			h.log.WarnContext(ctx, "deliver mail", "err", err)
		}
		if _, err := h.SettlePayouts(ctx); err != nil && ctx.Err() == nil {
			h.log.WarnContext(ctx, "settle payouts", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-h.mailWake:
		case <-h.payWake:
		}
	}
}
