package wire_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/intake"
)

// hubFormPage writes a page as the hub does: cursor first, compact, each
// trade-in as json.Marshal writes it.
func hubFormPage(t testing.TB, tradeIns ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"next_cursor":"h.9.0.i","has_more":true,"remaining":7,"changes":[`)
	for i, doc := range tradeIns {
		if i > 0 {
			b.WriteByte(',')
		}
		var ti intake.TradeIn
		require.NoError(t, json.Unmarshal([]byte(doc), &ti))
		id, err := json.Marshal(ti.ID)
		require.NoError(t, err)
		b.WriteString(`{"seq":` + string(rune('1'+i)) + `,"entity":"tradein","op":"upsert","id":` + string(id) + `,"trade_in":` + doc + `}`)
	}
	b.WriteString(`,{"seq":8,"entity":"imei_flag","op":"upsert","id":"356938035643809","flag":{"imei":"356938035643809","kind":"blacklisted","reason":"stolen","since":"2026-11-01T00:00:00Z"}}`)
	b.WriteString(`,{"seq":9,"entity":"tradein","op":"delete","id":"ti-gone"}`)
	b.WriteString(`,{"seq":10,"entity":"review","op":"upsert","id":"ti-gone","review":{"tradein_id":"ti-gone","state":"photos-requested",` +
		`"grading":{"trade_in_id":"ti-gone","operator":"op-1","bench":"bench-1","at":"2026-11-02T00:00:00Z","inspection":{},"grade":{},"decision":{},"event_key":"ev-g"},` +
		`"photos":[{"sha256":"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03","angle":"front","mime":"image/jpeg","operator":"op-1","taken_at":"2026-11-02T00:00:00Z"}]}}`)
	b.WriteString(`,{"seq":11,"entity":"quarantine","op":"upsert","id":"ev-q","quarantine":{"scan":"S/N: F17XQ9Z1HG7K","identifiers":[{"kind":"serial","value":"F17XQ9Z1HG7K"}],` +
		`"operator":"op-1","bench":"bench-1","at":"2026-11-02T00:00:00Z","reason":"no paperwork","event_key":"ev-q"}}`)
	b.WriteString(`,{"seq":12,"entity":"review","op":"delete","id":"ti-decided"}]}`)
	return b.String()
}

// demoDocs are two demo trade-ins as the hub keeps them (json.Marshal:
// "AT&T" comes as "AT\u0026T"), without what a bench is not sent.
func demoDocs(t testing.TB) []string {
	t.Helper()
	d := demo.Generate(2, 1, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	var docs []string
	for _, ti := range d.TradeIns {
		ti.Customer.Email, ti.Source = "", ""
		ti.Receipt = &intake.Receipt{TradeInID: ti.ID, IMEI: ti.IMEI, Operator: "op-1", Bench: "bench-1", At: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)}
		ti.Device.Carrier = "AT&T"
		b, err := json.Marshal(ti)
		require.NoError(t, err)
		docs = append(docs, string(b))
	}
	return docs
}

// TestDecodeChangesPageAsEncodingJSON holds the page decoder to
// encoding/json: whatever the form of a page, it decodes to what
// encoding/json makes of it, or both refuse it; only a page in the hub's
// own form keeps its trade-ins' JSON.
func TestDecodeChangesPageAsEncodingJSON(t *testing.T) {
	docs := demoDocs(t)
	hub := hubFormPage(t, docs...)
	for _, tc := range []struct {
		name     string
		body     string
		keepDocs bool
		refused  string
	}{
		{"the hub's form", hub, true, ""},
		{"indented", indent(t, hub), true, ""},
		{"changes first, as encoding/json writes a page", `{"changes":[],"next_cursor":"c1","has_more":false}`, true, ""},
		{"a name in another alphabet, escaped", strings.Replace(hub, `"name":"`, `"name":"\u00c9lodie \u0416 `, 1), true, ""},
		{"a name with invalid UTF-8, mended", strings.Replace(hub, `"name":"`, "\"name\":\"\xff\xfe", 1), true, ""},
		{"a member the hub keeps to itself", strings.Replace(hub, `"reference":`, `"source":"demo","reference":`, 1), false, ""},
		{"a member repeated", strings.Replace(hub, `"status":"`, `"status":"received","status":"`, 1), false, ""},
		{"an object repeated", strings.Replace(hub, `"device":{`, `"device":{"make":"Nokia"},"device":{`, 1), false, ""},
		{"a key in other case", strings.Replace(hub, `"imei2":`, `"IMEI2":`, 1), false, ""},
		{"a null receipt", strings.Replace(hub, `"receipt":{`, `"receipt":null,"x":{`, 1), false, ""},
		{"an unknown condition's price", strings.Replace(hub, `"prices":{`, `"prices":{"mint":5,`, 1), false, "malformed JSON"},
		{"an offer with cents after a point", strings.Replace(hub, `"offer":`, `"offer":1.5,"o":`, 1), false, "malformed JSON"},
		{"a cursor repeated", strings.Replace(hub, `"has_more":true`, `"has_more":true,"next_cursor":"other.1"`, 1), false, ""},
		{"data after the page", hub + `{}`, false, "data after the value"},
		{"truncated", hub[:len(hub)/2], false, "malformed JSON"},
		{"a control character in a string", strings.Replace(hub, `"reference":"`, "\"reference\":\"\x01", 1), false, "malformed JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var fast, slow wire.ChangesPage
			kept, err := wire.DecodeChangesPage(strings.NewReader(tc.body), wire.MaxPageBytes, &fast)
			serr := wire.Decode(strings.NewReader(tc.body), wire.MaxPageBytes, &slow)
			if tc.refused != "" {
				require.Error(t, serr)
				require.ErrorContains(t, err, tc.refused)
				return
			}
			require.NoError(t, serr)
			require.NoError(t, err)
			assert.Equal(t, slow, fast)
			if !tc.keepDocs {
				assert.Nil(t, kept)
				return
			}
			require.Len(t, kept, len(fast.Changes))
			for i, c := range fast.Changes {
				if c.TradeIn == nil {
					assert.Nil(t, kept[i], "change %d carries no trade-in", i)
					continue
				}
				var back intake.TradeIn
				require.NoError(t, json.Unmarshal(kept[i], &back))
				assert.Equal(t, *c.TradeIn, back, "change %d: the JSON kept is the trade-in decoded", i)
			}
		})
	}
}

