// Command intakehub is the central trade-in API that benches sync with.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/benchrelease"
	"github.com/intakebench/intakebench/hub/exports"
	"github.com/intakebench/intakebench/hub/imports"
	"github.com/intakebench/intakebench/hub/schedule"
	"github.com/intakebench/intakebench/hub/sellers"
	"github.com/intakebench/intakebench/hub/upgrade"
	"github.com/intakebench/intakebench/hub/web"
)

const usage = `usage: intakehub command [flags]

commands:
  serve         serve the hub API
  seed          fill the hub with the demo catalog, operators and trade-ins
  enroll-bench  print a one-time code that enrolls a bench
  revoke-bench  revoke a bench's token (it keeps its local data)
  sites         add and list warehouses and stores, put benches, operators and trade-ins at one: intakehub sites list|add|bench|operator|tradein
  apikey        create, list or revoke public API keys: intakehub apikey create|list|revoke
  compact       drop change-log tombstones older than --retention
  webhooks      list webhook endpoints, show and redrive dead letters: intakehub webhooks list|dead|redrive
  gc-blobs      delete photo blobs no photo references, older than --older-than
  audit         check benches' audit heads for a rewritten history: intakehub audit verify [--bench NAME]
  migrate       report the database's schema versions and apply what is missing (--status: report only)
  import        import trade-ins, flags, catalog, prices or staff from CSV or JSON Lines: intakehub import KIND FILE
  export        write units, payouts, stock or audit as CSV: intakehub export KIND [--since T]
  version       print the version and commit this build is of

Run 'intakehub COMMAND -h' for a command's flags.
`

// errUsage is a command line that makes no sense; its message has been printed.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, errUsage):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "intakehub:", err)
		os.Exit(1)
	}
}

type command func(ctx context.Context, args []string, stdout, stderr io.Writer) error

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	commands := map[string]command{
		"serve": runServe, "seed": runSeed, "enroll-bench": runEnrollBench,
		"revoke-bench": runRevokeBench, "apikey": runAPIKey, "compact": runCompact,
		"webhooks": runWebhooks,
		"gc-blobs": runGCBlobs,
		"audit":    runAudit,
		"migrate":  runMigrate,
		"import":   runImport,
		"export":   runExport,
		"version":  runVersion,
		"sites":    runSites,
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "intakehub: unknown command %q\n\n%s", args[0], usage)
		return errUsage
	}
	return cmd(ctx, args[1:], stdout, stderr)
}

