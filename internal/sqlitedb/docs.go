package sqlitedb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// Querier runs a query: a pool or a transaction.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// QueryRows runs a query and turns each row into a T with scan. what names
// the rows in errors ("photos of ti-1").
func QueryRows[T any](ctx context.Context, q Querier, what string, scan func(*sql.Rows) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	return out, nil
}

// QueryStrings runs a query of one text column (ids, keys, kinds).
func QueryStrings(ctx context.Context, q Querier, what, query string, args ...any) ([]string, error) {
	return QueryRows(ctx, q, what, func(rows *sql.Rows) (string, error) {
		var s string
		return s, rows.Scan(&s)
	}, query, args...)
}

// QueryDocs runs a query whose one column holds JSON documents and decodes
// each into a T.
func QueryDocs[T any](ctx context.Context, q Querier, what, query string, args ...any) ([]T, error) {
	return QueryRows(ctx, q, what, func(rows *sql.Rows) (T, error) {
		var v T
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return v, err
		}
		if err := json.Unmarshal(doc, &v); err != nil {
			return v, fmt.Errorf("decode: %w", err)
		}
		return v, nil
	}, query, args...)
}
