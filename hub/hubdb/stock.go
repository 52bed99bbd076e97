package hubdb

import (
	"context"
	"database/sql"
	"time"

	"github.com/intakebench/intakebench/internal/dbtime"
	"github.com/intakebench/intakebench/internal/sqlitedb"
)

// StockLevel is a product's stock as its ledger sums it, with the
// catalog's name for it (empty for a SKU the catalog no longer lists).
type StockLevel struct {
	SKU                           string
	Make, Model, Storage, Carrier string
	InStock                       int64
	Movements                     int64
	LastMoved                     time.Time
}

// StockLevels lists every product that ever moved through stock, by SKU.
func (tx *Tx) StockLevels(ctx context.Context) ([]StockLevel, error) {
	return sqlitedb.QueryRows(ctx, tx.tx, "stock levels", func(rows *sql.Rows) (StockLevel, error) {
		var l StockLevel
		var mk, model, storage, carrier sql.NullString
		var last string
		err := rows.Scan(&l.SKU, &mk, &model, &storage, &carrier, &l.InStock, &l.Movements, &last)
		l.Make, l.Model, l.Storage, l.Carrier = mk.String, model.String, storage.String, carrier.String
		if err != nil {
			return l, err
		}
		l.LastMoved, err = dbtime.Parse(last)
		return l, err
	}, `SELECT s.sku, v.make, v.model, v.storage, v.carrier, s.n, s.moves, s.last
		FROM (SELECT sku, CAST(sum(delta) AS BIGINT) AS n, CAST(count(*) AS BIGINT) AS moves, max(at) AS last
			FROM stock_entries GROUP BY sku) s
		LEFT JOIN variants v ON v.sku = s.sku ORDER BY s.sku`)
}
