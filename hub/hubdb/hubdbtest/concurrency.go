package hubdbtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// concurrency covers many writers at once: the change log's positions
// must follow commit order whatever order the writers started and
// finished in, so that a reader resuming after a position never skips a
// change committed later.
func concurrency(t *testing.T, open Opener) {
	ctx := context.Background()

	t.Run("readers that pull while writers commit in shuffled order miss nothing and see nothing twice", func(t *testing.T) {
		db := open(t)
		const writers, txPerWriter, entities = 16, 25, 60
		rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
		plans := make([][]int, writers) // each transaction's entity
		for w := range plans {
			for range txPerWriter {
				plans[w] = append(plans[w], rng.IntN(entities))
			}
		}
		done := make(chan struct{})
		type seen struct {
			last  int64
			state map[string]int64 // entity id → position seen last
		}
		const readers = 3
		views := make([]seen, readers)
		var rwg sync.WaitGroup
		errs := make(chan error, writers+readers)
		for r := range views {
			views[r].state = map[string]int64{}
			rwg.Go(func() {
				v := &views[r]
				pull := func() bool {
					var page []hubdb.Change
					err := db.View(ctx, func(tx *hubdb.Tx) (err error) {
						page, err = tx.ChangesAfter(ctx, v.last, 7)
						return err
					})
					if err != nil {
						errs <- err
						return false
					}
					for _, c := range page {
						if c.Seq <= v.last {
							errs <- fmt.Errorf("reader %d: position %d after %d", r, c.Seq, v.last)
						}
						v.last = c.Seq
						v.state[c.ID] = c.Seq
					}
					return len(page) > 0
				}
				for {
					select {
					case <-done:
						for pull() {
						}
						return
					default:
						pull()
					}
				}
			})
		}
		var wwg sync.WaitGroup
		for w, plan := range plans {
			wwg.Go(func() {
				for i, e := range plan {
					err := db.InTx(ctx, func(tx *hubdb.Tx) error {
						id := fmt.Sprintf("t%03d", e)
						doc := tradeIn(id, "", intake.StatusAccepted)
						doc.Reference = fmt.Sprintf("w%d-%d", w, i)
						if err := tx.PutTradeIns(ctx, []intake.TradeIn{doc}, t0); err != nil {
							return err
						}
						// Hold the transaction open a while, so that
						// writers overlap and would commit out of order.
						time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
						return nil
					})
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wwg.Wait()
		close(done)
		rwg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		var final []hubdb.Change
		view(t, db, func(tx *hubdb.Tx) (err error) {
			final, err = tx.ChangesOfAfter(ctx, []wire.Entity{wire.EntityTradeIn}, 0, 10_000)
			return err
		})
		want := map[string]int64{}
		for _, c := range final {
			want[c.ID] = c.Seq
		}
		for r, v := range views {
			if len(v.state) != len(want) {
				t.Errorf("reader %d saw %d trade-ins, the log holds %d", r, len(v.state), len(want))
			}
			for id, seq := range want {
				if v.state[id] != seq {
					t.Errorf("reader %d: trade-in %s last seen at %d, its latest change is at %d", r, id, v.state[id], seq)
				}
			}
		}
	})
}
