package hub

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
)

// The hand-written page encoding must say what encoding/json would, for
// every entity and for ids that need escaping.
func TestPageEncodingMatchesTheWireTypes(t *testing.T) {
	tradeIn := []byte(`{"id":"t\"1","reference":"TI-1","status":"accepted","imei":"356938035643809"}`)
	flag := []byte(`{"imei":"356938035643809","kind":"blacklisted","reason":"stolen"}`)
	operator := []byte(`{"id":"op-1","name":"Zoë","role":"technician"}`)
	variant := []byte(`{"sku":"APL-IP13-128"}`)
	cases := []struct {
		name string
		page pageOut
	}{
		{"empty", pageOut{NextCursor: "h.0"}},
		{"every entity", pageOut{NextCursor: "h.7", HasMore: true, Changes: []changeOut{
			{Seq: 1, Entity: "tradein", Op: "upsert", ID: `t"1`, Doc: tradeIn},
			{Seq: 2, Entity: "imei_flag", Op: "upsert", ID: "356938035643809", Doc: flag},
			{Seq: 3, Entity: "operator", Op: "upsert", ID: "op-1", Doc: operator},
			{Seq: 4, Entity: "variant", Op: "upsert", ID: "APL-IP13-128", Doc: variant},
			{Seq: 5, Entity: "tradein", Op: "delete", ID: "t\\2\n\u00e9<&>"},
		}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got map[string]any
			require.NoError(t, json.Unmarshal(tc.page.appendJSON(nil), &got), "valid JSON")

			type change struct {
				Seq      int64           `json:"seq"`
				Entity   string          `json:"entity"`
				Op       string          `json:"op"`
				ID       string          `json:"id"`
				TradeIn  json.RawMessage `json:"trade_in,omitempty"`
				Flag     json.RawMessage `json:"flag,omitempty"`
				Operator json.RawMessage `json:"operator,omitempty"`
				Variant  json.RawMessage `json:"variant,omitempty"`
			}
			want := struct {
				Changes    []change `json:"changes"`
				NextCursor string   `json:"next_cursor"`
				HasMore    bool     `json:"has_more"`
			}{Changes: []change{}, NextCursor: tc.page.NextCursor, HasMore: tc.page.HasMore}
			for _, c := range tc.page.Changes {
				wc := change{Seq: c.Seq, Entity: c.Entity, Op: c.Op, ID: c.ID}
				switch wire.Entity(c.Entity) {
				case wire.EntityTradeIn:
					wc.TradeIn = c.Doc
				case wire.EntityFlag:
					wc.Flag = c.Doc
				case wire.EntityOperator:
					wc.Operator = c.Doc
				case wire.EntityVariant:
					wc.Variant = c.Doc
				}
				want.Changes = append(want.Changes, wc)
			}
			b, err := json.Marshal(want)
			require.NoError(t, err)
			var expected map[string]any
			require.NoError(t, json.Unmarshal(b, &expected))
			assert.Equal(t, expected, got)
		})
	}
}
