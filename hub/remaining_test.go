package hub_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// The first page of a read from the start says how many changes of the
// reader's view follow it, for a bench's progress bar; later pages, and a
// page that ends the log, say nothing. A page begins with where the log
// goes on, for a bench to ask for the next page while it decodes this one.
func TestFirstPageSaysHowManyChangesFollow(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 40, Unlimited: true})
	// The demo catalog and staff come with every hub; operators are only
	// in the view of a bench that logs them in.
	all := h.Seeded.TradeIns + h.Seeded.Flags + h.Seeded.Variants + h.Seeded.Operators
	for _, tt := range []struct {
		name   string
		scopes []string
		view   int
	}{
		{"a receiving bench", wire.BenchScopes, all},
		{"a catalog reader", []string{wire.ScopeCatalogRead}, all - h.Seeded.Operators},
	} {
		t.Run(tt.name, func(t *testing.T) {
			token := h.Enroll(t, "reader", tt.scopes...)
			first := pull(t, h, token, "", 10)
			assert.Equal(t, []int64{10, int64(tt.view - 10)}, []int64{int64(len(first.Changes)), first.Remaining})
			second := pull(t, h, token, first.NextCursor, 10)
			assert.Equal(t, int64(0), second.Remaining, "only the first page counts")
			whole := pull(t, h, token, "", wire.MaxPageChanges)
			assert.Equal(t, []any{tt.view, false, int64(0)}, []any{len(whole.Changes), whole.HasMore, whole.Remaining})

			a := call(t, "GET", h.URL+"/v1/changes?limit=10", token, nil)
			next, more, ok := wire.PeekPage(a.body)
			assert.Equal(t, []any{first.NextCursor, true, true}, []any{next, more, ok})
		})
	}
}
