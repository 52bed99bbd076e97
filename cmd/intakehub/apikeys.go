package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
)

const apiKeyUsage = `usage:
  intakehub apikey create [--db PATH] [--name NAME] [--scopes buyback:read,...] [--ttl 90d]
  intakehub apikey list   [--db PATH]
  intakehub apikey revoke ID|PREFIX [--db PATH]`

// runAPIKey manages the public API's keys. A key is printed once, by
// create; list and revoke name keys by their id or the prefix list shows.
func runAPIKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("apikey", stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, apiKeyUsage); fs.PrintDefaults() }
	name := fs.String("name", "", "create: who or what holds the key, shown by list")
	scopes := scopesFlag(fs, []string{wire.ScopeBuybackRead})
	var ttl ttlFlag
	fs.Var(&ttl, "ttl", "create: how long the key works, as 36h or 90d (0: until revoked)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	usage := func(problem string) error {
		fmt.Fprintf(stderr, "apikey: %s\n%s\n", problem, apiKeyUsage)
		return errUsage
	}
	if len(pos) == 0 {
		return usage("say create, list or revoke")
	}
	// Flags of create given to another verb are a mistake worth saying:
	// "revoke 3 --ttl 1h" does not shorten key 3's life.
	var createOnly []string
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "name" || f.Name == "scopes" || f.Name == "ttl" {
			createOnly = append(createOnly, "--"+f.Name)
		}
	})
	verb, rest := pos[0], pos[1:]
	switch {
	case verb != "create" && verb != "list" && verb != "revoke":
		return usage(fmt.Sprintf("unknown verb %q", verb))
	case verb != "create" && len(createOnly) > 0:
		return usage(fmt.Sprintf("%s is for create only", strings.Join(createOnly, ", ")))
	case verb == "revoke" && len(rest) != 1:
		return usage("revoke takes one key id or prefix")
	case verb != "revoke" && len(rest) != 0:
		return usage(fmt.Sprintf("%s takes no arguments", verb))
	}
	h, err := hub.Open(ctx, *db, hub.Config{})
	if err != nil {
		return err
	}
	defer h.Close()
	switch verb {
	case "create":
		key, info, err := h.IssueAPIKey(ctx, hub.APIKeySpec{Name: *name, Scopes: splitScopes(*scopes), TTL: time.Duration(ttl)})
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, key)
		fmt.Fprintf(stderr, "API key %d (%s), %s; store it now: the hub keeps only its hash\n",
			info.ID, info.Prefix, expiry(info.ExpiresAt))
		return nil
	case "list":
		keys, err := h.ListAPIKeys(ctx)
		if err != nil {
			return err
		}
		return writeAPIKeys(stdout, keys, time.Now())
	default:
		info, err := h.RevokeAPIKey(ctx, rest[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "API key %d (%s) revoked at %s\n", info.ID, orDash(info.Prefix), info.RevokedAt.Format(time.RFC3339))
		return nil
	}
}

// writeAPIKeys lists keys for people: never a key, only its prefix.
func writeAPIKeys(w io.Writer, keys []hub.APIKeyInfo, now time.Time) error {
	if len(keys) == 0 {
		_, err := fmt.Fprintln(w, "no API keys")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPREFIX\tNAME\tSCOPES\tCREATED\tEXPIRES\tREVOKED\tSTATE")
	for _, k := range keys {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, orDash(k.Prefix), orDash(k.Name), strings.Join(k.Scopes, ","),
			k.CreatedAt.UTC().Format(time.RFC3339), timeOr(k.ExpiresAt, "never"), timeOr(k.RevokedAt, "-"), k.State(now))
	}
	return tw.Flush()
}

func expiry(t time.Time) string {
	if t.IsZero() {
		return "valid until revoked"
	}
	return "valid until " + t.UTC().Format(time.RFC3339)
}

func timeOr(t time.Time, zero string) string {
	if t.IsZero() {
		return zero
	}
	return t.UTC().Format(time.RFC3339)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ttlFlag is a key's lifetime: a Go duration, or whole days ("90d"), which
// is how key lifetimes are usually given and which time.ParseDuration does
// not read.
type ttlFlag time.Duration

func (f *ttlFlag) String() string { return time.Duration(*f).String() }

func (f *ttlFlag) Set(s string) error {
	d, err := parseTTL(s)
	if err != nil {
		return err
	}
	*f = ttlFlag(d)
	return nil
}

// maxTTLDays keeps days × 24h inside a time.Duration (about 292 years).
const maxTTLDays = 100 * 365

func parseTTL(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > maxTTLDays {
			return 0, fmt.Errorf("%q is not a number of days from 0 to %d", s, maxTTLDays)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as 36h or 90d: %w", s, err)
	}
	if d < 0 {
		return 0, errors.New("a key's lifetime cannot be negative")
	}
	return d, nil
}
