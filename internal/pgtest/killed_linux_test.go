package pgtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// childEnv marks the test binary that TestKilledBinaryLeavesNoServer runs
// and kills.
const childEnv = "PGTEST_KILLED_CHILD"

// TestKilledChild is the child's part: it starts the server, says where,
// and waits to be killed. In an ordinary run it does nothing.
func TestKilledChild(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		return
	}
	s := Start(t)
	fmt.Printf("%d %d %s\n", s.proc.cmd.Process.Pid, s.port, s.proc.dir)
	<-t.Context().Done()
}

func TestKilledBinaryLeavesNoServer(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	// A temporary directory of its own that the postgres user can enter.
	root, err := os.MkdirTemp("", "killed-pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}

	child := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestKilledChild$", "-test.timeout=2m")
	child.Env = append(os.Environ(), childEnv+"=1", "TMPDIR="+root)
	child.Stderr = os.Stderr
	child.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(out).ReadString('\n')
		line <- l
	}()
	var postmaster, port int
	var dir string
	select {
	case l := <-line:
		if _, err := fmt.Sscanf(l, "%d %d %s", &postmaster, &port, &dir); err != nil {
			_ = child.Process.Kill()
			_ = child.Wait()
			t.Fatalf("child said %q: %v", l, err)
		}
	case <-ctx.Done():
		t.Fatalf("the child did not start its server: %v", ctx.Err())
	}
	if !alive(postmaster) {
		t.Fatalf("postmaster %d is not running before the kill", postmaster)
	}

	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	err = poll(ctx, func() (bool, error) { return !alive(postmaster), nil })
	if err != nil {
		t.Fatalf("postmaster %d outlived its test binary: %v", postmaster, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("port %d is still taken: %v", port, err)
	}
	ln.Close()

	if _, err := os.Stat(dir); err != nil || !strings.HasPrefix(dir, filepath.Join(root, dirPrefix)) {
		t.Fatalf("the run's directory %s: %v", dir, err)
	}
	key, shmid, ok := sharedMemory(filepath.Join(dir, "data"))
	if !ok {
		t.Fatalf("no shared memory segment in %s/data/postmaster.pid", dir)
	}
	// The postmaster's children see it die and exit soon after it.
	var desc unix.SysvShmDesc
	err = poll(ctx, func() (bool, error) {
		if _, err := unix.SysvShmCtl(shmid, unix.IPC_STAT, &desc); err != nil || int64(desc.Perm.Key) != key {
			return false, fmt.Errorf("the killed postmaster's segment %d (key %d): %w, key %d", shmid, key, err, desc.Perm.Key)
		}
		return desc.Nattch == 0, nil
	})
	if err != nil {
		t.Fatalf("%v (%d attached)", err, desc.Nattch)
	}
	sweep(root, time.Now())
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("sweep left %s: %v", dir, err)
	}
	if _, err := unix.SysvShmCtl(shmid, unix.IPC_STAT, &desc); !errors.Is(err, unix.EINVAL) {
		t.Errorf("sweep left the shared memory segment %d: %v", shmid, err)
	}
}