// parse parses flags wherever they are among the positional arguments, so
// that "enroll-bench NAME --scopes ..." works as well as the other order.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, errUsage
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "hub.db", "hub database: a SQLite file, or a postgres:// URL")
	return fs, db
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("serve", stderr)
	addr := fs.String("addr", "127.0.0.1:8750", "address to listen on")
	cert := fs.String("tls-cert", "", "TLS certificate file (with --tls-key)")
	key := fs.String("tls-key", "", "TLS key file")
	retention := fs.Duration("retention", 30*24*time.Hour, "keep change-log tombstones this long (0: for ever)")
	rate := fs.Float64("rate", 50, "requests per second per bench (0: unlimited)")
	burst := fs.Int("burst", 200, "burst of requests per bench")
	hookFlags := addWebhookFlags(fs, db)
	blobAge := fs.Duration("blob-age", hub.DefaultBlobAge, "delete unreferenced photo blobs older than this, hourly (0: never)")
	life := addLifecycleFlags(fs)
	benchRelease := fs.String("bench-release", "", "offer the bench release in this directory (make release's dist/) to benches and IT")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if (*cert == "") != (*key == "") {
		fmt.Fprintln(stderr, "serve: --tls-cert and --tls-key go together")
		return errUsage
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	cfg := hub.Config{Logger: log}
	if err := life.config(&cfg, *addr); err != nil {
		return err
	}
	h, err := hub.Open(ctx, *db, cfg)
	if err != nil {
		return err
	}
	defer h.Close()
	api, hooks, err := publicAPI(ctx, h, log, hookFlags)
	if err != nil {
		return err
	}
	go hooks.Run(ctx)
	// Mail and card payouts go out as soon as a step queues them; every
	// minute too, for a server that was down.
	go h.RunLifecycle(ctx, time.Minute)
	handler := hub.NewServer(h, hub.WithRateLimit(*rate, *burst))
	handler.Mount("/api/", api.Handler())
	programme, err := upgrade.New(h, *life.tenant, upgrade.WithLogger(log))
	if err != nil {
		return err
	}
	base := "/api/" + *life.tenant
	handler.Mount(base+"/", programme.Handler())
	// The imports and exports of the admin API, behind its admin keys.
	handler.Mount(base+"/admin/imports/", programme.Admin(http.StripPrefix(base+"/admin/imports",
		imports.Handler(imports.New(h.DB(), imports.Config{Now: h.Now, Logger: log})))))
	handler.Mount(base+"/admin/exports/", programme.Admin(http.StripPrefix(base+"/admin/exports", exports.Handler(exports.New(h.DB())))))
	// Seed 002's market price observations, recorded by an admin.
	handler.Mount(base+"/admin/prices/", programme.Admin(http.StripPrefix(base+"/admin/prices", api.AdminHandler())))
	// Seed 004's Sellers API, our buyers' side of it in the admin API, and
	// the scheduler of its reminders and of every offer's expiry.
	steps := schedule.New(h, schedule.WithLogger(log))
	sellerAPI, err := sellers.New(h, hooks, sellers.WithLogger(log), sellers.WithScheduleWake(steps.Wake))
	if err != nil {
		return err
	}
	steps.Handle(sellers.StepReminder5, sellerAPI.RunStep)
	steps.Handle(sellers.StepReminder12, sellerAPI.RunStep)
	steps.OnExpiry(sellerAPI.OfferExpired)
	steps.AfterCommit(hooks.Wake)
	go steps.Run(ctx, time.Minute)
	handler.Mount("/v2/sellers/", sellerAPI.Handler())
	handler.Mount(base+"/admin/sellers/", programme.Admin(http.StripPrefix(base+"/admin/sellers", sellerAPI.AdminHandler())))
	// The buyer's trade-in page and the staff's dashboard (hub/web); photos
	// of an IMEI label are read with the bench's own barcode decoder, and
	// the supervisors act on the sellers' items as our buyers.
	site, err := web.New(ctx, h, web.WithLogger(log), web.WithDecoder(decodeBarcodes), web.WithSecureCookies(*cert != ""),
		web.WithSellers(sellerAPI))
	if err != nil {
		return err
	}
	for _, p := range web.Patterns {
		handler.Mount(p, site.Handler())
	}
	if *benchRelease != "" {
		releases := benchrelease.NewServer(*benchRelease)
		if _, err := releases.Release(); err != nil {
			log.Warn("no bench release offered yet", "dir", *benchRelease, "err", err)
		}
		for _, p := range benchrelease.Patterns {
			handler.Mount(p, releases.Handler())
		}
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10, // a bench's headers are a few hundred bytes
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	scheme := "http"
	if *cert != "" {
		pair, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			ln.Close()
			return fmt.Errorf("load TLS key pair: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12})
		scheme = "https"
	}
	fmt.Fprintf(stdout, "intakehub: listening on %s://%s\n", scheme, ln.Addr())
	if *retention > 0 {
		go every(ctx, log, time.Hour, "compact the change log", "tombstones", func(ctx context.Context) (int64, error) {
			return h.CompactChanges(ctx, time.Now().Add(-*retention))
		})
	}
	if *blobAge > 0 {
		go every(ctx, log, time.Hour, "collect unreferenced blobs", "blobs", func(ctx context.Context) (int64, error) {
			n, err := h.CollectBlobs(ctx, *blobAge)
			return int64(n), err
		})
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	// Let requests in flight finish: a push answered is a push committed.
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	log.Info("shutting down")
	return srv.Shutdown(shutdown)
}

// every runs a housekeeping job each interval until ctx ends, logging
// what it did: what names the job, unit what it counts.
func every(ctx context.Context, log *slog.Logger, interval time.Duration, what, unit string, job func(context.Context) (int64, error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := job(ctx)
			if err != nil {
				log.Error(what, "err", err)
			} else if n > 0 {
				log.Info(what, unit, n)
			}
		}
	}
}

func runSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("seed", stderr)
	withDemo := fs.Bool("demo", false, "seed the demo data set")
	n := fs.Int("tradeins", 1000, "how many accepted trade-ins")
	seed := fs.Uint64("seed", 1, "random seed: the same seed makes the same data")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if !*withDemo {
		fmt.Fprintln(stderr, "seed: seeds the --demo data set; real trade-ins, flags, catalog, prices and staff come in with intakehub import")
		return errUsage
	}
	if *n < 0 || *n > 10_000_000 {
		fmt.Fprintln(stderr, "seed: --tradeins must be between 0 and 10000000")
		return errUsage
	}
	h, err := hub.Open(ctx, *db, hub.Config{})
	if err != nil {
		return err
	}
	defer h.Close()
	sum, err := demo.SeedHub(ctx, h, demo.HubSeed{TradeIns: *n, Seed: *seed})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %s: %d variants, %d operators, %d trade-ins, %d flagged IMEIs\n",
		*db, sum.Variants, sum.Operators, sum.TradeIns, sum.Flags)
	return nil
}

