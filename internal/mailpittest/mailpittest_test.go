package mailpittest

import (
	"context"
	"fmt"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStartReceivesAndReadsBack sends with the standard library's client,
// not the hub's, so this helper is checked on its own.
func TestStartReceivesAndReadsBack(t *testing.T) {
	ctx := t.Context()
	s := Start(t)
	msg := strings.Join([]string{
		"From: Shop <shop@example.com>",
		"To: =?utf-8?q?Zo=C3=AB?= <zoe@example.com>",
		"Subject: Hello",
		"Message-ID: <m1@example.com>",
		"Content-Type: text/plain; charset=utf-8",
		"",
		"Body line",
		"",
	}, "\r\n")
	require.NoError(t, smtp.SendMail(s.SMTPAddr, nil, "shop@example.com", []string{"zoe@example.com"}, []byte(msg)))

	got, err := s.WaitForMessage(ctx, "ZOE@example.com")
	require.NoError(t, err)
	assert.Equal(t, "Hello", got.Subject)
	assert.Equal(t, "m1@example.com", got.MessageID)
	assert.Equal(t, []Address{{Name: "Zoë", Address: "zoe@example.com"}}, got.To)
	assert.Equal(t, Address{Name: "Shop", Address: "shop@example.com"}, got.From)
	assert.Equal(t, "Body line\r\n", got.Text)
	assert.Empty(t, got.HTML)

	list, err := s.Messages(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, got.ID, list[0].ID)

	h, err := s.Headers(ctx, got.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"=?utf-8?q?Zo=C3=AB?= <zoe@example.com>"}, h["To"])
	raw, err := s.Raw(ctx, got.ID)
	require.NoError(t, err)
	assert.Contains(t, string(raw), "\r\nSubject: Hello\r\n")

	_, err = s.Message(ctx, "no-such-id")
	require.ErrorContains(t, err, "404")
}

func TestWaitForMessageEndsWithItsContext(t *testing.T) {
	s := Start(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.WaitForMessage(ctx, "nobody@example.com")
	require.ErrorIs(t, err, context.Canceled)
	assert.ErrorContains(t, err, "no message to nobody@example.com")
}

// fatalRecorder is a testing.TB whose Fatal records the message and ends
// the goroutine, as the real one does.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Fatal(args ...any) {
	r.msg = fmt.Sprint(args...)
	runtime.Goexit()
}

func TestBinaryIsFoundOnPathOrInGopathBin(t *testing.T) {
	goBin, err := exec.LookPath("go")
	require.NoError(t, err, "the tests need go on PATH")
	// PATH holds go and nothing else, so a mailpit installed on this
	// machine is not found by accident.
	goOnly := t.TempDir()
	require.NoError(t, os.Symlink(goBin, filepath.Join(goOnly, "go")))
	fakeMailpit := func(dir string) string {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		p := filepath.Join(dir, "mailpit")
		require.NoError(t, os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755))
		return p
	}
	onPath := t.TempDir()
	inGopath := t.TempDir()
	for _, tc := range []struct {
		name, path, gopath, want string
	}{
		{"nowhere", goOnly, t.TempDir(), ""},
		{"on PATH", goOnly + string(os.PathListSeparator) + filepath.Dir(fakeMailpit(onPath)), t.TempDir(), filepath.Join(onPath, "mailpit")},
		{"in GOPATH/bin", goOnly, inGopath, fakeMailpit(filepath.Join(inGopath, "bin"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PATH", tc.path)
			t.Setenv("GOPATH", tc.gopath)
			t.Setenv("GOBIN", "")
			r := &fatalRecorder{TB: t}
			var got string
			done := make(chan struct{})
			go func() {
				defer close(done)
				got = binary(r)
			}()
			<-done
			if tc.want == "" {
				assert.Equal(t, "mailpit is not installed: run make deps (it is neither on PATH nor in $(go env GOPATH)/bin)", r.msg)
				return
			}
			assert.Empty(t, r.msg)
			assert.Equal(t, tc.want, got)
		})
	}
}
