package logfile

import (
	"maps"
	"os"
	"path/filepath"
	"testing"
)

// files returns the directory's files and their contents.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		got[e.Name()] = string(b)
	}
	return got
}

func TestRotation(t *testing.T) {
	tests := []struct {
		name   string
		max    int64
		keep   int
		writes []string
		want   map[string]string
	}{
		{"under the limit", 100, 2, []string{"one\n", "two\n"},
			map[string]string{"bench.log": "one\ntwo\n"}},
		{"exactly the limit stays", 8, 2, []string{"one\n", "two\n"},
			map[string]string{"bench.log": "one\ntwo\n"}},
		{"rotates before the write that passes the limit", 8, 2, []string{"one\n", "two\n", "three\n"},
			map[string]string{"bench.log": "three\n", "bench.log.1": "one\ntwo\n"}},
		{"keeps only keep old files", 4, 2, []string{"aaa\n", "bbb\n", "ccc\n", "ddd\n"},
			map[string]string{"bench.log": "ddd\n", "bench.log.1": "ccc\n", "bench.log.2": "bbb\n"}},
		{"keep 0 keeps none", 4, 0, []string{"aaa\n", "bbb\n"},
			map[string]string{"bench.log": "bbb\n"}},
		{"a write bigger than the limit gets a file of its own", 4, 1, []string{"a\n", "a long line\n", "b\n"},
			map[string]string{"bench.log": "b\n", "bench.log.1": "a long line\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			l, err := Open(filepath.Join(dir, "bench.log"), tt.max, tt.keep)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.writes {
				if n, err := l.Write([]byte(w)); err != nil || n != len(w) {
					t.Fatalf("Write(%q) = %d, %v", w, n, err)
				}
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			if got := files(t, dir); !maps.Equal(got, tt.want) {
				t.Errorf("files = %q, want %q", got, tt.want)
			}
		})
	}
}

// A bench restarted (a kiosk restarts it after a crash) appends to its
// log and counts what is there towards the limit.
func TestReopenAppendsAndCountsTheExistingSize(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bench.log")
	for _, w := range []string{"first\n", "second\n"} {
		l, err := Open(path, 10, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Write([]byte(w)); err != nil {
			t.Fatal(err)
		}
		l.Close()
	}
	want := map[string]string{"bench.log": "second\n", "bench.log.1": "first\n"}
	if got := files(t, dir); !maps.Equal(got, want) {
		t.Errorf("files = %q, want %q", got, want)
	}
}

func TestFilesAreTheOwnersOnlyAndTheDirectoryIsMade(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "intakebench", "bench.log")
	l, err := Open(path, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, w := range []string{"aaa\n", "bbb\n"} {
		if _, err := l.Write([]byte(w)); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{path, path + ".1"} {
		st, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", name, st.Mode().Perm())
		}
	}
	st, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, want 0700", st.Mode().Perm())
	}
}

func TestBadLimitsAreRefused(t *testing.T) {
	for _, c := range []struct {
		max  int64
		keep int
	}{{0, 1}, {-1, 1}, {10, -1}} {
		if _, err := Open(filepath.Join(t.TempDir(), "x.log"), c.max, c.keep); err == nil {
			t.Errorf("Open(max %d, keep %d) succeeded", c.max, c.keep)
		}
	}
}

func TestWriteAfterCloseFails(t *testing.T) {
	l, err := Open(filepath.Join(t.TempDir(), "x.log"), 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if _, err := l.Write([]byte("x")); err == nil {
		t.Error("write after Close succeeded")
	}
}
