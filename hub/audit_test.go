package hub_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// auditHash is a head's hash, as a bench's HMAC looks: 64 hex digits.
func auditHash(c byte) string { return strings.Repeat(string(c), 64) }

// pushWithHead pushes the bench's next event with head, and requires the
// hub to take the push whatever the head says.
func pushWithHead(t *testing.T, h *hubtest.Hub, token, bench string, seq int64, head *wire.AuditHead) {
	t.Helper()
	ev := received(t, seq, tradeInOf(t, h, int(seq)), bench, time.Now().UTC())
	a := call(t, http.MethodPost, h.URL+"/v1/events", token, wire.PushRequest{Bench: bench, Events: []wire.Event{ev}, AuditHead: head})
	require.Len(t, results(t, a), 1, "the push is taken: a rewritten log is flagged, not refused")
}

func TestTheHubFlagsARewrittenAuditHistory(t *testing.T) {
	type head struct {
		seq  int64
		hash byte
	}
	type recorded struct {
		seq     int64
		rewrite string
	}
	tests := []struct {
		name  string
		heads []head // pushed in order, one push each; seq 0: no head
		want  []recorded
	}{
		{"a log that grows", []head{{1, 'a'}, {3, 'b'}, {7, 'c'}},
			[]recorded{{1, ""}, {3, ""}, {7, ""}}},
		{"a log that went back", []head{{5, 'a'}, {9, 'b'}, {4, 'c'}, {6, 'd'}},
			[]recorded{{5, ""}, {9, ""}, {4, "the log went back from entry 9 to entry 4"}, {6, ""}}},
		{"an entry rewritten", []head{{4, 'a'}, {4, 'b'}},
			[]recorded{{4, ""}, {4, "entry 4 changed its hash"}}},
		{"a head sent again is kept once", []head{{4, 'a'}, {4, 'a'}, {5, 'b'}},
			[]recorded{{4, ""}, {5, ""}}},
		{"a bench that sends no head", []head{{0, 0}, {2, 'a'}, {0, 0}},
			[]recorded{{2, ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := hubtest.New(t, hubtest.Config{TradeIns: 10})
			token := h.Enroll(t, "b1")
			for i, hd := range tt.heads {
				var wh *wire.AuditHead
				if hd.seq > 0 {
					wh = &wire.AuditHead{Seq: hd.seq, Hash: auditHash(hd.hash)}
				}
				pushWithHead(t, h, token, "b1", int64(i+1), wh)
			}
			heads, err := h.AuditHeads(context.Background(), "b1")
			require.NoError(t, err)
			var got []recorded
			for _, r := range heads {
				got = append(got, recorded{r.Seq, r.Rewrite})
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

// A bench is one history across its enrollments: enrolling again with a
// fresh database shows as a log that went back.
func TestAuditHeadsOutliveAnEnrollment(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 10})
	pushWithHead(t, h, h.Enroll(t, "b1"), "b1", 1, &wire.AuditHead{Seq: 40, Hash: auditHash('a')})
	pushWithHead(t, h, h.Enroll(t, "b2"), "b2", 1, &wire.AuditHead{Seq: 2, Hash: auditHash('b')})
	pushWithHead(t, h, h.Enroll(t, "b1"), "b1", 2, &wire.AuditHead{Seq: 3, Hash: auditHash('c')})

	heads, err := h.AuditHeads(context.Background(), "b1")
	require.NoError(t, err)
	require.Len(t, heads, 2)
	assert.Equal(t, "the log went back from entry 40 to entry 3", heads[1].Rewrite)
	assert.NotEqual(t, heads[0].TokenID, heads[1].TokenID, "each head says which enrollment sent it")
	benches, err := h.AuditBenches(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"b1", "b2"}, benches)
}

func TestAMalformedAuditHeadIsRefused(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 3})
	token := h.Enroll(t, "b1")
	for _, head := range []wire.AuditHead{{Seq: 0, Hash: auditHash('a')}, {Seq: 1, Hash: "short"}, {Seq: 1, Hash: auditHash('G')}} {
		ev := received(t, 1, tradeInOf(t, h, 1), "b1", time.Now().UTC())
		a := call(t, http.MethodPost, h.URL+"/v1/events", token, wire.PushRequest{Bench: "b1", Events: []wire.Event{ev}, AuditHead: &head})
		assert.Equal(t, http.StatusBadRequest, a.status, "%+v: %s", head, a.body)
	}
}
