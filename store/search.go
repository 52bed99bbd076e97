package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/intakebench/intakebench/intake"
)

// FindTradeIns finds cached trade-ins by any part of a customer's name, a
// reference or a tracking number, in any case and without accents
// ("lovel", "zoe muller", "ti-10", the last digits of a tracking number):
// a trade-in whose reference or tracking number is the term exactly, else
// those holding every word of the term. Words shorter than
// intake.MinSearchLen are left out; a term with no longer word is an
// *intake.SearchTooShortError. It reads indexes only (migration 0009's
// trigram index), so it answers in milliseconds however many trade-ins are
// cached.
func (s *Store) FindTradeIns(ctx context.Context, term string, limit int) ([]intake.TradeIn, error) {
	term = strings.TrimSpace(term)
	found, err := s.tradeIns(ctx, `SELECT doc FROM tradeins WHERE reference = ?1 OR tracking = ?1 LIMIT ?2`, term, limit)
	if err != nil || len(found) > 0 {
		return found, err
	}
	words, err := intake.SearchWords(term)
	if err != nil {
		return nil, err
	}
	deferred, err := s.SearchIndexing(ctx)
	if err != nil {
		return nil, err
	}
	if deferred {
		return s.scanTradeIns(ctx, words, limit)
	}
	return s.tradeIns(ctx, `SELECT t.doc FROM tradein_search JOIN tradeins t ON t.rowid = tradein_search.rowid
		WHERE tradein_search MATCH ?1 LIMIT ?2`, searchQuery(words), limit)
}

// scanTradeIns is FindTradeIns without the search index, while an initial
// pull has it deferred (DeferCacheIndexes): every word in the reference,
// tracking number or name, read row by row. SQLite's LIKE ignores the case
// of ASCII letters only, so "zoe" misses "Zoë" until the index is back.
func (s *Store) scanTradeIns(ctx context.Context, words []string, limit int) ([]intake.TradeIn, error) {
	var where []string
	args := []any{limit}
	for _, w := range words {
		args = append(args, "%"+escapeLike(w)+"%")
		n := len(args)
		where = append(where, fmt.Sprintf(`(reference LIKE ?%[1]d ESCAPE '\' OR tracking LIKE ?%[1]d ESCAPE '\' OR customer LIKE ?%[1]d ESCAPE '\')`, n))
	}
	return s.tradeIns(ctx, `SELECT doc FROM tradeins WHERE `+strings.Join(where, " AND ")+` ORDER BY rowid LIMIT ?1`, args...)
}

func escapeLike(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '%' || r == '_' || r == '\\' {
			b.WriteRune('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// searchQuery is the full-text query for words: each a quoted string (so
// that no word is read as query syntax), all of them required.
func searchQuery(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
	}
	return strings.Join(quoted, " AND ")
}
