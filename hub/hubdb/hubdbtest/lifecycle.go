package hubdbtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// lifecycle covers the trade-in's life around the bench: customers and
// sessions, offers, checks, units, the ledgers, valuations, the mail
// outbox and the operator's queue.
func lifecycle(t *testing.T, open Opener) {
	ctx := context.Background()

	t.Run("customers are unique by e-mail and sessions end", func(t *testing.T) {
		db := open(t)
		c := hubdb.Customer{ID: "cus_1", Email: "ada@example.com", PasswordHash: "$argon2id$x", Profile: json.RawMessage(`{"name":"Ada"}`), CreatedAt: t0, UpdatedAt: t0}
		inTx(t, db, func(tx *hubdb.Tx) error { return tx.InsertCustomer(ctx, c) })
		err := db.InTx(ctx, func(tx *hubdb.Tx) error {
			return tx.InsertCustomer(ctx, hubdb.Customer{ID: "cus_2", Email: "ada@example.com", Profile: json.RawMessage(`{}`), CreatedAt: t0, UpdatedAt: t0})
		})
		if !errors.Is(err, hubdb.ErrExists) {
			t.Errorf("a second account of ada@example.com: %v, want ErrExists", err)
		}
		inTx(t, db, func(tx *hubdb.Tx) error {
			if err := tx.InsertSession(ctx, "h1", "cus_1", t0, t0.Add(time.Hour)); err != nil {
				return err
			}
			return tx.InsertSession(ctx, "h2", "cus_1", t0, t0.Add(time.Hour))
		})
		inTx(t, db, func(tx *hubdb.Tx) error { return tx.RevokeSession(ctx, "h2", t0) })
		view(t, db, func(tx *hubdb.Tx) error {
			if id, err := tx.Session(ctx, "h1", t0.Add(time.Hour-time.Nanosecond)); err != nil || id != "cus_1" {
				t.Errorf("live session = %q, %v", id, err)
			}
			if _, err := tx.Session(ctx, "h1", t0.Add(time.Hour)); !errors.Is(err, hubdb.ErrNotFound) {
				t.Errorf("a session at its expiry: %v, want ErrNotFound", err)
			}
			if _, err := tx.Session(ctx, "h2", t0); !errors.Is(err, hubdb.ErrNotFound) {
				t.Errorf("a revoked session: %v, want ErrNotFound", err)
			}
			got, err := tx.CustomerByEmail(ctx, "ada@example.com")
			if err != nil || got.ID != "cus_1" || string(got.Profile) != `{"name":"Ada"}` || !got.CreatedAt.Equal(t0) {
				t.Errorf("CustomerByEmail = %+v, %v", got, err)
			}
			return nil
		})
	})

	t.Run("a new offer supersedes the open one, and an answer closes it once", func(t *testing.T) {
		db := open(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			if err := tx.PutTradeIns(ctx, []intake.TradeIn{tradeIn("a", "", intake.StatusSubmitted)}, t0); err != nil {
				return err
			}
			if err := tx.InsertOffer(ctx, hubdb.Offer{ID: "off_1", TradeInID: "a", Amount: 35000, ExpiresAt: t0.Add(time.Hour), CreatedBy: "admin", CreatedAt: t0}); err != nil {
				return err
			}
			return tx.InsertOffer(ctx, hubdb.Offer{ID: "off_2", TradeInID: "a", Amount: 36000, ExpiresAt: t0.Add(time.Hour), CreatedBy: "admin", CreatedAt: t0.Add(time.Second)})
		})
		inTx(t, db, func(tx *hubdb.Tx) error { return tx.AnswerOffer(ctx, "off_2", "accepted", "", t0.Add(time.Minute)) })
		if err := db.InTx(ctx, func(tx *hubdb.Tx) error { return tx.AnswerOffer(ctx, "off_2", "declined", "", t0) }); !errors.Is(err, hubdb.ErrNotFound) {
			t.Errorf("answering an answered offer: %v, want ErrNotFound", err)
		}
		view(t, db, func(tx *hubdb.Tx) error {
			offers, err := tx.Offers(ctx, "a")
			if err != nil || len(offers) != 2 || offers[0].Status != "superseded" || offers[1].Status != "accepted" || offers[1].Amount != 36000 {
				t.Errorf("offers = %+v, %v", offers, err)
			}
			return nil
		})
	})

	t.Run("ledgers sum and stand by their last entry", func(t *testing.T) {
		db := open(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			if err := tx.PutTradeIns(ctx, []intake.TradeIn{tradeIn("a", "", intake.StatusAccepted), tradeIn("b", "", intake.StatusAccepted)}, t0); err != nil {
				return err
			}
			for _, e := range []intake.PayoutEntry{
				{TradeInID: "a", Kind: intake.PayoutObligation, Amount: 35000, Method: intake.PayoutCard, Destination: "acct_1", Actor: "x", At: t0},
				{TradeInID: "b", Kind: intake.PayoutObligation, Amount: 20000, Method: intake.PayoutCheck, Actor: "x", At: t0},
				{TradeInID: "a", Kind: intake.PayoutRelease, Amount: 35000, Method: intake.PayoutCard, Actor: "x", At: t0},
			} {
				if _, err := tx.AppendPayout(ctx, e); err != nil {
					return err
				}
			}
			for _, e := range []intake.StockEntry{{SKU: "s", Delta: 1, Reason: intake.StockAccepted, TradeInID: "a", At: t0},
				{SKU: "s", Delta: 1, Reason: intake.StockAccepted, TradeInID: "b", At: t0}, {SKU: "s", Delta: -1, Reason: intake.StockReturned, TradeInID: "b", At: t0}} {
				if err := tx.AppendStock(ctx, e); err != nil {
					return err
				}
			}
			return nil
		})
		view(t, db, func(tx *hubdb.Tx) error {
			due, err := tx.DuePayouts(ctx, intake.PayoutCard, 10)
			if err != nil || !slices.Equal(due, []string{"a"}) {
				t.Errorf("due card payouts = %v, %v; want [a]", due, err)
			}
			totals, err := tx.PayoutTotals(ctx)
			if err != nil || totals[intake.PayoutDue] != 35000 || totals[intake.PayoutOwed] != 20000 {
				t.Errorf("payout totals = %v, %v", totals, err)
			}
			entries, err := tx.PayoutEntries(ctx, "a")
			if err != nil || len(entries) != 2 || entries[0].Destination != "acct_1" || entries[1].Kind != intake.PayoutRelease {
				t.Errorf("ledger of a = %+v, %v", entries, err)
			}
			if n, err := tx.Stock(ctx, "s"); err != nil || n != 1 {
				t.Errorf("stock of s = %d, %v; want 1", n, err)
			}
			return nil
		})
	})

	t.Run("the queue pages by last change and counts statuses", func(t *testing.T) {
		db := open(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			a, b, c := tradeIn("a", "", intake.StatusSubmitted), tradeIn("b", "", intake.StatusSubmitted), tradeIn("c", "", intake.StatusOffered)
			b.UpdatedAt, c.UpdatedAt = t0.Add(time.Second), t0.Add(2*time.Second)
			return tx.PutTradeIns(ctx, []intake.TradeIn{a, b, c}, t0)
		})
		view(t, db, func(tx *hubdb.Tx) error {
			counts, err := tx.StatusCounts(ctx)
			if err != nil || counts[intake.StatusSubmitted] != 2 || counts[intake.StatusOffered] != 1 {
				t.Errorf("counts = %v, %v", counts, err)
			}
			first, err := tx.TradeIns(ctx, hubdb.TradeInFilter{Status: intake.StatusSubmitted, Limit: 1})
			if err != nil || len(first) != 1 || first[0].ID != "b" {
				t.Fatalf("first page = %+v, %v; want [b]", first, err)
			}
			next, err := tx.TradeIns(ctx, hubdb.TradeInFilter{Status: intake.StatusSubmitted, Limit: 5, AfterAt: first[0].UpdatedAt, AfterID: first[0].ID})
			if err != nil || len(next) != 1 || next[0].ID != "a" {
				t.Errorf("next page = %+v, %v; want [a]", next, err)
			}
			return nil
		})
	})

	// twoMailsDue is a database whose outbox holds two e-mails due at t0,
	// and them.
	twoMailsDue := func(t *testing.T) (*hubdb.DB, []hubdb.Mail) {
		t.Helper()
		db := open(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			if err := tx.EnqueueMail(ctx, "quote", "a@example.com", []byte(`{"to":"a@example.com"}`), t0); err != nil {
				return err
			}
			return tx.EnqueueMail(ctx, "quote", "b@example.com", []byte(`{"to":"b@example.com"}`), t0)
		})
		var due []hubdb.Mail
		view(t, db, func(tx *hubdb.Tx) (err error) { due, err = tx.DueMail(ctx, t0, 10); return err })
		if len(due) != 2 {
			t.Fatalf("due mail = %+v", due)
		}
		return db, due
	}

	t.Run("mail waits until sent and a failure until its next attempt", func(t *testing.T) {
		db, due := twoMailsDue(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			if err := tx.MailSent(ctx, due[0].ID, t0); err != nil {
				return err
			}
			return tx.MailFailed(ctx, due[1].ID, "connection refused", t0.Add(time.Minute))
		})
		view(t, db, func(tx *hubdb.Tx) error {
			if got, err := tx.DueMail(ctx, t0.Add(time.Minute-time.Nanosecond), 10); err != nil || len(got) != 0 {
				t.Errorf("mail due before the retry = %+v, %v", got, err)
			}
			got, err := tx.DueMail(ctx, t0.Add(time.Minute), 10)
			if err != nil || len(got) != 1 || got[0].Recipient != "b@example.com" || got[0].Attempts != 1 {
				t.Errorf("mail due at the retry = %+v, %v", got, err)
			}
			return nil
		})
	})

	t.Run("an outbox row is claimed by one sender until its lease ends", func(t *testing.T) {
		db, due := twoMailsDue(t)
		claim := func(id int64, now time.Time) bool {
			var got bool
			inTx(t, db, func(tx *hubdb.Tx) (err error) {
				got, err = tx.ClaimMail(ctx, id, now, now.Add(5*time.Minute))
				return err
			})
			return got
		}
		for _, c := range []struct {
			what string
			id   int64
			at   time.Time
			want bool
		}{
			{"the first sender", due[0].ID, t0, true},
			{"a second sender, meanwhile", due[0].ID, t0.Add(time.Minute), false},
			{"a second sender, once the lease ended", due[0].ID, t0.Add(5 * time.Minute), true},
		} {
			if got := claim(c.id, c.at); got != c.want {
				t.Errorf("%s claimed it: %v, want %v", c.what, got, c.want)
			}
		}
		inTx(t, db, func(tx *hubdb.Tx) error { return tx.MailSent(ctx, due[1].ID, t0) })
		if claim(due[1].ID, t0.Add(time.Hour)) {
			t.Error("a sent e-mail was claimed")
		}
	})

	t.Run("due mail by kind", func(t *testing.T) {
		db := open(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			for i, k := range []string{"quote", "label-void", "receipt", "label-void"} {
				if err := tx.EnqueueMail(ctx, k, fmt.Sprint(i+1, " ", k), []byte(`{}`), t0); err != nil {
					return err
				}
			}
			return nil
		})
		kinds := func(ms []hubdb.Mail) (out []string) {
			for _, m := range ms {
				out = append(out, m.Recipient)
			}
			return out
		}
		view(t, db, func(tx *hubdb.Tx) error {
			for _, c := range []struct {
				name string
				due  func() ([]hubdb.Mail, error)
				want []string
			}{
				{"all", func() ([]hubdb.Mail, error) { return tx.DueMail(ctx, t0, 10) }, []string{"1 quote", "2 label-void", "3 receipt", "4 label-void"}},
				{"all but one kind", func() ([]hubdb.Mail, error) { return tx.DueMail(ctx, t0, 10, "label-void") }, []string{"1 quote", "3 receipt"}},
				{"all but two", func() ([]hubdb.Mail, error) { return tx.DueMail(ctx, t0, 10, "label-void", "quote") }, []string{"3 receipt"}},
				{"one kind", func() ([]hubdb.Mail, error) { return tx.DueMailOf(ctx, t0, "label-void", 10) }, []string{"2 label-void", "4 label-void"}},
				{"one kind, limited", func() ([]hubdb.Mail, error) { return tx.DueMailOf(ctx, t0, "label-void", 1) }, []string{"2 label-void"}},
				{"one kind, not due", func() ([]hubdb.Mail, error) { return tx.DueMailOf(ctx, t0.Add(-time.Second), "label-void", 10) }, nil},
			} {
				got, err := c.due()
				if err != nil || !slices.Equal(kinds(got), c.want) {
					t.Errorf("%s: due = %v, %v; want %v", c.name, kinds(got), err, c.want)
				}
			}
			return nil
		})
	})

	t.Run("a product has one valuation", func(t *testing.T) {
		db := open(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			return tx.PutValuation(ctx, hubdb.Valuation{ID: "v1", ProductID: "p", BaseValue: 40000, Doc: json.RawMessage(`{}`), CreatedAt: t0, UpdatedAt: t0})
		})
		err := db.InTx(ctx, func(tx *hubdb.Tx) error {
			return tx.PutValuation(ctx, hubdb.Valuation{ID: "v2", ProductID: "p", BaseValue: 1, Doc: json.RawMessage(`{}`), CreatedAt: t0, UpdatedAt: t0})
		})
		if !errors.Is(err, hubdb.ErrExists) {
			t.Errorf("a second valuation of p: %v, want ErrExists", err)
		}
		inTx(t, db, func(tx *hubdb.Tx) error { return tx.DeleteValuation(ctx, "v1") })
		if err := db.InTx(ctx, func(tx *hubdb.Tx) error { return tx.DeleteValuation(ctx, "v1") }); !errors.Is(err, hubdb.ErrNotFound) {
			t.Errorf("deleting it again: %v, want ErrNotFound", err)
		}
	})
}
