package wire

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzPushRequest feeds the hub's push decoding whatever a hostile bench
// could send: it must never panic, and what it accepts must survive a
// round trip unchanged, so the hub applies exactly what it validated.
func FuzzPushRequest(f *testing.F) {
	f.Add([]byte(`{"bench":"b1","events":[{"seq":1,"key":"7f1c2a1e-3b4d-4c5e-8f60-718293a4b5c6","kind":"tradein.received","trade_in_id":"ti-1","operator":"op-1","bench":"b1","at":"2026-12-04T12:00:00Z","payload":{"imei":"356938035643809"}}]}`))
	f.Add([]byte(`{"bench":"b1","events":[{"seq":9223372036854775807,"key":"7f1c2a1e-3b4d-4c5e-8f60-718293a4b5c6","kind":"x","trade_in_id":"t","operator":"o","bench":"b1","at":"0001-01-01T00:00:01Z","payload":null,"grant":"a.b","proof":"c"}]}`))
	f.Add([]byte(`{"bench":"b1","events":[]}`))
	f.Add([]byte(`{"bench":"","events":[{"seq":-1}]}`))
	f.Add([]byte(`{"events":[{"payload":{"trade_in":{"offer":9000000000000000000},"payload":{"amount":-500000}}}]}`))
	f.Add([]byte("{\"bench\":\"b\\u0000\"}"))
	f.Fuzz(func(t *testing.T, body []byte) {
		var req PushRequest
		if err := Decode(bytes.NewReader(body), MaxPushBytes, &req); err != nil {
			return
		}
		again, err := json.Marshal(req)
		if err != nil {
			t.Fatalf("an accepted request does not encode: %v", err)
		}
		var back PushRequest
		if err := Decode(bytes.NewReader(again), MaxPushBytes, &back); err != nil {
			t.Fatalf("an accepted request, encoded again, is refused: %v\n%s", err, again)
		}
		if len(back.Events) != len(req.Events) || back.Bench != req.Bench {
			t.Fatalf("round trip changed the request: %+v vs %+v", req, back)
		}
		for i := range req.Events {
			a, b := req.Events[i], back.Events[i]
			if a.Seq != b.Seq || a.Key != b.Key || a.Kind != b.Kind || !a.At.Equal(b.At) || !bytes.Equal(compact(t, a.Payload), compact(t, b.Payload)) {
				t.Fatalf("round trip changed event %d: %+v vs %+v", i, a, b)
			}
		}
	})
}

func compact(t *testing.T, raw json.RawMessage) []byte {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatalf("accepted payload is not JSON: %v", err)
	}
	return b.Bytes()
}
