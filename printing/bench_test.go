package printing_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/printer/printertest"
	"github.com/intakebench/intakebench/printing"
	"github.com/intakebench/intakebench/store"
)

// BenchmarkReceiptToLabelAtPrinter measures, per device, the time from
// the receipt's commit to the label's bytes at a Zebra on loopback: the
// label laid out, recorded, queued durably, sent and taken. make bench
// prints the median (target: 50 ms at most).
func BenchmarkReceiptToLabelAtPrinter(b *testing.B) {
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	require.NoError(b, err)
	defer s.Close()
	z := printertest.NewZebra(b)
	svc := printing.New(s, time.Now)
	st, err := svc.Settings(ctx)
	require.NoError(b, err)
	st.LabelPrinter = z.Target()
	require.NoError(b, svc.SaveSettings(ctx, st))
	const n = 50
	bench := intake.NewBench(s, "bench-7", time.Now, func() string { return fmt.Sprint(time.Now().UnixNano()) })
	tech := intake.Operator{ID: "op", Role: intake.RoleTechnician}
	var took []time.Duration
	printed := 0
	for round := 0; b.Loop(); round++ {
		// Each round receives n new devices: a receipt is made once.
		var tradeIns []intake.TradeIn
		for i := range n {
			body := fmt.Sprintf("3569%04d%06d", round, i)
			d, err := intake.LuhnCheckDigit(body)
			require.NoError(b, err)
			tradeIns = append(tradeIns, intake.TradeIn{ID: fmt.Sprint("t", round, "-", i), Reference: fmt.Sprint("TI-", round, "-", i),
				Status: intake.StatusShipped, IMEI: body + string(d), Device: intake.Device{Make: "Apple", Model: "iPhone 13", Storage: "128GB"},
				UpdatedAt: time.Now()})
		}
		require.NoError(b, s.ApplyChanges(ctx, store.Changes{TradeIns: tradeIns}, fmt.Sprint("c", round)))
		for _, t := range tradeIns {
			_, err := bench.Receive(ctx, tech, t.IMEI) // committed when it returns
			require.NoError(b, err)
			start := time.Now()
			_, err = svc.PrintUnit(ctx, t.ID)
			require.NoError(b, err)
			_, err = svc.Spool().SendDue(ctx)
			require.NoError(b, err)
			printed++
			_, err = z.WaitJobs(ctx, printed)
			require.NoError(b, err)
			took = append(took, time.Since(start))
		}
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(took[len(took)*9/10].Microseconds())/1000, "ms-p90")
}
