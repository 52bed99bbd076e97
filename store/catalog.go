package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/sqlitedb"
)

func upsertVariants(ctx context.Context, tx *sql.Tx, vs []intake.Variant, deleted []string, gen int64) error {
	for _, v := range vs {
		d := v.Device
		if d.SKU == "" || d.Make == "" || d.Model == "" {
			return fmt.Errorf("catalog variant %q lacks a SKU, make or model", d.SKU)
		}
		doc, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO catalog (sku, make, model, storage, carrier, doc, pull_gen) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (sku) DO UPDATE SET make = excluded.make, model = excluded.model, storage = excluded.storage,
				carrier = excluded.carrier, doc = excluded.doc, pull_gen = excluded.pull_gen`, d.SKU, d.Make, d.Model, d.Storage, d.Carrier, doc, gen); err != nil {
			return fmt.Errorf("catalog variant %s: %w", d.SKU, err)
		}
		if err := putTACs(ctx, tx, d.SKU, v.TACs); err != nil {
			return err
		}
	}
	for _, sku := range deleted {
		if _, err := tx.ExecContext(ctx, `DELETE FROM catalog WHERE sku = ?`, sku); err != nil {
			return fmt.Errorf("delete catalog variant %s: %w", sku, err)
		}
	}
	return nil
}

// putTACs replaces the TACs a variant lists for its model.
func putTACs(ctx context.Context, tx *sql.Tx, sku string, tacs []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM catalog_tacs WHERE sku = ?`, sku); err != nil {
		return fmt.Errorf("catalog variant %s: clear TACs: %w", sku, err)
	}
	for _, tac := range tacs {
		if !intake.ValidTAC(tac) {
			return fmt.Errorf("catalog variant %s: TAC %.20q is not 8 digits", sku, tac)
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO catalog_tacs (tac, sku) VALUES (?, ?)`, tac, sku); err != nil {
			return fmt.Errorf("catalog variant %s: TAC %s: %w", sku, tac, err)
		}
	}
	return nil
}

// ModelsByTAC returns the models the catalog lists a TAC for, by make and
// model; none for a TAC it does not know.
func (s *Store) ModelsByTAC(ctx context.Context, tac string) ([]intake.DeviceModel, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT DISTINCT c.make, c.model FROM catalog_tacs t JOIN catalog c ON c.sku = t.sku
		WHERE t.tac = ? ORDER BY c.make, c.model`, tac)
	if err != nil {
		return nil, fmt.Errorf("look up TAC %s: %w", tac, err)
	}
	defer rows.Close()
	var out []intake.DeviceModel
	for rows.Next() {
		var m intake.DeviceModel
		if err := rows.Scan(&m.Make, &m.Model); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Makes lists the catalog's makes, for the walk-in picker.
func (s *Store) Makes(ctx context.Context) ([]string, error) {
	return s.strings(ctx, `SELECT DISTINCT make FROM catalog ORDER BY make`)
}

// Models lists a make's models.
func (s *Store) Models(ctx context.Context, make string) ([]string, error) {
	return s.strings(ctx, `SELECT DISTINCT model FROM catalog WHERE make = ? ORDER BY model`, make)
}

// Variants lists a model's storage and carrier variants with their prices.
func (s *Store) Variants(ctx context.Context, make, model string) ([]intake.Variant, error) {
	return sqlitedb.QueryDocs[intake.Variant](ctx, s.read, "catalog variants",
		`SELECT doc FROM catalog WHERE make = ? AND model = ? ORDER BY storage, carrier`, make, model)
}

// Variant returns one catalog variant by SKU.
func (s *Store) Variant(ctx context.Context, sku string) (intake.Variant, error) {
	var doc []byte
	err := s.read.QueryRowContext(ctx, `SELECT doc FROM catalog WHERE sku = ?`, sku).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return intake.Variant{}, fmt.Errorf("catalog variant %s: %w", sku, intake.ErrNotFound)
	}
	if err != nil {
		return intake.Variant{}, err
	}
	var v intake.Variant
	return v, json.Unmarshal(doc, &v)
}

func (s *Store) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read catalog: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
