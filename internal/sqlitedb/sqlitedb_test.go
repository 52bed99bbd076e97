package sqlitedb_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	"github.com/intakebench/intakebench/internal/sqlitedb"
)

// TestDatabaseFilesArePrivate opens new and existing database files under
// a umask that lets everyone read what is created: the database, its -wal
// and its -shm end up readable by their owner alone, and a file already
// narrower keeps its mode.
func TestDatabaseFilesArePrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows files have no Unix modes")
	}
	// The umask is the process's: no test here runs in parallel.
	defer syscall.Umask(syscall.Umask(0))
	cases := []struct {
		name     string
		existing map[string]fs.FileMode // by suffix of the database file name
		want     map[string]fs.FileMode
	}{
		{"a new file", nil, map[string]fs.FileMode{"": 0o600, "-wal": 0o600, "-shm": 0o600}},
		{"an old file everyone could read", map[string]fs.FileMode{"": 0o644, "-wal": 0o666, "-shm": 0o664},
			map[string]fs.FileMode{"": 0o600, "-wal": 0o600, "-shm": 0o600}},
		{"an old file of its group", map[string]fs.FileMode{"": 0o660},
			map[string]fs.FileMode{"": 0o600, "-wal": 0o600, "-shm": 0o600}},
		{"a file already private", map[string]fs.FileMode{"": 0o600}, map[string]fs.FileMode{"": 0o600, "-wal": 0o600, "-shm": 0o600}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			file := filepath.Join(t.TempDir(), "bench.db")
			if tc.existing != nil {
				// A real database, closed, then opened wide as an older
				// version left it.
				p, err := sqlitedb.Open(ctx, file, "test", 1, nil)
				if err != nil {
					t.Fatal(err)
				}
				if err := p.Close(); err != nil {
					t.Fatal(err)
				}
				for suffix, mode := range tc.existing {
					if suffix != "" {
						if err := os.WriteFile(file+suffix, nil, mode); err != nil {
							t.Fatal(err)
						}
					}
					if err := os.Chmod(file+suffix, mode); err != nil {
						t.Fatal(err)
					}
				}
			}
			p, err := sqlitedb.Open(ctx, file, "test", 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			// A write makes the -wal and -shm if they are not there.
			if _, err := p.Write.ExecContext(ctx, `CREATE TABLE t (x)`); err != nil {
				t.Fatal(err)
			}
			for suffix, want := range tc.want {
				info, err := os.Stat(file + suffix)
				if err != nil {
					t.Fatal(err)
				}
				if got := info.Mode().Perm(); got != want {
					t.Errorf("bench.db%s has mode %v, want %v", suffix, got, want)
				}
			}
		})
	}
}

// A file in a directory the process may not write is an error that names
// it, before SQLite is asked.
func TestDatabaseFileThatCannotBeMade(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("needs Unix modes that bind this user")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o700)
	_, err := sqlitedb.Open(context.Background(), filepath.Join(dir, "bench.db"), "test", 1, nil)
	if err == nil {
		t.Fatal("opened a database that could not be made")
	}
}
