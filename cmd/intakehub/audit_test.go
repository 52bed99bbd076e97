package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
)

// pushHeads pushes one event of bench per head, each push carrying it, as
// a bench's sync does.
func pushHeads(t *testing.T, h *hubtest.Hub, bench string, heads ...wire.AuditHead) {
	t.Helper()
	ctx := context.Background()
	client, err := benchsync.NewClient(h.URL, h.Enroll(t, bench))
	require.NoError(t, err)
	for i, head := range heads {
		ti, err := h.TradeIn(ctx, fmt.Sprintf("ti-%08d", i+1))
		require.NoError(t, err)
		at := time.Date(2026, 12, 4, 12, i, 0, 0, time.UTC)
		key := uuid.NewString()
		payload, err := json.Marshal(intake.Receipt{TradeInID: ti.ID, IMEI: ti.IMEI, Operator: "op-tech-1", Bench: bench, At: at, EventKey: key})
		require.NoError(t, err)
		_, err = client.Push(ctx, wire.PushRequest{Bench: bench, AuditHead: &head, Events: []wire.Event{{Seq: int64(i + 1), Key: key,
			Kind: intake.EventReceived, TradeInID: ti.ID, Operator: "op-tech-1", Bench: bench, At: at, Payload: payload}}})
		require.NoError(t, err)
	}
}

func TestAuditVerify(t *testing.T) {
	h := hubtest.New(t, hubtest.Config{TradeIns: 5})
	hash := func(c string) string { return strings.Repeat(c, 64) }
	pushHeads(t, h, "honest", wire.AuditHead{Seq: 3, Hash: hash("a")}, wire.AuditHead{Seq: 8, Hash: hash("b")})
	pushHeads(t, h, "rewritten", wire.AuditHead{Seq: 5, Hash: hash("c")}, wire.AuditHead{Seq: 5, Hash: hash("d")},
		wire.AuditHead{Seq: 2, Hash: hash("e")})

	verify := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"audit", "verify", "--db", h.Path}, args...), &out, &errOut)
		return out.String(), err
	}
	out, err := verify("--bench", "honest")
	require.NoError(t, err)
	assert.Contains(t, out, "bench honest: 2 audit heads")
	assert.Contains(t, out, "latest: entry 8, hash "+hash("b"))
	assert.Contains(t, out, "every head extends the one before it")

	out, err = verify("--bench", "rewritten")
	assert.EqualError(t, err, "audit history rewritten: rewritten (2 times)")
	assert.Contains(t, out, ": entry 5 changed its hash\n    before: entry 5, hash "+hash("c"))
	assert.Contains(t, out, ": the log went back from entry 5 to entry 2\n")

	out, err = verify("--all")
	assert.EqualError(t, err, "audit history rewritten: rewritten (2 times)", "every bench is verified")
	assert.Contains(t, out, "bench honest: 2 audit heads")
	assert.Contains(t, out, "  entry 3, hash "+hash("a"))

	_, err = verify("--bench", "nobody")
	assert.ErrorContains(t, err, "bench nobody has sent no head of its audit log")

	var errOut bytes.Buffer
	assert.ErrorIs(t, run(context.Background(), []string{"audit", "--db", h.Path}, &bytes.Buffer{}, &errOut), errUsage)
	assert.Contains(t, errOut.String(), "usage: intakehub audit verify")
}
