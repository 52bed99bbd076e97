package wire_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/intake"
)

func validPage(t testing.TB) []byte {
	t.Helper()
	d := demo.Generate(2, 1, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	v := demo.Variants()[0]
	op := demo.Operators()[0]
	p := wire.ChangesPage{NextCursor: "abc.5", HasMore: true, Changes: []wire.Change{
		{Seq: 1, Entity: wire.EntityTradeIn, Op: wire.OpUpsert, ID: d.TradeIns[0].ID, TradeIn: &d.TradeIns[0]},
		{Seq: 2, Entity: wire.EntityVariant, Op: wire.OpUpsert, ID: v.SKU, Variant: &wire.Variant{SKU: v.SKU, Make: v.Model.Make, Model: v.Model.Name, Storage: v.Storage, Carrier: v.Carrier, Prices: v.Prices, TACs: v.Model.TACs}},
		{Seq: 3, Entity: wire.EntityOperator, Op: wire.OpUpsert, ID: op.ID, Operator: &wire.Operator{ID: op.ID, Name: op.Name, Role: op.Role, Badge: op.Badge}},
		{Seq: 4, Entity: wire.EntityFlag, Op: wire.OpUpsert, ID: "356938035643809", Flag: &intake.Flag{IMEI: "356938035643809", Kind: intake.FlagFinanceLocked, Reason: "balance", Since: time.Now()}},
		{Seq: 5, Entity: wire.EntityTradeIn, Op: wire.OpDelete, ID: d.TradeIns[1].ID},
		{Seq: 6, Entity: wire.EntityReview, Op: wire.OpUpsert, ID: d.TradeIns[0].ID, Review: &wire.Review{TradeInID: d.TradeIns[0].ID,
			State: intake.UnitRerouted, Grading: intake.Grading{TradeInID: d.TradeIns[0].ID, Bench: "bench-a", Operator: "op-tech-1"},
			Photos: []intake.Photo{{SHA256: "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03", Angle: "front"}}}},
		{Seq: 7, Entity: wire.EntityQuarantine, Op: wire.OpUpsert, ID: "ev-q1", Quarantine: &intake.QuarantinedDevice{Scan: "S/N: F17XQ9Z1HG7K",
			Bench: "bench-a", Operator: "op-tech-1", Reason: "no paperwork", EventKey: "ev-q1"}},
		{Seq: 8, Entity: wire.EntityReview, Op: wire.OpDelete, ID: "ti-decided"},
	}}
	b, err := json.Marshal(p)
	require.NoError(t, err)
	return b
}

func TestDecodeValidPage(t *testing.T) {
	b := validPage(t)
	var p wire.ChangesPage
	require.NoError(t, wire.Decode(bytes.NewReader(b), wire.MaxPageBytes, &p))
	require.Len(t, p.Changes, 8)
	assert.NotNil(t, p.Changes[0].TradeIn)
	assert.NotEmpty(t, p.Changes[1].Variant.Prices)
	assert.Equal(t, demo.Variants()[0].Model.TACs, p.Changes[1].Variant.TACs, "a variant carries its model's TACs")
	assert.Equal(t, intake.RoleTechnician, p.Changes[2].Operator.Role)
	assert.Equal(t, intake.FlagFinanceLocked, p.Changes[3].Flag.Kind)
	assert.Equal(t, wire.OpDelete, p.Changes[4].Op)
	assert.Equal(t, intake.UnitRerouted, p.Changes[5].Review.State)
	assert.Equal(t, "bench-a", p.Changes[5].Review.Grading.Bench)
	assert.Equal(t, "no paperwork", p.Changes[6].Quarantine.Reason)
	assert.Equal(t, wire.OpDelete, p.Changes[7].Op)
}

// A seller's phone is a trade-in with no IMEI, MEID or serial: a bench
// takes it (its device is received by a link made by hand).
func TestDecodeATradeInWithoutIdentifiers(t *testing.T) {
	b := edit(t, func(_ map[string]any, c []any) {
		for _, k := range []string{"imei", "imei2", "meid", "serial"} {
			delete(field(c, 0, "trade_in"), k)
		}
	})
	var p wire.ChangesPage
	require.NoError(t, wire.Decode(bytes.NewReader(b), wire.MaxPageBytes, &p))
	require.NotNil(t, p.Changes[0].TradeIn)
	assert.Empty(t, p.Changes[0].TradeIn.IMEI+p.Changes[0].TradeIn.Serial)
}

// edit decodes the valid page into generic JSON, lets fn change it and
// encodes it again.
func edit(t *testing.T, fn func(page map[string]any, changes []any)) []byte {
	t.Helper()
	var page map[string]any
	require.NoError(t, json.Unmarshal(validPage(t), &page))
	fn(page, page["changes"].([]any))
	b, err := json.Marshal(page)
	require.NoError(t, err)
	return b
}

func field(changes []any, i int, keys ...string) map[string]any {
	m := changes[i].(map[string]any)
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name string
		body func(t *testing.T) []byte
		want string
	}{
		{"unknown status", func(t *testing.T) []byte {
			return edit(t, func(_ map[string]any, c []any) { field(c, 0, "trade_in")["status"] = "teleported" })
		}, `unknown status "teleported"`},
		{"unknown role", func(t *testing.T) []byte {
			return edit(t, func(_ map[string]any, c []any) { field(c, 2, "operator")["role"] = "root" })
		}, `unknown role "root"`},
		{"unknown flag kind", func(t *testing.T) []byte {
			return edit(t, func(_ map[string]any, c []any) { field(c, 3, "flag")["kind"] = "cursed" })
		}, `unknown kind "cursed"`},
		{"unknown condition in prices", func(t *testing.T) []byte {
			return edit(t, func(_ map[string]any, c []any) { field(c, 1, "variant", "prices")["mint"] = 5 })
		}, `unknown condition "mint"`},
		{"negative price", func(t *testing.T) []byte {
			return edit(t, func(_ map[string]any, c []any) { field(c, 1, "variant", "prices")["good"] = -1 })
		}, "negative good price"},
		{"a TAC that is not 8 digits", func(t *testing.T) []byte {
			return edit(t, func(_ map[string]any, c []any) { field(c, 1, "variant")["tacs"] = []any{"35392110", "3539211"} })
		}, `TAC "3539211" is not 8 digits`},
		{"a TAC that is not digits", func(t *testing.T) []byte {
			return edit(t, func(_ map[string]any, c []any) { field(c, 1, "variant")["tacs"] = []any{"3539211x"} })
		}, `TAC "3539211x" is not 8 digits`},
		{"a TAC that is a number", func(t *testing.T) []byte {
			return edit(t, func(_ map[string]any, c []any) { field(c, 1, "variant")["tacs"] = []any{35392110} })
		}, "malformed JSON"},
		{"unknown entity", func(t *testing.T) []byte {
			return edit(t, func(_ map[string]any, c []any) { field(c, 4)["entity"] = "spaceship" })
		}, `unknown entity "spaceship"`},
		{"unknown op", func(t *testing.T) []byte {
			return edit(t, func(_ map[string]any, c []any) { field(c, 4)["op"] = "explode" })
		}, `unknown op "explode"`},
		{"a delete with a body", func(t *testing.T) []byte {
			return edit(t, func(_ map[string]any, c []any) { field(c, 4)["trade_in"] = field(c, 0, "trade_in") })
		}, "a delete carries an entity"},
		{"an upsert without a body", func(t *testing.T) []byte {
			return edit(t, func(_ map[string]any, c []any) { delete(field(c, 0), "trade_in") })
		}, "carries 0 entities"},
		{"id that is not the entity's", func(t *testing.T) []byte {
			return edit(t, func(_ map[string]any, c []any) { field(c, 0)["id"] = "ti-other" })
		}, "does not match its tradein"},
		{"sequence going back", func(t *testing.T) []byte {
			return edit(t, func(_ map[string]any, c []any) { field(c, 3)["seq"] = 1 })
		}, "does not follow"},
		{"no cursor", func(t *testing.T) []byte {
			return edit(t, func(p map[string]any, _ []any) { delete(p, "next_cursor") })
		}, "next_cursor is missing"},
		{"a string where a number goes", func(t *testing.T) []byte {
			return edit(t, func(_ map[string]any, c []any) { field(c, 0)["seq"] = "one" })
		}, "malformed JSON"},
		{"control characters in an id", func(t *testing.T) []byte {
			return edit(t, func(_ map[string]any, c []any) { field(c, 4)["id"] = "ti\x00" })
		}, "control characters"},
		{"a review that waits for no supervisor", func(t *testing.T) []byte {
			return edit(t, func(_ map[string]any, c []any) { field(c, 5, "review")["state"] = "declined" })
		}, `is "declined", not waiting for a supervisor`},
		{"a review with another trade-in's grading", func(t *testing.T) []byte {
			return edit(t, func(_ map[string]any, c []any) { field(c, 5, "review", "grading")["trade_in_id"] = "ti-2" })
		}, `comes with the grading of "ti-2"`},
		{"a review without its grading's bench", func(t *testing.T) []byte {
			return edit(t, func(_ map[string]any, c []any) { delete(field(c, 5, "review", "grading"), "bench") })
		}, "no grading bench"},
		{"a photo by another name", func(t *testing.T) []byte {
			return edit(t, func(_ map[string]any, c []any) {
				field(c, 5, "review")["photos"] = []any{map[string]any{"sha256": "../etc", "angle": "front"}}
			})
		}, `photo 0: "../etc" is no SHA-256`},
		{"a review of another trade-in than its id", func(t *testing.T) []byte {
			return edit(t, func(_ map[string]any, c []any) { field(c, 5)["id"] = "ti-other" })
		}, "does not match its review"},
		{"a quarantine keyed by another event", func(t *testing.T) []byte {
			return edit(t, func(_ map[string]any, c []any) { field(c, 6)["id"] = "ev-other" })
		}, "does not match its quarantine"},
		{"a quarantine of too many identifiers", func(t *testing.T) []byte {
			return edit(t, func(_ map[string]any, c []any) {
				ids := make([]any, 17)
				for i := range ids {
					ids[i] = map[string]any{"kind": "serial", "value": fmt.Sprint("S", i)}
				}
				field(c, 6, "quarantine")["identifiers"] = ids
			})
		}, "17 identifiers, more than 16"},
		{"two values", func(t *testing.T) []byte { return append(validPage(t), validPage(t)...) }, "data after the value"},
		{"not JSON", func(*testing.T) []byte { return []byte("\x00\x01garbage") }, "malformed JSON"},
		{"nothing", func(*testing.T) []byte { return nil }, "malformed JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p wire.ChangesPage
			err := wire.Decode(bytes.NewReader(tt.body(t)), wire.MaxPageBytes, &p)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestDecodeLimit(t *testing.T) {
	b := validPage(t)
	var p wire.ChangesPage
	err := wire.Decode(bytes.NewReader(b), int64(len(b)-1), &p)
	assert.ErrorIs(t, err, wire.ErrTooLarge)
	padded := append(append([]byte{}, b...), bytes.Repeat([]byte(" "), 100)...)
	assert.ErrorIs(t, wire.Decode(bytes.NewReader(padded), int64(len(b)+10), &p), wire.ErrTooLarge, "trailing bytes count too")
	require.NoError(t, wire.Decode(bytes.NewReader(b), int64(len(b)), &p))
}

func event(seq int64) wire.Event {
	return wire.Event{Seq: seq, Key: uuid.NewString(), Kind: intake.EventReceived, TradeInID: "ti-1", Operator: "op", Bench: "b",
		At: time.Now(), Payload: json.RawMessage(`{"trade_in_id":"ti-1"}`)}
}

func TestPushRequestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*wire.PushRequest)
		want string
	}{
		{"valid", func(*wire.PushRequest) {}, ""},
		{"no events", func(r *wire.PushRequest) { r.Events = nil }, "0 events"},
		{"not consecutive", func(r *wire.PushRequest) { r.Events[1].Seq = 9 }, "consecutive"},
		{"a key that is no UUID", func(r *wire.PushRequest) { r.Events[0].Key = "key-1" }, "not a UUID"},
		{"a payload that is no JSON", func(r *wire.PushRequest) { r.Events[0].Payload = json.RawMessage("{") }, "not JSON"},
		{"no time", func(r *wire.PushRequest) { r.Events[0].At = time.Time{} }, "no time"},
		{"no bench", func(r *wire.PushRequest) { r.Bench = "" }, "no bench"},
		{"seq zero", func(r *wire.PushRequest) { r.Events[0].Seq = 0 }, "positive"},
		{"a receipt without its trade-in", func(r *wire.PushRequest) { r.Events[0].TradeInID = "" }, "no trade_in_id"},
		{"a quarantine, about a device, not a trade-in", func(r *wire.PushRequest) {
			r.Events[0].Kind, r.Events[0].TradeInID = intake.EventQuarantined, ""
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := wire.PushRequest{Bench: "b", Events: []wire.Event{event(1), event(2)}}
			tt.edit(&r)
			err := r.Validate()
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestPushResponseAnswers(t *testing.T) {
	req := wire.PushRequest{Bench: "b", Events: []wire.Event{event(4), event(5)}}
	ok := wire.PushResponse{Results: []wire.EventResult{
		{Seq: 4, Key: req.Events[0].Key, Status: wire.StatusApplied},
		{Seq: 5, Key: req.Events[1].Key, Status: wire.StatusDuplicate, Original: wire.StatusRejected, Code: wire.RejectAlreadyReceived},
	}}
	require.NoError(t, ok.Validate())
	require.NoError(t, ok.Answers(req))
	assert.True(t, ok.Results[1].Rejected(), "a duplicate of a rejection is a rejection")

	swapped := wire.PushResponse{Results: []wire.EventResult{ok.Results[1], ok.Results[0]}}
	assert.ErrorContains(t, swapped.Answers(req), "names event 5")
	noCode := wire.PushResponse{Results: []wire.EventResult{{Seq: 4, Key: "k", Status: wire.StatusRejected}}}
	assert.ErrorContains(t, noCode.Validate(), "without a code")
}

// FuzzDecodePage feeds Decode arbitrary bytes: it never panics, and a page
// it accepts holds only what the contract allows, encodes again and decodes
// again to the same page.
func FuzzDecodePage(f *testing.F) {
	valid := validPage(f)
	f.Add(valid)
	f.Add([]byte(`{"changes":[],"next_cursor":"a.0","has_more":false}`))
	f.Add([]byte(`{"changes":[{"seq":1,"entity":"tradein","op":"delete","id":"ti-1"}],"next_cursor":"a.1","has_more":true}`))
	f.Add([]byte(`{"changes":[],"next_cursor":"a.0","has_more":true}`))
	f.Add([]byte(strings.Replace(string(valid), `"shipped"`, `"lost"`, 1)))
	f.Add([]byte(`{"changes":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var p wire.ChangesPage
		if err := wire.Decode(bytes.NewReader(b), wire.MaxPageBytes, &p); err != nil {
			return
		}
		for _, c := range p.Changes {
			if c.Op == wire.OpUpsert && c.TradeIn == nil && c.Flag == nil && c.Operator == nil && c.Variant == nil &&
				c.Review == nil && c.Quarantine == nil {
				t.Fatalf("accepted an upsert without its entity: %+v", c)
			}
			if c.TradeIn != nil && !c.TradeIn.Status.Valid() {
				t.Fatalf("accepted status %q", c.TradeIn.Status)
			}
			if c.Review != nil && !c.Review.State.AwaitsSupervisor() {
				t.Fatalf("accepted a review in state %q", c.Review.State)
			}
		}
		again, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var q wire.ChangesPage
		if err := wire.Decode(bytes.NewReader(again), wire.MaxPageBytes, &q); err != nil {
			t.Fatalf("an accepted page does not decode again: %v", err)
		}
		if len(q.Changes) != len(p.Changes) || q.NextCursor != p.NextCursor || q.HasMore != p.HasMore {
			t.Fatalf("the page changed in a round trip")
		}
	})
}

func TestVariantTACs(t *testing.T) {
	v := demo.Variants()[0]
	variant := func(tacs []string) *wire.Variant {
		return &wire.Variant{SKU: v.SKU, Make: v.Model.Make, Model: v.Model.Name, Storage: v.Storage, Carrier: v.Carrier, Prices: v.Prices, TACs: tacs}
	}
	many := make([]string, wire.MaxVariantTACs+1)
	for i := range many {
		many[i] = fmt.Sprintf("35%06d", i)
	}
	tests := []struct {
		name string
		tacs []string
		want string // "" for valid
	}{
		{"none: TAC lists are optional", nil, ""},
		{"the demo model's", v.Model.TACs, ""},
		{"leading zeros", []string{"01234567"}, ""},
		{"as many as allowed", many[:wire.MaxVariantTACs], ""},
		{"seven digits", []string{"3539211"}, "is not 8 digits"},
		{"nine digits", []string{"353921100"}, "is not 8 digits"},
		{"a whole IMEI", []string{"353921100000005"}, "is not 8 digits"},
		{"blank", []string{""}, "is not 8 digits"},
		{"padded", []string{" 35392110"}, "is not 8 digits"},
		{"non-ASCII digits", []string{"３５３９２１１０"}, "is not 8 digits"},
		{"a control character", []string{"3539211\x00"}, "is not 8 digits"},
		{"too many", many, "more than 1024"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := variant(tt.tacs).Validate()
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.want)
			assert.ErrorContains(t, err, v.SKU, "says which variant")
		})
	}
}
