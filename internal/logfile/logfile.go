// Package logfile is a log file that rotates by size: when a write would
// take the file past its limit, the file becomes NAME.1 (NAME.1 becomes
// NAME.2, and so on) and a new NAME is started, keeping a fixed number of
// old files. A bench runs for months on a kiosk nobody watches; its log
// must not fill the disk.
package logfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// File is a size-rotated log file; it is safe for concurrent writes.
type File struct {
	path     string
	maxBytes int64
	keep     int

	mu   sync.Mutex
	f    *os.File
	size int64
}

// Open opens (creating, with its directory) the log file at path for
// appending. maxBytes is the most a file grows to before it is rotated
// (a single write larger than that gets a file of its own); keep is how
// many rotated files are kept beside it.
func Open(path string, maxBytes int64, keep int) (*File, error) {
	if maxBytes <= 0 || keep < 0 {
		return nil, fmt.Errorf("log file %s: maxBytes %d and keep %d must be positive", path, maxBytes, keep)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("log file: %w", err)
	}
	l := &File{path: path, maxBytes: maxBytes, keep: keep}
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

// open opens l.path for appending. Logs name operators and trade-ins: the
// file is its owner's only, like the database.
func (l *File) open() error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("log file: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("log file: %w", err)
	}
	l.f, l.size = f, st.Size()
	return nil
}

// Write appends p, rotating first when p would take the file past its
// limit.
func (l *File) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return 0, os.ErrClosed
	}
	if l.size > 0 && l.size+int64(len(p)) > l.maxBytes {
		if err := l.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := l.f.Write(p)
	l.size += int64(n)
	return n, err
}

// rotate shifts NAME.i to NAME.i+1, dropping the oldest, and NAME to
// NAME.1, then starts NAME afresh.
func (l *File) rotate() error {
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("log file: %w", err)
	}
	l.f = nil
	if l.keep == 0 {
		if err := os.Remove(l.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("log file: %w", err)
		}
		return l.open()
	}
	if err := os.Remove(l.name(l.keep)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("log file: %w", err)
	}
	for i := l.keep - 1; i >= 1; i-- {
		if err := os.Rename(l.name(i), l.name(i+1)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("log file: %w", err)
		}
	}
	if err := os.Rename(l.path, l.name(1)); err != nil {
		return fmt.Errorf("log file: %w", err)
	}
	return l.open()
}

func (l *File) name(i int) string { return l.path + "." + strconv.Itoa(i) }

// Close closes the file; later writes fail.
func (l *File) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
