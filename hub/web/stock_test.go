package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/intake"
)

// The stock page sums the ledger per product: two iPhones in and one sent
// back leave one on the shelf; a SKU the catalog dropped still shows.
func TestStockPageSumsTheLedger(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	at := func(h int) time.Time { return time.Date(2026, 12, 1, h, 30, 0, 0, time.UTC) }
	require.NoError(t, e.hub.DB().InTx(ctx, func(tx *hubdb.Tx) error {
		for _, s := range []intake.StockEntry{
			{SKU: "prod_123", Delta: 1, Reason: intake.StockAccepted, TradeInID: "ti-1", At: at(9)},
			{SKU: "prod_123", Delta: 1, Reason: intake.StockWalkIn, TradeInID: "ti-2", At: at(10)},
			{SKU: "prod_123", Delta: -1, Reason: intake.StockReturned, TradeInID: "ti-1", At: at(14)},
			{SKU: "old_999", Delta: 1, Reason: intake.StockImported, At: at(8)},
		} {
			if err := tx.AppendStock(ctx, s); err != nil {
				return err
			}
		}
		return nil
	}))

	c, p := e.login(supervisor, superPIN)
	require.Equal(t, http.StatusSeeOther, p.status, p.body)
	page := e.get(c, "/dashboard/stock")
	require.Equal(t, http.StatusOK, page.status, page.body)
	assert.Contains(t, page.body, `href="/dashboard/stock" aria-current="page"`)
	var rows []string
	for _, m := range regexp.MustCompile(`(?s)<tr>\s*(<td>.*?)</tr>`).FindAllStringSubmatch(page.body, -1) {
		rows = append(rows, strings.ReplaceAll(regexp.MustCompile(`<td>(.*?)</td>`).ReplaceAllString(m[1], "$1|"), "\n", ""))
	}
	assert.Equal(t, []string{
		"old_999|not in the catalog|1|1|2026-12-01 08:30|",
		"prod_123|Apple iPhone 13 128GB · Unlocked|1|3|2026-12-01 14:30|",
	}, rows)

	assert.Equal(t, http.StatusSeeOther, e.get(e.client(), "/dashboard/stock").status, "staff only")
}