func TestDecodeChangesPageKeepsTheHubsJSON(t *testing.T) {
	docs := demoDocs(t)
	var p wire.ChangesPage
	kept, err := wire.DecodeChangesPage(strings.NewReader(hubFormPage(t, docs...)), wire.MaxPageBytes, &p)
	require.NoError(t, err)
	assert.Equal(t, []string{docs[0], docs[1], "", ""}, []string{string(kept[0]), string(kept[1]), string(kept[2]), string(kept[3])})
	assert.Equal(t, int64(7), p.Remaining)
	assert.Equal(t, "AT&T", p.Changes[0].TradeIn.Device.Carrier)
}

func TestDecodeChangesPageRefusesAnOversizedPage(t *testing.T) {
	var p wire.ChangesPage
	_, err := wire.DecodeChangesPage(strings.NewReader(hubFormPage(t, demoDocs(t)...)), 100, &p)
	require.ErrorIs(t, err, wire.ErrTooLarge)
}

func TestPeekPage(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		next string
		more bool
		ok   bool
	}{
		{"the hub's form", `{"next_cursor":"h.9.0.i","has_more":true,"changes":[]}`, "h.9.0.i", true, true},
		{"the last page", ` { "next_cursor" : "h.9.0.i" , "has_more" : false , "changes" : [ ] } `, "h.9.0.i", false, true},
		{"a hub that writes the cursor last", `{"changes":[],"next_cursor":"c1","has_more":false}`, "", false, false},
		{"has_more first", `{"has_more":true,"next_cursor":"c1","changes":[]}`, "", false, false},
		{"not a page", `[1,2]`, "", false, false},
		{"empty", ``, "", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next, more, ok := wire.PeekPage([]byte(tc.body))
			assert.Equal(t, []any{tc.next, tc.more, tc.ok}, []any{next, more, ok})
		})
	}
}

func indent(t testing.TB, s string) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, json.Indent(&b, []byte(s), "", "  "))
	return b.String()
}

// FuzzDecodeChangesPage holds the page decoder to encoding/json on any
// input: both accept it, with the same page, or both refuse it; and the
// JSON it keeps of a trade-in decodes to that trade-in.
func FuzzDecodeChangesPage(f *testing.F) {
	docs := demoDocs(f)
	f.Add([]byte(hubFormPage(f, docs...)))
	f.Add([]byte(hubFormPage(f, docs[0])))
	f.Add([]byte(`{"changes":[],"next_cursor":"c1","has_more":false}`))
	f.Add([]byte(`{"next_cursor":"c1","has_more":false,"changes":[{"seq":1,"entity":"tradein","op":"delete","id":"t"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast, slow wire.ChangesPage
		kept, err := wire.DecodeChangesPage(bytes.NewReader(body), wire.MaxPageBytes, &fast)
		serr := wire.Decode(bytes.NewReader(body), wire.MaxPageBytes, &slow)
		if (err == nil) != (serr == nil) {
			t.Fatalf("the page decoder says %v, encoding/json %v", err, serr)
		}
		if err != nil {
			return
		}
		if !assert.ObjectsAreEqual(slow, fast) {
			t.Fatalf("the page decoder read %+v, encoding/json %+v", fast, slow)
		}
		for i, doc := range kept {
			if doc == nil {
				continue
			}
			var back intake.TradeIn
			if err := json.Unmarshal(doc, &back); err != nil || !assert.ObjectsAreEqual(*fast.Changes[i].TradeIn, back) {
				t.Fatalf("change %d: the JSON kept decodes to %+v (%v), not %+v", i, back, err, *fast.Changes[i].TradeIn)
			}
		}
	})
}
