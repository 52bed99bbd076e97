package intake

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MinSearchLen is the fewest characters of a word searched for in the
// trade-ins (a customer's name, a reference, a tracking number): the
// bench's index is of trigrams, and two letters of a name would find half
// the cache anyway.
const MinSearchLen = 3

// SearchTooShortError is a search with no word of MinSearchLen characters.
type SearchTooShortError struct{ Term string }

func (e *SearchTooShortError) Error() string {
	return fmt.Sprintf("%q is too short to search for: type at least %d letters or digits of a name, reference or tracking number",
		e.Term, MinSearchLen)
}

// SearchWords splits a search for trade-ins into the words to look for,
// leaving out those shorter than MinSearchLen ("A Lovelace" looks for
// "Lovelace"); a *SearchTooShortError when none is long enough.
func SearchWords(term string) ([]string, error) {
	var words []string
	for _, w := range strings.Fields(term) {
		if utf8.RuneCountInString(w) >= MinSearchLen {
			words = append(words, w)
		}
	}
	if len(words) == 0 {
		return nil, &SearchTooShortError{Term: strings.TrimSpace(term)}
	}
	return words, nil
}
