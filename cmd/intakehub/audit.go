package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/intakebench/intakebench/hub"
)

// runAudit checks what the hub kept of benches' audit logs: the head each
// push carried. A head that did not extend the one before it means the
// bench's history was rewritten, and the command fails.
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, db := newFlags("audit verify", stderr)
	bench := fs.String("bench", "", "the bench to verify (default: every bench that sent a head)")
	all := fs.Bool("all", false, "print every head, not only the latest and the rewrites")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "verify" {
		fmt.Fprintln(stderr, "usage: intakehub audit verify [--bench NAME] [--all] [--db PATH]")
		return errUsage
	}
	h, err := hub.Open(ctx, *db, hub.Config{})
	if err != nil {
		return err
	}
	defer h.Close()
	benches := []string{*bench}
	if *bench == "" {
		if benches, err = h.AuditBenches(ctx); err != nil {
			return err
		}
		if len(benches) == 0 {
			fmt.Fprintln(stdout, "no bench has sent the head of its audit log yet")
			return nil
		}
	}
	var rewritten []string
	for _, name := range benches {
		heads, err := h.AuditHeads(ctx, name)
		if err != nil {
			return err
		}
		if len(heads) == 0 {
			return fmt.Errorf("bench %s has sent no head of its audit log: no such bench, or it has not pushed since the hub began keeping heads", name)
		}
		if n := printAuditHeads(stdout, name, heads, *all); n > 0 {
			rewritten = append(rewritten, fmt.Sprintf("%s (%d times)", name, n))
		}
	}
	if len(rewritten) > 0 {
		return fmt.Errorf("audit history rewritten: %s", strings.Join(rewritten, ", "))
	}
	return nil
}

// printAuditHeads prints a bench's heads and returns how many times its
// history was rewritten.
func printAuditHeads(w io.Writer, bench string, heads []hub.AuditHead, all bool) int {
	first, last := heads[0], heads[len(heads)-1]
	fmt.Fprintf(w, "bench %s: %d audit heads, %s to %s\n", bench, len(heads), stamp(first.ReceivedAt), stamp(last.ReceivedAt))
	rewrites := 0
	for i, head := range heads {
		switch {
		case head.Rewrite != "":
			rewrites++
			fmt.Fprintf(w, "  REWRITTEN %s: %s\n", stamp(head.ReceivedAt), head.Rewrite)
			if i > 0 {
				fmt.Fprintf(w, "    before: %s\n", headLine(heads[i-1]))
			}
			fmt.Fprintf(w, "    after:  %s\n", headLine(head))
		case all:
			fmt.Fprintf(w, "  %s\n", headLine(head))
		}
	}
	if !all {
		fmt.Fprintf(w, "  latest: %s\n", headLine(last))
	}
	if rewrites == 0 {
		fmt.Fprintf(w, "  every head extends the one before it\n")
	}
	return rewrites
}

func headLine(h hub.AuditHead) string {
	return fmt.Sprintf("entry %d, hash %s, received %s under token %d", h.Seq, h.Hash, stamp(h.ReceivedAt), h.TokenID)
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
