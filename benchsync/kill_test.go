package benchsync_test

import (
	"bufio"
	"context"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/hub"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/hubtest"
	"github.com/intakebench/intakebench/store"
)

// hubSecretKey is the key, base64 without padding, that seals the webhook
// secrets of the kill tests' hubs (INTAKEHUB_SECRET_KEY).
const hubSecretKey = "c2VjcmV0IGtleSBvZiB0aGUga2lsbCB0ZXN0cyEhISE"

// hubProcess is the real intakehub binary serving a database file.
type hubProcess struct {
	bin, db string
	cmd     *exec.Cmd
}

func (p *hubProcess) run(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command(p.bin, args...).Output()
	require.NoError(t, err, "intakehub %s", strings.Join(args, " "))
	return strings.TrimSpace(string(out))
}

// serve starts the hub on addr, with extra flags, and returns its URL once
// it listens. The hub's log goes to log when it is not nil.
func (p *hubProcess) serve(t testing.TB, addr string, log io.Writer, extra ...string) string {
	t.Helper()
	for attempt := 0; ; attempt++ {
		p.cmd = exec.Command(p.bin, append([]string{"serve", "--db", p.db, "--addr", addr, "--rate", "0", "--retention", "0"}, extra...)...)
		// Every process of a hub shares the key that seals webhook
		// secrets; a PostgreSQL hub keeps none beside its database.
		p.cmd.Env = append(os.Environ(), "INTAKEHUB_SECRET_KEY="+hubSecretKey)
		p.cmd.Stderr = log
		stdout, err := p.cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, p.cmd.Start())
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if u, ok := strings.CutPrefix(strings.TrimSpace(line), "intakehub: listening on "); ok && err == nil {
			return u
		}
		p.cmd.Wait()
		require.Less(t, attempt, 20, "the hub does not start: %q %v", line, err)
		time.Sleep(50 * time.Millisecond) // the port is still held by the killed process's sockets
	}
}

func (p *hubProcess) kill(t testing.TB) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
	_ = p.cmd.Wait()
	ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	require.True(t, ok && ws.Signaled(), "the hub died of SIGKILL")
}

// TestHubKilledMidPushLosesNothingAcknowledged kills the real hub process
// with SIGKILL again and again while a bench pushes its outbox. Whatever the
// hub answered before it died is on its disk after the restart, and in the
// end every event is applied exactly once.
func TestHubKilledMidPushLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("kill rounds build and kill the hub for seconds: runs without -short")
	}
	dir := t.TempDir()
	p := &hubProcess{bin: filepath.Join(dir, "intakehub"), db: hubtest.DSN(t)}
	build := exec.Command("go", "build", "-o", p.bin, "github.com/intakebench/intakebench/cmd/intakehub")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())
	p.run(t, "seed", "--db", p.db, "--demo", "--tradeins", "1600")
	code := p.run(t, "enroll-bench", "kill-bench", "--db", p.db)
	hubURL := p.serve(t, "127.0.0.1:0", nil)
	defer func() { _ = p.cmd.Process.Kill(); _ = p.cmd.Wait() }()
	u, err := url.Parse(hubURL)
	require.NoError(t, err)

	ctx := context.Background()
	enroller, err := benchsync.NewClient(hubURL, "")
	require.NoError(t, err)
	enrolled, err := enroller.Enroll(ctx, code, "kill-bench")
	require.NoError(t, err)
	st, err := store.Open(ctx, filepath.Join(dir, "bench.db"))
	require.NoError(t, err)
	defer st.Close()
	client, err := benchsync.NewClient(hubURL, enrolled.Token, benchsync.WithRequestTimeout(2*time.Second))
	require.NoError(t, err)
	engine := benchsync.New(st, client, "kill-bench", benchsync.WithBatch(20, 1000),
		benchsync.WithRetry(3, 5*time.Millisecond, 50*time.Millisecond), benchsync.WithInterval(20*time.Millisecond))
	_, err = engine.RunOnce(ctx)
	require.NoError(t, err)

	svc := intake.NewBench(st, "kill-bench", time.Now, uuid.NewString)
	created := map[string]bool{}
	for i := 1; i <= 1600 && len(created) < 1500; i++ {
		ti, err := st.TradeIn(ctx, tradeInID(i))
		require.NoError(t, err)
		if _, flagged, err := st.FlagFor(ctx, ti.IMEI); err != nil || flagged {
			require.NoError(t, err)
			continue
		}
		r, err := svc.Receive(ctx, tech, ti.IMEI)
		require.NoError(t, err)
		created[r.EventKey] = true
	}

	runCtx, stop := context.WithCancel(ctx)
	runDone := make(chan error, 1)
	go func() { runDone <- engine.Run(runCtx) }()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	kills := 0
	for {
		pending, err := st.CountPending(ctx)
		require.NoError(t, err)
		if pending == 0 {
			break
		}
		require.Less(t, kills, 200, "the outbox does not drain")
		time.Sleep(time.Duration(20+rng.IntN(150)) * time.Millisecond)
		p.kill(t)
		kills++
		// Everything settled now was acknowledged by the hub before it died.
		acked := settledKeys(t, st, created)
		h, err := hub.Open(ctx, p.db, hub.Config{})
		require.NoError(t, err)
		recorded, err := h.BenchEvents(ctx, "kill-bench")
		require.NoError(t, err)
		require.NoError(t, h.Close())
		onDisk := map[string]bool{}
		for _, e := range recorded {
			onDisk[e.Key] = true
		}
		for key := range acked {
			require.True(t, onDisk[key], "kill %d: event %s was acknowledged, then lost", kills, key)
		}
		t.Logf("kill %d: %d acknowledged, %d on the hub's disk", kills, len(acked), len(recorded))
		p.serve(t, u.Host, nil)
	}
	stop()
	require.ErrorIs(t, <-runDone, context.Canceled)
	require.Positive(t, kills)

	h, err := hub.Open(ctx, p.db, hub.Config{})
	require.NoError(t, err)
	defer h.Close()
	recorded, err := h.BenchEvents(ctx, "kill-bench")
	require.NoError(t, err)
	require.Len(t, recorded, len(created), "every event is on the hub, once")
	for n, e := range recorded {
		assert.EqualValues(t, n+1, e.Seq)
		assert.True(t, created[e.Key])
		assert.Equal(t, wire.StatusApplied, e.Status, "event %d: %s", e.Seq, e.Code)
	}
	t.Logf("%d events pushed through %d kills of the hub", len(recorded), kills)
}

// settledKeys returns the keys of created that are no longer pending.
func settledKeys(t *testing.T, st *store.Store, created map[string]bool) map[string]bool {
	t.Helper()
	pending, err := st.PendingEvents(context.Background(), len(created)+1)
	require.NoError(t, err)
	settled := make(map[string]bool, len(created))
	for k := range created {
		settled[k] = true
	}
	for _, e := range pending {
		delete(settled, e.Key)
	}
	return settled
}
