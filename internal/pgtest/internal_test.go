package pgtest

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestFindBinDirWantsInitdbAndPostgres(t *testing.T) {
	empty, half, full := t.TempDir(), t.TempDir(), t.TempDir()
	for _, p := range []string{
		filepath.Join(half, "initdb"),
		filepath.Join(full, "initdb"), filepath.Join(full, "postgres"),
	} {
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	got, err := findBinDir([]string{empty, half, full})
	if err != nil || got != full {
		t.Errorf("findBinDir = %q, %v; want %q", got, err, full)
	}
	for _, dirs := range [][]string{{empty, half}, nil} {
		_, err = findBinDir(dirs)
		if !errors.Is(err, errNotInstalled) || !strings.HasPrefix(err.Error(), "PostgreSQL is not installed: run make deps") {
			t.Errorf("findBinDir(%q): %v", dirs, err)
		}
	}
}

func TestCompareVersionsIsNumeric(t *testing.T) {
	v := []string{"9.6", "15", "10", "17", "9.4"}
	slices.SortFunc(v, compareVersions)
	if want := []string{"9.4", "9.6", "10", "15", "17"}; !slices.Equal(v, want) {
		t.Errorf("sorted %v, want %v", v, want)
	}
}

func TestDatabaseNameIsPlainShortAndUnique(t *testing.T) {
	plain := regexp.MustCompile(`^[a-z0-9_]+$`)
	long := "TestSomething/with a subtest: ÜBER-lang " + strings.Repeat("x", 100)
	seen := map[string]bool{}
	for i := range int64(3) {
		for _, test := range []string{"TestA", long} {
			n := databaseName(test, 1000+i)
			if len(n) > maxNameLen || !plain.MatchString(n) {
				t.Errorf("databaseName(%q) = %q", test, n)
			}
			if seen[n] {
				t.Errorf("databaseName gave %q twice", n)
			}
			seen[n] = true
		}
	}
	if got := databaseName("TestA/b", 7); got != "t_testa_b_7" {
		t.Errorf("databaseName(TestA/b, 7) = %q", got)
	}
}

// deadPid is the pid of a process that has exited and been reaped.
func deadPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestSweepRemovesOnlyRunsThatAreOver(t *testing.T) {
	root := t.TempDir()
	dead, self := strconv.Itoa(deadPid(t)), strconv.Itoa(os.Getpid())
	now := time.Now()
	dirs := []struct {
		name       string
		owner      string // "" for no owner file
		postmaster string // "" for no postmaster.pid
		age        time.Duration
		kept       bool
	}{
		{name: "pgtest-dead", owner: dead, kept: false},
		{name: "pgtest-running", owner: self, kept: true},
		{name: "pgtest-new-no-owner", kept: true},
		{name: "pgtest-old-no-owner", age: 2 * orphanAge, kept: false},
		{name: "pgtest-postmaster-lives", owner: dead, postmaster: self, kept: true},
		{name: "pgtest-postmaster-dead", owner: dead, postmaster: dead, kept: false},
		{name: "other-dead", owner: dead, kept: true},
	}
	for _, d := range dirs {
		dir := filepath.Join(root, d.name)
		if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
			t.Fatal(err)
		}
		if d.owner != "" {
			if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(d.owner+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if d.postmaster != "" {
			if err := os.WriteFile(filepath.Join(dir, "data", "postmaster.pid"), []byte(d.postmaster+"\n/x\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if d.age > 0 {
			old := now.Add(-d.age)
			if err := os.Chtimes(dir, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	sweep(root, now)
	for _, d := range dirs {
		_, err := os.Stat(filepath.Join(root, d.name))
		if kept := err == nil; kept != d.kept {
			t.Errorf("%s: kept %v, want %v", d.name, kept, d.kept)
		}
	}
}

func TestStartTakesAnotherPortWhenItsPortIsTaken(t *testing.T) {
	t.Parallel()
	bin, err := findBinDir(binDirCandidates())
	if err != nil {
		t.Fatal(err)
	}
	owner, err := serverAccount()
	if err != nil {
		t.Fatal(err)
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	var picked []int
	pick := func() (int, error) {
		if len(picked) == 0 {
			picked = append(picked, taken.Addr().(*net.TCPAddr).Port)
			return picked[0], nil
		}
		port, err := freePort()
		picked = append(picked, port)
		return port, err
	}
	ctx, cancel := context.WithTimeout(t.Context(), startTimeout)
	defer cancel()
	p, err := startProcess(ctx, bin, os.TempDir(), owner, pick)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := p.stop(context.Background()); err != nil {
			t.Error(err)
		}
		if _, err := os.Stat(p.dir); !os.IsNotExist(err) {
			t.Errorf("stop left %s: %v", p.dir, err)
		}
	}()
	if len(picked) != 2 || p.port != picked[1] {
		t.Errorf("listening on %d after picking %v", p.port, picked)
	}
	if !strings.Contains(p.logTail(), "could not bind") {
		t.Errorf("the log does not show the failed bind:\n%s", p.logTail())
	}
}
