package store

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/intake"
)

// The crash test re-runs this test binary as a child that records receipts
// and prints "ack <trade-in id>" only after each commit has returned; the
// parent kills it with SIGKILL at random moments and checks that every
// acknowledged receipt survived, once, in a database that is still whole.
const crashChildEnv = "INTAKEBENCH_CRASH_CHILD_DB"

func TestMain(m *testing.M) {
	if path := os.Getenv(crashChildEnv); path != "" {
		if err := crashChild(path); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func crashChild(path string) error {
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		return err
	}
	keys := 0
	bench := intake.NewBench(s, "crash-bench", time.Now, func() string {
		keys++
		return fmt.Sprintf("%d-%d-%d", os.Getpid(), time.Now().UnixNano(), keys)
	})
	op := intake.Operator{ID: "op-crash", Name: "Crash", Role: intake.RoleTechnician}
	out := bufio.NewWriter(os.Stdout)
	for i := 1; ; i++ {
		t, err := s.TradeIn(ctx, fmt.Sprintf("ti-%08d", i))
		if err != nil {
			break // every trade-in received
		}
		_, err = bench.Receive(ctx, op, t.IMEI)
		if err != nil {
			continue // received before an earlier kill
		}
		fmt.Fprintf(out, "ack %s\n", t.ID)
		if err := out.Flush(); err != nil {
			return err
		}
	}
	time.Sleep(time.Hour) // wait for the kill
	return nil
}

func TestCrashNeverLosesAnAcknowledgedReceipt(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test kills 50 child processes: runs without -short")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "crash.db")
	s, err := Open(ctx, path)
	require.NoError(t, err)
	data := demo.Generate(4000, 7, time.Now())
	require.NoError(t, s.ApplyChanges(ctx, Changes{TradeIns: data.TradeIns}, "c"))
	require.NoError(t, s.Close())

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	acked := map[string]int{}
	const rounds = 50
	for round := range rounds {
		// Kill at a random moment while the child is writing receipts.
		killAfter := time.Duration(rng.IntN(40_000)) * time.Microsecond
		ids := runAndKill(t, path, killAfter)
		for _, id := range ids {
			acked[id]++
		}
		t.Logf("round %d: killed after %v with %d acknowledged", round, killAfter, len(ids))
	}
	require.NotEmpty(t, acked, "the children acknowledged nothing: the test proved nothing")

	s, err = Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.IntegrityCheck(ctx))
	entries, err := s.VerifyAudit(ctx)
	require.NoError(t, err)
	for id, n := range acked {
		assert.Equal(t, 1, n, "trade-in %s acknowledged twice", id)
		_, ok, err := s.LocalReceipt(ctx, id)
		require.NoError(t, err)
		assert.True(t, ok, "acknowledged receipt of %s was lost", id)
	}
	var units, outbox int
	require.NoError(t, s.read.QueryRowContext(ctx, `SELECT count(*) FROM units`).Scan(&units))
	require.NoError(t, s.read.QueryRowContext(ctx, `SELECT count(*) FROM outbox`).Scan(&outbox))
	assert.Equal(t, units, outbox, "every unit has its event and no event lacks its unit")
	assert.EqualValues(t, units, entries, "every unit has its audit entry")
	assert.GreaterOrEqual(t, units, len(acked), "a receipt may land without its ack, never the reverse")
	t.Logf("%d rounds, %d acknowledged receipts, %d units, audit chain of %d verified", rounds, len(acked), units, entries)
}

func runAndKill(t *testing.T, path string, after time.Duration) []string {
	t.Helper()
	// The child runs this test binary's TestMain, nothing else.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var ids []string
	// The clock starts at the first acknowledgment: start-up takes longer
	// than the kill window, and a kill before any write proves nothing.
	kill := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				err := cmd.Wait()
				require.Failf(t, "child ended before it was killed", "exit: %v", err)
				return ids
			}
			if id, found := strings.CutPrefix(line, "ack "); found {
				if len(ids) == 0 {
					kill = time.After(after)
				}
				ids = append(ids, id)
			}
		case <-kill:
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			// What the pipe still holds was acknowledged before the kill.
			for line := range lines {
				if id, found := strings.CutPrefix(line, "ack "); found {
					ids = append(ids, id)
				}
			}
			err := cmd.Wait()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				return ids
			}
			require.Failf(t, "child did not die by SIGKILL", "exit: %v", err)
			return ids
		}
	}
}