func scopesFlag(fs *flag.FlagSet, def []string) *string {
	return fs.String("scopes", strings.Join(def, ","), "comma-separated scopes")
}

func splitScopes(s string) []string {
	var out []string
	for _, sc := range strings.Split(s, ",") {
		if sc = strings.TrimSpace(sc); sc != "" {
			out = append(out, sc)
		}
	}
	return out
}

func runEnrollBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("enroll-bench", stderr)
	scopes := scopesFlag(fs, wire.BenchScopes)
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the code stays valid")
	site := fs.String("site", "", "the site the bench works at (intakehub sites); none: every site's")
	names, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(names) != 1 {
		fmt.Fprintln(stderr, "usage: intakehub enroll-bench NAME [--db PATH] [--scopes a,b] [--ttl 24h] [--site SITE]")
		return errUsage
	}
	h, err := hub.Open(ctx, *db, hub.Config{})
	if err != nil {
		return err
	}
	defer h.Close()
	if *site != "" {
		if err := checkSite(ctx, h, *site); err != nil {
			return err
		}
	}
	code, err := h.CreateEnrollment(ctx, names[0], splitScopes(*scopes), *ttl)
	if err != nil {
		return err
	}
	if *site != "" {
		if err := h.AssignBench(ctx, names[0], *site); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout, code)
	fmt.Fprintf(stderr, "enrollment code for bench %s, valid once until %s\n", names[0], time.Now().Add(*ttl).Format(time.RFC3339))
	return nil
}

func runRevokeBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("revoke-bench", stderr)
	names, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(names) != 1 {
		fmt.Fprintln(stderr, "usage: intakehub revoke-bench NAME [--db PATH]")
		return errUsage
	}
	h, err := hub.Open(ctx, *db, hub.Config{})
	if err != nil {
		return err
	}
	defer h.Close()
	if err := h.RevokeBench(ctx, names[0]); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "bench %s revoked\n", names[0])
	return nil
}

func runCompact(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("compact", stderr)
	retention := fs.Duration("retention", 30*24*time.Hour, "drop tombstones older than this")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	h, err := hub.Open(ctx, *db, hub.Config{})
	if err != nil {
		return err
	}
	defer h.Close()
	n, err := h.CompactChanges(ctx, time.Now().Add(-*retention))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "removed %d tombstones\n", n)
	return nil
}
