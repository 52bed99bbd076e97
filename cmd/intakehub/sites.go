package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/hub/hubdb"
)

const sitesUsage = `usage:
  intakehub sites list     [--db PATH]
  intakehub sites add      ID --name NAME --kind warehouse|store [--db PATH]
  intakehub sites bench    NAME SITE|none [--db PATH]
  intakehub sites operator ID SITE|none   [--db PATH]
  intakehub sites tradein  ID SITE|none   [--db PATH]`

// runSites manages the warehouses and stores, and which bench, operator
// and trade-in belongs to which (README "Sites"). "none" takes one back to
// every site.
func runSites(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("sites", stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, sitesUsage); fs.PrintDefaults() }
	name := fs.String("name", "", "add: the site's name for people")
	kind := fs.String("kind", "", "add: warehouse or store")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	usage := func(problem string) error {
		fmt.Fprintf(stderr, "sites: %s\n%s\n", problem, sitesUsage)
		return errUsage
	}
	if len(pos) == 0 {
		return usage("say what to do")
	}
	want := map[string]int{"list": 1, "add": 2, "bench": 3, "operator": 3, "tradein": 3}
	n, ok := want[pos[0]]
	if !ok {
		return usage(fmt.Sprintf("unknown subcommand %q", pos[0]))
	}
	if len(pos) != n {
		return usage(fmt.Sprintf("%s takes %d argument(s)", pos[0], n-1))
	}
	h, err := hub.Open(ctx, *db, hub.Config{})
	if err != nil {
		return err
	}
	defer h.Close()
	site := func() string {
		if pos[2] == "none" {
			return ""
		}
		return pos[2]
	}
	switch pos[0] {
	case "list":
		sites, err := h.Sites(ctx)
		if err != nil {
			return err
		}
		benches, err := h.BenchSites(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tKIND\tNAME\tBENCHES")
		for _, s := range sites {
			var names []string
			for b, at := range benches {
				if at == s.ID {
					names = append(names, b)
				}
			}
			sort.Strings(names)
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.ID, s.Kind, s.Name, cmp.Or(strings.Join(names, ","), "-"))
		}
		return tw.Flush()
	case "add":
		s, err := h.CreateSite(ctx, hub.SiteInput{ID: pos[1], Name: *name, Kind: *kind})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "site %s added: %s %s\n", s.ID, s.Kind, s.Name)
	case "bench":
		if err := h.AssignBench(ctx, pos[1], site()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "bench %s at %s\n", pos[1], placeName(site()))
	case "operator":
		if err := h.AssignOperator(ctx, pos[1], site()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "operator %s at %s\n", pos[1], placeName(site()))
	case "tradein":
		if err := h.AssignTradeIn(ctx, pos[1], site()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "trade-in %s at %s\n", pos[1], placeName(site()))
	}
	return nil
}

func placeName(site string) string {
	if site == "" {
		return "every site"
	}
	return "site " + site
}

// checkSite refuses a site that does not exist, before an enrollment code
// is made for it.
func checkSite(ctx context.Context, h *hub.Hub, site string) error {
	sites, err := h.Sites(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(sites, func(s hubdb.Site) bool { return s.ID == site }) {
		return fmt.Errorf("there is no site %q (intakehub sites list)", site)
	}
	return nil
}
