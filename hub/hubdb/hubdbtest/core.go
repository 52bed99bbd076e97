package hubdbtest

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// t0 is a whole second: the sub-second cases below sit on either side of it.
var t0 = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

func tradeIn(id, imei string, status intake.Status) intake.TradeIn {
	return intake.TradeIn{ID: id, Reference: "TI-" + id, Status: status, IMEI: imei, Offer: 12_500, UpdatedAt: t0}
}

// core covers the hub's own operations: trade-ins, receipts, the change
// log, tokens, events, blobs.
func core(t *testing.T, open Opener) {
	ctx := context.Background()

	t.Run("trade-ins are stored as given and found by IMEI", func(t *testing.T) {
		db := open(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			return tx.PutTradeIns(ctx, []intake.TradeIn{
				tradeIn("a", "356938035643809", intake.StatusAccepted),
				tradeIn("b", "356938035643809", intake.StatusCompleted),
				tradeIn("c", "490154203237518", intake.StatusAccepted),
			}, t0)
		})
		view(t, db, func(tx *hubdb.Tx) error {
			got, err := tx.TradeIn(ctx, "a")
			if err != nil || got.Reference != "TI-a" || got.Offer != 12_500 || !got.UpdatedAt.Equal(t0) {
				t.Errorf("TradeIn(a) = %+v, %v", got, err)
			}
			if _, err := tx.TradeIn(ctx, "nope"); !errors.Is(err, hubdb.ErrNotFound) {
				t.Errorf("TradeIn(nope) error %v, want ErrNotFound", err)
			}
			holders, err := tx.TradeInsOfIMEI(ctx, "356938035643809", "a")
			if err != nil || len(holders) != 1 || holders[0].ID != "b" {
				t.Errorf("TradeInsOfIMEI except a = %+v, %v; want [b]", holders, err)
			}
			return nil
		})
	})

	t.Run("the change log keeps each entity's latest change in commit order", func(t *testing.T) {
		db := open(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			return tx.PutTradeIns(ctx, []intake.TradeIn{tradeIn("a", "", intake.StatusAccepted), tradeIn("b", "", intake.StatusAccepted)}, t0)
		})
		inTx(t, db, func(tx *hubdb.Tx) error {
			a := tradeIn("a", "", intake.StatusReceived)
			return tx.SaveTradeIn(ctx, a)
		})
		var changes []hubdb.Change
		view(t, db, func(tx *hubdb.Tx) (err error) {
			changes, err = tx.ChangesAfter(ctx, 0, 10)
			return err
		})
		got := summary(changes)
		want := []string{"2 tradein b upsert", "3 tradein a upsert"}
		if !equal(got, want) {
			t.Fatalf("changes %v, want %v", got, want)
		}
		var doc intake.TradeIn
		if err := json.Unmarshal(changes[1].Doc, &doc); err != nil || doc.Status != intake.StatusReceived {
			t.Fatalf("a's change carries %s (%v), want its received state", changes[1].Doc, err)
		}
		view(t, db, func(tx *hubdb.Tx) error {
			page, err := tx.ChangesAfter(ctx, 2, 10)
			if got := summary(page); err != nil || !equal(got, []string{"3 tradein a upsert"}) {
				t.Errorf("after 2: %v, %v", got, err)
			}
			top, err := tx.HighWater(ctx)
			if err != nil || top != 3 {
				t.Errorf("high-water mark %d, %v; want 3", top, err)
			}
			return nil
		})
	})

	t.Run("a delete leaves a tombstone that compaction removes by time", func(t *testing.T) {
		db := open(t)
		flag := hubdb.Flag{Flag: intake.Flag{IMEI: "356938035643809", Kind: intake.FlagBlacklisted, Reason: "stolen", Since: t0}}
		inTx(t, db, func(tx *hubdb.Tx) error { return tx.PutFlags(ctx, []hubdb.Flag{flag}, t0) })
		// Deleted half a second after t0: stored times must compare as
		// times, so a cutoff at t0 keeps it and one at t0+1s removes it.
		inTx(t, db, func(tx *hubdb.Tx) error {
			return tx.Delete(ctx, wire.EntityFlag, []string{"356938035643809", "490154203237518"}, t0.Add(500*time.Millisecond))
		})
		view(t, db, func(tx *hubdb.Tx) error {
			changes, err := tx.ChangesAfter(ctx, 0, 10)
			if got := summary(changes); err != nil || !equal(got, []string{"2 imei_flag 356938035643809 delete"}) || changes[0].Doc != nil {
				t.Errorf("after the delete: %v, %v", got, err)
			}
			if _, err := tx.Flag(ctx, "356938035643809"); !errors.Is(err, hubdb.ErrNotFound) {
				t.Errorf("deleted flag still found: %v", err)
			}
			return nil
		})
		for _, c := range []struct {
			cutoff  time.Time
			removed int64
			horizon int64
		}{
			{t0, 0, 0},
			{t0.Add(500 * time.Millisecond), 0, 0},
			{t0.Add(time.Second), 1, 2},
			{t0.Add(time.Hour), 0, 2},
		} {
			var removed int64
			inTx(t, db, func(tx *hubdb.Tx) (err error) {
				removed, err = tx.CompactTombstones(ctx, c.cutoff)
				return err
			})
			var horizon, top int64
			view(t, db, func(tx *hubdb.Tx) (err error) {
				if horizon, err = tx.Horizon(ctx); err != nil {
					return err
				}
				top, err = tx.HighWater(ctx)
				return err
			})
			if removed != c.removed || horizon != c.horizon || top != 2 {
				t.Errorf("compact before %s: removed %d, horizon %d, high-water %d; want %d, %d, 2",
					c.cutoff.Format(time.RFC3339Nano), removed, horizon, top, c.removed, c.horizon)
			}
		}
	})

	t.Run("one receipt per trade-in", func(t *testing.T) {
		db := open(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			return tx.PutTradeIns(ctx, []intake.TradeIn{tradeIn("a", "356938035643809", intake.StatusReceived), tradeIn("b", "", intake.StatusAccepted)}, t0)
		})
		first := intake.Receipt{TradeInID: "a", IMEI: "356938035643809", Operator: "op-1", Bench: "b1", At: t0.Add(250 * time.Millisecond), EventKey: "k1"}
		inTx(t, db, func(tx *hubdb.Tx) error { return tx.InsertReceipt(ctx, first) })
		err := db.InTx(ctx, func(tx *hubdb.Tx) error {
			return tx.InsertReceipt(ctx, intake.Receipt{TradeInID: "a", IMEI: "356938035643809", Operator: "op-2", Bench: "b2", At: t0, EventKey: "k2"})
		})
		if err == nil {
			t.Fatal("a second receipt of one trade-in was stored")
		}
		view(t, db, func(tx *hubdb.Tx) error {
			r, found, err := tx.Receipt(ctx, "a")
			if err != nil || !found || r.Bench != "b1" || !r.At.Equal(first.At) || r.EventKey != "k1" {
				t.Errorf("Receipt(a) = %+v, %v, %v", r, found, err)
			}
			if _, found, err := tx.Receipt(ctx, "b"); found || err != nil {
				t.Errorf("Receipt(b) found %v, %v", found, err)
			}
			r, found, err = tx.ReceiptInProgress(ctx, "356938035643809", "b")
			if err != nil || !found || r.TradeInID != "a" {
				t.Errorf("ReceiptInProgress = %+v, %v, %v; want a's", r, found, err)
			}
			if _, found, _ := tx.ReceiptInProgress(ctx, "356938035643809", "a"); found {
				t.Error("ReceiptInProgress found the excepted trade-in's own receipt")
			}
			return nil
		})
	})

	t.Run("a receipt is found by the unit label its bench printed", func(t *testing.T) {
		db := open(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			if err := tx.PutTradeIns(ctx, []intake.TradeIn{tradeIn("a", "356938035643809", intake.StatusReceived)}, t0); err != nil {
				return err
			}
			return tx.InsertReceipt(ctx, intake.Receipt{TradeInID: "a", IMEI: "356938035643809", Operator: "op-1", Bench: "b1", At: t0,
				EventKey: "0b9f3e2a-1c4d-4e5f-8a6b-7c8d9e0f1a2b"})
		})
		view(t, db, func(tx *hubdb.Tx) error {
			// UnitIDFor("0b9f3e2a-…"), as intake's test works it out.
			if id, err := tx.TradeInOfLabel(ctx, "U-5936715130527394"); err != nil || id != "a" {
				t.Errorf("TradeInOfLabel = %q, %v; want a", id, err)
			}
			if _, err := tx.TradeInOfLabel(ctx, "U-0068609408775028"); !errors.Is(err, hubdb.ErrNotFound) {
				t.Errorf("an unprinted label: %v, want ErrNotFound", err)
			}
			return nil
		})
	})

	t.Run("photos come oldest first across a second's boundary", func(t *testing.T) {
		db := open(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			if _, err := tx.InsertBlob(ctx, "ab", "image/jpeg", []byte("x"), "b1", t0); err != nil {
				return err
			}
			for i, at := range []time.Time{t0.Add(time.Second), t0.Add(500 * time.Millisecond), t0} {
				p := hubdb.PhotoRecord{EventKey: string(rune('a' + i)), TradeInID: "a", Bench: "b1",
					Photo: intake.Photo{SHA256: "ab", Angle: "front", MIME: "image/jpeg", Operator: "op-1", TakenAt: at}}
				if err := tx.InsertPhoto(ctx, p); err != nil {
					return err
				}
			}
			return nil
		})
		view(t, db, func(tx *hubdb.Tx) error {
			ps, err := tx.Photos(ctx, "a")
			if err != nil || len(ps) != 3 || !ps[0].TakenAt.Equal(t0) || !ps[1].TakenAt.Equal(t0.Add(500*time.Millisecond)) {
				t.Errorf("photos %+v, %v; want t0, t0+0.5s, t0+1s", ps, err)
			}
			return nil
		})
	})

	t.Run("bench tokens, their streams and events", func(t *testing.T) {
		db := open(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			return tx.InsertBenchToken(ctx, "b1", "hash-1", []string{"catalog:read", "intake:write"}, t0)
		})
		var tok hubdb.BenchToken
		view(t, db, func(tx *hubdb.Tx) (err error) {
			tok, err = tx.BenchTokenByHash(ctx, "hash-1")
			return err
		})
		if tok.Bench != "b1" || tok.Revoked || tok.LastSeq != 0 || !equal(tok.Scopes, []string{"catalog:read", "intake:write"}) {
			t.Fatalf("token %+v", tok)
		}
		inTx(t, db, func(tx *hubdb.Tx) error {
			if err := tx.InsertEvent(ctx, hubdb.Event{TokenID: tok.ID, Bench: "b1", Seq: 1, Key: "k1", BodyHash: "h1", Kind: "received",
				TradeInID: "a", Operator: "op-1", At: t0, Payload: []byte(`{}`), Status: "applied", Result: []byte(`{"seq":1}`), ReceivedAt: t0}); err != nil {
				return err
			}
			return tx.SetLastSeq(ctx, tok.ID, 1)
		})
		err := db.InTx(ctx, func(tx *hubdb.Tx) error {
			return tx.InsertEvent(ctx, hubdb.Event{TokenID: tok.ID, Bench: "b1", Seq: 2, Key: "k1", BodyHash: "h2", Kind: "graded",
				Payload: []byte(`{}`), Status: "applied", Result: []byte(`{}`), At: t0, ReceivedAt: t0})
		})
		if err == nil {
			t.Fatal("an event key was stored twice")
		}
		var n int64
		inTx(t, db, func(tx *hubdb.Tx) (err error) {
			n, err = tx.RevokeBenchTokens(ctx, "b1", t0)
			return err
		})
		view(t, db, func(tx *hubdb.Tx) error {
			e, err := tx.EventByKey(ctx, "k1")
			if err != nil || e.Bench != "b1" || e.Seq != 1 || e.BodyHash != "h1" || string(e.Result) != `{"seq":1}` {
				t.Errorf("EventByKey = %+v, %v", e, err)
			}
			if _, err := tx.EventByKey(ctx, "k9"); !errors.Is(err, hubdb.ErrNotFound) {
				t.Errorf("EventByKey(k9): %v", err)
			}
			tok, err := tx.BenchTokenByID(ctx, tok.ID)
			if err != nil || !tok.Revoked || tok.LastSeq != 1 {
				t.Errorf("after revoking: %+v, %v", tok, err)
			}
			return nil
		})
		if n != 1 {
			t.Fatalf("revoked %d tokens, want 1", n)
		}
	})

	t.Run("blobs are stored once by content hash", func(t *testing.T) {
		db := open(t)
		var first, again bool
		inTx(t, db, func(tx *hubdb.Tx) (err error) {
			if first, err = tx.InsertBlob(ctx, "cd", "image/png", []byte{1, 2, 3}, "b1", t0); err != nil {
				return err
			}
			again, err = tx.InsertBlob(ctx, "cd", "text/plain", []byte{9}, "b2", t0)
			return err
		})
		if !first || again {
			t.Fatalf("created %v then %v, want true then false", first, again)
		}
		view(t, db, func(tx *hubdb.Tx) error {
			data, mime, err := tx.Blob(ctx, "cd")
			if err != nil || mime != "image/png" || string(data) != "\x01\x02\x03" {
				t.Errorf("Blob = %v %q %v", data, mime, err)
			}
			return nil
		})
	})

	t.Run("the database keeps its name", func(t *testing.T) {
		db := open(t)
		var a, b string
		inTx(t, db, func(tx *hubdb.Tx) (err error) {
			a, err = tx.Instance(ctx)
			return err
		})
		inTx(t, db, func(tx *hubdb.Tx) (err error) {
			b, err = tx.Instance(ctx)
			return err
		})
		if a == "" || a != b || len(a) != 12 {
			t.Fatalf("instance %q then %q", a, b)
		}
	})
}

func summary(cs []hubdb.Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, itoa(c.Seq)+" "+c.Entity+" "+c.ID+" "+c.Op)
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func equal(a, b []string) bool { return slices.Equal(a, b) }
