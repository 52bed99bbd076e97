package pgtest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// procAttr runs a server program as owner (nil: as the test binary's own
// user) and has the kernel kill it when the test binary dies without
// stopping it, so no postmaster outlives its run holding a port. (A switch
// of user clears a parent-death signal set before it; the Go runtime sets
// the signal after the switch, so it holds.)
func procAttr(owner *account) (*syscall.SysProcAttr, error) {
	attr := &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if owner != nil {
		attr.Credential = &syscall.Credential{Uid: owner.uid, Gid: owner.gid}
	}
	return attr, nil
}

// alive reports whether process pid runs: it exists and is not a zombie
// that no one has reaped yet (a killed test binary's postmaster passes to
// init, which in a container may never reap it).
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) state ...: comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return true
	}
	state := b[i+2]
	return state != 'Z' && state != 'X'
}

// releaseSharedMemory removes the small System V shared memory segment of
// the dead postmaster of the cluster in data, and reports false while a
// process (one of its backends, yet to see it die) still has it attached.
// PostgreSQL removes the segment at a shutdown but leaves it behind a
// killed postmaster, to tell a new one whether old backends still run:
// each killed run would leave one more towards the system's limit. A
// segment whose key is not the one the cluster recorded is not its own
// and is left alone.
func releaseSharedMemory(data string) bool {
	key, id, ok := sharedMemory(data)
	if !ok {
		return true
	}
	var desc unix.SysvShmDesc
	if _, err := unix.SysvShmCtl(id, unix.IPC_STAT, &desc); err != nil || int64(desc.Perm.Key) != key {
		return true
	}
	if desc.Nattch != 0 {
		return false
	}
	_, _ = unix.SysvShmCtl(id, unix.IPC_RMID, nil)
	return true
}

// sharedMemory reads the key and id of the cluster's System V segment from
// the seventh line of its postmaster.pid.
func sharedMemory(data string) (key int64, id int, ok bool) {
	b, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return 0, 0, false
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 7 {
		return 0, 0, false
	}
	f := strings.Fields(lines[6])
	if len(f) != 2 {
		return 0, 0, false
	}
	key, err1 := strconv.ParseInt(f[0], 10, 64)
	id, err2 := strconv.Atoi(f[1])
	return key, id, err1 == nil && err2 == nil
}
