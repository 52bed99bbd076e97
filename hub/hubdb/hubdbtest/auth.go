package hubdbtest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// auth covers what decides who gets what: API keys with their names,
// prefixes, expiry and revocation, and the change log read for the
// entities one reader may see.
func auth(t *testing.T, open Opener) {
	ctx := context.Background()

	t.Run("API keys are kept as given and listed by id", func(t *testing.T) {
		db := open(t)
		var ids [2]int64
		inTx(t, db, func(tx *hubdb.Tx) (err error) {
			if ids[0], err = tx.InsertAPIKey(ctx, hubdb.APIKey{Hash: "hash-1", Name: "pricing feed", Prefix: "spk_live_AAAAAAAA",
				Scopes: []string{"buyback:read", "pricing:read"}, CreatedAt: t0.Add(250 * time.Millisecond),
				ExpiresAt: t0.Add(90 * 24 * time.Hour)}); err != nil {
				return err
			}
			ids[1], err = tx.InsertAPIKey(ctx, hubdb.APIKey{Hash: "hash-2", Scopes: []string{"webhooks:write"}, CreatedAt: t0})
			return err
		})
		if ids != [2]int64{1, 2} {
			t.Fatalf("ids %v, want [1 2]", ids)
		}
		view(t, db, func(tx *hubdb.Tx) error {
			keys, err := tx.APIKeys(ctx)
			if err != nil {
				return err
			}
			want := []string{
				"1 hash-1 \"pricing feed\" spk_live_AAAAAAAA [buyback:read pricing:read] created 2026-12-04T12:00:00.25Z expires 2027-03-04T12:00:00Z revoked -",
				"2 hash-2 \"\"  [webhooks:write] created 2026-12-04T12:00:00Z expires - revoked -",
			}
			if got := apiKeySummary(keys); !equal(got, want) {
				t.Errorf("APIKeys:\n%q\nwant\n%q", got, want)
			}
			k, err := tx.APIKeyByHash(ctx, "hash-1")
			if got := apiKeySummary([]hubdb.APIKey{k}); err != nil || !equal(got, want[:1]) {
				t.Errorf("APIKeyByHash(hash-1) = %q, %v", got, err)
			}
			k, err = tx.APIKeyByID(ctx, 2)
			if got := apiKeySummary([]hubdb.APIKey{k}); err != nil || !equal(got, want[1:]) {
				t.Errorf("APIKeyByID(2) = %q, %v", got, err)
			}
			if _, err := tx.APIKeyByHash(ctx, "hash-3"); !errors.Is(err, hubdb.ErrNotFound) {
				t.Errorf("APIKeyByHash(hash-3) error %v, want ErrNotFound", err)
			}
			if _, err := tx.APIKeyByID(ctx, 3); !errors.Is(err, hubdb.ErrNotFound) {
				t.Errorf("APIKeyByID(3) error %v, want ErrNotFound", err)
			}
			return nil
		})
	})

	t.Run("a key's hash is unique", func(t *testing.T) {
		db := open(t)
		key := hubdb.APIKey{Hash: "hash-1", Scopes: []string{"buyback:read"}, CreatedAt: t0}
		inTx(t, db, func(tx *hubdb.Tx) error {
			_, err := tx.InsertAPIKey(ctx, key)
			return err
		})
		err := db.InTx(ctx, func(tx *hubdb.Tx) error {
			_, err := tx.InsertAPIKey(ctx, key)
			return err
		})
		if err == nil {
			t.Fatal("a second key with the same hash was stored")
		}
	})

	t.Run("keys are found by their exact prefix, never by an empty one", func(t *testing.T) {
		db := open(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			for i, prefix := range []string{"spk_live_AAAAAAAA", "spk_live_AAAAAAAB", "spk_live_AAAAAAAA", "", ""} {
				if _, err := tx.InsertAPIKey(ctx, hubdb.APIKey{Hash: fmt.Sprint("hash-", i), Prefix: prefix,
					Scopes: []string{"buyback:read"}, CreatedAt: t0}); err != nil {
					return err
				}
			}
			return nil
		})
		view(t, db, func(tx *hubdb.Tx) error {
			for _, c := range []struct {
				prefix string
				want   []int64
			}{
				{"spk_live_AAAAAAAA", []int64{1, 3}},
				{"spk_live_AAAAAAAB", []int64{2}},
				{"spk_live_AAAAAAA", nil},
				{"spk_live_%", nil},
				{"", nil},
			} {
				keys, err := tx.APIKeysByPrefix(ctx, c.prefix)
				var got []int64
				for _, k := range keys {
					got = append(got, k.ID)
				}
				if err != nil || fmt.Sprint(got) != fmt.Sprint(c.want) {
					t.Errorf("APIKeysByPrefix(%q) = %v, %v; want %v", c.prefix, got, err, c.want)
				}
			}
			return nil
		})
	})

	t.Run("a key is revoked once and keeps its first revocation time", func(t *testing.T) {
		db := open(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			_, err := tx.InsertAPIKey(ctx, hubdb.APIKey{Hash: "hash-1", Scopes: []string{"buyback:read"}, CreatedAt: t0})
			return err
		})
		for _, c := range []struct {
			id      int64
			at      time.Time
			revoked bool
			err     error
		}{
			{1, t0.Add(time.Hour), true, nil},
			{1, t0.Add(2 * time.Hour), false, nil},
			{2, t0.Add(time.Hour), false, hubdb.ErrNotFound},
		} {
			var revoked bool
			err := db.InTx(ctx, func(tx *hubdb.Tx) (err error) {
				revoked, err = tx.RevokeAPIKey(ctx, c.id, c.at)
				return err
			})
			if revoked != c.revoked || !errors.Is(err, c.err) {
				t.Errorf("RevokeAPIKey(%d, %s) = %v, %v; want %v, %v", c.id, c.at.Format(time.RFC3339), revoked, err, c.revoked, c.err)
			}
		}
		view(t, db, func(tx *hubdb.Tx) error {
			k, err := tx.APIKeyByID(ctx, 1)
			want := time.Date(2026, 12, 4, 13, 0, 0, 0, time.UTC)
			if err != nil || !k.RevokedAt.Equal(want) {
				t.Errorf("revoked at %s, %v; want %s", k.RevokedAt.Format(time.RFC3339Nano), err, want.Format(time.RFC3339Nano))
			}
			return nil
		})
	})

	t.Run("a reader's changes hold only the entities it may see", func(t *testing.T) {
		db := open(t)
		inTx(t, db, func(tx *hubdb.Tx) error {
			if err := tx.PutVariants(ctx, []wire.Variant{{SKU: "APIP13128UN", Make: "Apple", Model: "iPhone 13", Storage: "128GB",
				Carrier: "Unlocked", Prices: intake.PriceTable{intake.ConditionGood: 30000}}}, t0); err != nil {
				return err
			}
			if err := tx.PutOperators(ctx, []wire.Operator{{ID: "op-1", Name: "Tess", Role: intake.RoleTechnician, PINHash: "h"},
				{ID: "op-2", Name: "Sam", Role: intake.RoleSupervisor}}, t0); err != nil {
				return err
			}
			if err := tx.PutTradeIns(ctx, []intake.TradeIn{tradeIn("a", "356938035643809", intake.StatusAccepted)}, t0); err != nil {
				return err
			}
			if err := tx.PutFlags(ctx, []hubdb.Flag{{Flag: intake.Flag{IMEI: "490154203237518", Kind: intake.FlagBlacklisted,
				Reason: "stolen", Since: t0}}}, t0); err != nil {
				return err
			}
			return tx.Delete(ctx, wire.EntityOperator, []string{"op-2"}, t0)
		})
		noOperators := []wire.Entity{wire.EntityTradeIn, wire.EntityFlag, wire.EntityVariant}
		every := []wire.Entity{wire.EntityTradeIn, wire.EntityFlag, wire.EntityOperator, wire.EntityVariant}
		view(t, db, func(tx *hubdb.Tx) error {
			for _, c := range []struct {
				entities []wire.Entity
				after    int64
				limit    int
				want     []string
			}{
				{every, 0, 10, []string{"1 variant APIP13128UN upsert", "2 operator op-1 upsert", "4 tradein a upsert",
					"5 imei_flag 490154203237518 upsert", "6 operator op-2 delete"}},
				{noOperators, 0, 10, []string{"1 variant APIP13128UN upsert", "4 tradein a upsert", "5 imei_flag 490154203237518 upsert"}},
				// The limit counts what the reader gets, not what it skips.
				{noOperators, 1, 2, []string{"4 tradein a upsert", "5 imei_flag 490154203237518 upsert"}},
				{noOperators, 5, 10, nil},
				{[]wire.Entity{wire.EntityOperator}, 0, 10, []string{"2 operator op-1 upsert", "6 operator op-2 delete"}},
				{nil, 0, 10, nil},
			} {
				changes, err := tx.ChangesOfAfter(ctx, c.entities, c.after, c.limit)
				if got := summary(changes); err != nil || !equal(got, c.want) {
					t.Errorf("ChangesOfAfter(%v, %d, %d) = %v, %v; want %v", c.entities, c.after, c.limit, got, err, c.want)
				}
				for _, ch := range changes {
					if (ch.Op == "upsert") != (ch.Doc != nil) {
						t.Errorf("change %d (%s) carries %q", ch.Seq, ch.Op, ch.Doc)
					}
				}
			}
			if _, err := tx.ChangesOfAfter(ctx, []wire.Entity{"tradein' OR 1=1 --"}, 0, 10); err == nil {
				t.Error("an unknown entity was read")
			}
			return nil
		})
	})
}

func apiKeySummary(keys []hubdb.APIKey) []string {
	var out []string
	at := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	for _, k := range keys {
		out = append(out, fmt.Sprintf("%d %s %q %s %v created %s expires %s revoked %s",
			k.ID, k.Hash, k.Name, k.Prefix, k.Scopes, at(k.CreatedAt), at(k.ExpiresAt), at(k.RevokedAt)))
	}
	return out
}
