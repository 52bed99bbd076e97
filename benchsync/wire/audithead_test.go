package wire_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/intakebench/intakebench/benchsync/wire"
)

func TestPushRequestAuditHead(t *testing.T) {
	event := `{"seq":1,"key":"7f0e2a3c-1b2d-4e5f-8a9b-0c1d2e3f4a5b","kind":"received","trade_in_id":"ti-1","operator":"op","bench":"b1","at":"2026-12-04T12:00:00Z","payload":{}}`
	tests := []struct {
		name string
		head string // the audit_head member, "" for none
		want string // in the error, "" for none
	}{
		{"none: a bench older than the field", "", ""},
		{"a head", `,"audit_head":{"seq":12,"hash":"` + strings.Repeat("0a", 32) + `"}`, ""},
		{"seq zero", `,"audit_head":{"seq":0,"hash":"` + strings.Repeat("0a", 32) + `"}`, "audit head seq 0"},
		{"upper-case hex", `,"audit_head":{"seq":1,"hash":"` + strings.Repeat("0A", 32) + `"}`, "64 lower-case hex digits"},
		{"short hash", `,"audit_head":{"seq":1,"hash":"abc"}`, "64 lower-case hex digits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req wire.PushRequest
			err := wire.Decode(bytes.NewReader([]byte(`{"bench":"b1","events":[`+event+`]`+tt.head+`}`)), wire.MaxPushBytes, &req)
			if tt.want == "" {
				assert.NoError(t, err)
				if tt.head != "" {
					assert.Equal(t, &wire.AuditHead{Seq: 12, Hash: strings.Repeat("0a", 32)}, req.AuditHead)
				}
			} else {
				assert.ErrorContains(t, err, tt.want)
			}
		})
	}
}
