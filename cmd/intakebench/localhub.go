package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/intakebench/intakebench/benchsync"
	"github.com/intakebench/intakebench/benchsync/wire"
	"github.com/intakebench/intakebench/demo"
	"github.com/intakebench/intakebench/hub"
)

// embeddedHub marks a token file whose hub is the one the app runs itself.
const embeddedHub = "embedded"

// localHub is a hub running inside the app on loopback, with demo data: the
// default for a newcomer, a demo or a bench that has not been enrolled.
type localHub struct {
	hub  *hub.Hub
	srv  *http.Server
	url  string
	done chan error
}

// startLocalHub opens (seeding when new) the hub database at file and
// serves it on a free loopback port until ctx ends or Close.
func startLocalHub(ctx context.Context, file string, tradeIns int, log *slog.Logger) (*localHub, error) {
	_, statErr := os.Stat(file)
	h, err := hub.Open(ctx, file, hub.Config{Logger: log})
	if err != nil {
		return nil, err
	}
	if errors.Is(statErr, os.ErrNotExist) && tradeIns > 0 {
		if _, err := demo.SeedHub(ctx, h, demo.HubSeed{TradeIns: tradeIns, Seed: 1}); err != nil {
			h.Close()
			return nil, fmt.Errorf("seed the local hub: %w", err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.Close()
		return nil, err
	}
	l := &localHub{hub: h, url: "http://" + ln.Addr().String(), done: make(chan error, 1),
		srv: &http.Server{Handler: hub.NewServer(h), ReadHeaderTimeout: 10 * time.Second}}
	go func() { l.done <- l.srv.Serve(ln) }()
	return l, nil
}

// Close stops serving, letting requests in flight finish, and closes the hub.
func (l *localHub) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := l.srv.Shutdown(ctx)
	<-l.done
	return errors.Join(err, l.hub.Close())
}

// enrollLocally enrolls the bench with the local hub unless the token file
// already holds its enrollment there.
func (l *localHub) enroll(ctx context.Context, tokenFile, bench string) (enrollment, error) {
	if e, err := readTokenFile(tokenFile); err == nil && e.Hub == embeddedHub {
		return e, nil
	}
	code, err := l.hub.CreateEnrollment(ctx, bench, wire.BenchScopes, time.Minute)
	if err != nil {
		return enrollment{}, err
	}
	client, err := benchsync.NewClient(l.url, "")
	if err != nil {
		return enrollment{}, err
	}
	resp, err := client.Enroll(ctx, code, bench)
	if err != nil {
		return enrollment{}, fmt.Errorf("enroll with the local hub: %w", err)
	}
	e := enrollment{Hub: embeddedHub, Bench: resp.Bench, Token: resp.Token, Scopes: resp.Scopes}
	return e, writeTokenFile(tokenFile, e)
}

// hubLink is the bench's connection to its hub.
type hubLink struct {
	engine *benchsync.Engine
	client *benchsync.Client
	bench  string
	local  bool         // the hub is the app's own, with demo data
	stop   func() error // stops what connectHub started
}

// connectHub works out which hub the bench syncs with: the one it enrolled
// with, or else a local hub with demo data.
func connectHub(ctx context.Context, db string, s benchsync.Store, demoTradeIns int, stderr io.Writer, opts ...benchsync.Option) (hubLink, error) {
	tokenFile := defaultTokenFile(db)
	e, err := readTokenFile(tokenFile)
	stop := func() error { return nil }
	url, local := e.Hub, false
	if err != nil || e.Hub == embeddedHub {
		log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		l, err := startLocalHub(ctx, filepath.Join(filepath.Dir(db), "hub.db"), demoTradeIns, log)
		if err != nil {
			return hubLink{}, fmt.Errorf("start the local hub: %w", err)
		}
		if e, err = l.enroll(ctx, tokenFile, benchName()); err != nil {
			l.Close()
			return hubLink{}, err
		}
		url, stop, local = l.url, l.Close, true
	}
	client, err := benchsync.NewClient(url, e.Token)
	if err != nil {
		stop()
		return hubLink{}, err
	}
	return hubLink{engine: benchsync.New(s, client, e.Bench, append([]benchsync.Option{benchsync.WithInterval(15 * time.Second)}, opts...)...),
		client: client, bench: e.Bench, local: local, stop: stop}, nil
}
