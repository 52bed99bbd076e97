# Intake Bench — every target a newcomer or CI needs.
SHELL := /bin/bash
GO ?= go
BIN := bin
# Debian packages: GL/X11 headers for Fyne, Xvfb/xdotool/imagemagick for the
# real-window tests and screenshots, socat for serial pseudo-terminal pairs,
# zbar-tools for the decode comparison benchmark, ffmpeg for the video source,
# poppler-utils (pdftotext, pdftoppm) for the receipt tests, cups-client (lp)
# to print labels and receipts through CUPS, postgresql for the hub's
# PostgreSQL tests (internal/pgtest runs a throwaway server of its own, as
# the postgres user, in a temporary directory; Debian's cluster is unused),
# libzbar-dev, libzxing-dev and g++ for the decode comparison benchmark,
# which builds its ZBar and zxing-cpp harness in a temporary directory.
# chromium for the hub's web pages' browser tests (hub/web, chromedp).
DEB_PKGS := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
	libxinerama-dev libxi-dev libxxf86vm-dev xvfb xdotool imagemagick socat zbar-tools ffmpeg \
	poppler-utils cups-client postgresql libzbar-dev libzxing-dev g++ chromium
# Packaging (packaging/): dpkg-dev (dpkg-deb, dpkg-shlibdeps) builds the
# Debian packages and lintian checks them, in make test too; make release
# also needs mingw-w64 to cross-compile the Windows bench (Fyne needs cgo),
# and wine to run its headless commands as a smoke test (with a stand-in
# for bcryptprimitives.dll, which Debian 12's wine 8.0 lacks and Go's
# runtime loads at start: packaging/windows.go).
PKG_DEB_PKGS := dpkg-dev lintian
RELEASE_DEB_PKGS := $(PKG_DEB_PKGS) mingw-w64 wine wine64
# The version and commit the binaries print (intakebench version), set at
# link time; the Debian packages' versions derive from the same string.
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -X github.com/intakebench/intakebench/internal/buildinfo.version=$(VERSION) \
	-X github.com/intakebench/intakebench/internal/buildinfo.commit=$(COMMIT)
TEST_TIMEOUT ?= 15m
# Real services the tests start, installed from the Go module proxy at
# pinned versions into the Go bin directory when missing: stripe-mock (the
# payouts), mailpit (an SMTP server with an API, for the quote e-mails).
GOBIN_DIR := $(shell $(GO) env GOPATH)/bin
GO_TOOLS := github.com/stripe/stripe-mock@v0.203.0 github.com/axllent/mailpit@v1.33.1
# no_emoji leaves Fyne's colour emoji font out: parsed once per text style
# it cost the app about 10 MB of resident memory, and a bench shows none.
# Exported, so the programs the tests build get it too.
export GOFLAGS := -tags=no_emoji
# Mutation testing: gremlins, pinned, installed under bin/ by make mutation.
GREMLINS_VERSION := v0.6.0
GREMLINS := $(BIN)/tools/gremlins-$(GREMLINS_VERSION)/gremlins
MUTATION_PKGS ?= intake hub store benchsync
# A mutant's test run may take this many times the package's clean run
# before it counts as timed out: two runs share the two cores, a busy
# machine slows them further, and a mutant that breaks a loop spins until
# the timeout (a dozen do, a minute in all).
MUTATION_TIMEOUT_COEFFICIENT ?= 10
MUTATION_WORKERS ?= 2

.PHONY: all deps pkg-deps release-deps build run test bench lint fmt clean shots mutation release

all: build

# apt_install installs those of the Debian packages $(1) that are missing.
define apt_install
	@missing=""; for p in $(1); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

deps:
	$(call apt_install,$(DEB_PKGS))
	@$(GO) mod download
	@for t in $(GO_TOOLS); do \
		bin=$(GOBIN_DIR)/$$(basename $${t%@*}); ver=$${t#*@}; \
		if ! $(GO) version -m $$bin 2>/dev/null | grep -q "$$ver"; then \
			echo "installing $$t"; GOFLAGS= $(GO) install $$t || exit 1; \
		fi; \
	done

# The buyer page's camera decoder: the bench's barcode decoder compiled to
# WebAssembly (cmd/barcodewasm) and Go's loader for it, embedded in the hub
# from hub/web/static (not in git: built from the sources here).
WASM_DECODER := hub/web/static/decoder.wasm.gz
WASM_EXEC := hub/web/static/wasm_exec.js
WASM := $(WASM_DECODER) $(WASM_EXEC)

$(WASM_DECODER): go.mod go.sum $(shell find cmd/barcodewasm device/barcode -name '*.go' ! -name '*_test.go')
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags=-s -o $(basename $@) ./cmd/barcodewasm
	gzip -9 -n -f $(basename $@)

$(WASM_EXEC): go.mod
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" $@

build: deps $(WASM)
	@mkdir -p $(BIN)
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

run: build
	./$(BIN)/intakebench run

# The hub's packages run a second time on PostgreSQL (hubtest.DBEnv); the
# storage layer's conformance suite runs on both databases every time.
PG_TEST_PKGS := ./hub/ ./hub/public/ ./hub/webhook/ ./hub/upgrade/ ./hub/e2e/ ./hub/imports/ ./hub/exports/ ./hub/web/ ./hub/sellers/ ./hub/schedule/ ./benchsync/ ./cmd/intakehub/

# The bench's real-window tests run on their own, after the rest: beside
# the hub's suites on a 2-core machine, xdotool's keystrokes reach the app
# late and out of step with the screens, and a test fails for the load.
WINDOW_TEST_PKGS := ./cmd/intakebench/

test: deps pkg-deps $(WASM)
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./cmd/barcodewasm/
	$(GO) test -timeout $(TEST_TIMEOUT) -count=1 $$($(GO) list ./... | grep -v '/cmd/intakebench$$')
	$(GO) test -timeout $(TEST_TIMEOUT) -count=1 $(WINDOW_TEST_PKGS)
	INTAKEBENCH_TEST_DB=postgres $(GO) test -timeout $(TEST_TIMEOUT) -count=1 $(PG_TEST_PKGS)

bench: deps $(WASM)
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./... 

# The README's pictures, taken of the real app under Xvfb by the e2e test.
shots: deps $(WASM)
	INTAKEBENCH_SHOTS=$(CURDIR)/docs/screens $(GO) test -count=1 -run 'TestAppShowsTypedScanInRealWindow|TestBenchWithHubEndToEnd' ./cmd/intakebench
	INTAKEBENCH_WEB_SHOTS=$(CURDIR)/docs/web $(GO) test -count=1 -run TestBrowserBuyerSubmitsAndStaffQuote ./hub/web

# Mutation testing: each mutant of a package's code must make its tests
# fail. -short leaves out the fault, kill and crash rounds, which would run
# once per mutant; --exclude-files / keeps each run to the package itself
# (wire, webhook and public are packages of their own). The copies, builds
# and test databases live in /dev/shm where there is one: every SQLite
# commit is an fsync (synchronous=FULL), which in memory costs nothing,
# and that makes the thousand test runs about three times faster. Efficacy
# is killed / (killed + lived); the logs are in bin/mutation.
mutation: deps
	@if [ ! -x $(GREMLINS) ]; then \
		echo "installing gremlins $(GREMLINS_VERSION)"; \
		GOBIN=$(CURDIR)/$(dir $(GREMLINS)) $(GO) install github.com/go-gremlins/gremlins/cmd/gremlins@$(GREMLINS_VERSION) || exit 1; \
	fi
	@mkdir -p $(BIN)/mutation; \
	tmp=$$(mktemp -d -p $$([ -d /dev/shm ] && echo /dev/shm || echo $${TMPDIR:-/tmp}) intakebench-mutation.XXXXXX); \
	trap 'rm -rf "$$tmp"' EXIT; \
	for p in $(MUTATION_PKGS); do \
		echo "== mutation testing $$p (lived and timed-out mutants are listed)"; \
		TMPDIR=$$tmp GOFLAGS="$(GOFLAGS) -short -vet=off" $(GREMLINS) unleash --tags no_emoji --workers $(MUTATION_WORKERS) \
			--timeout-coefficient $(MUTATION_TIMEOUT_COEFFICIENT) --exclude-files / \
			--output-statuses lt $(CURDIR)/$$p 2>&1 | tee $(BIN)/mutation/$$p.log; \
		[ $${PIPESTATUS[0]} -eq 0 ] || exit 1; \
		awk -v p=$$p '/Killed: .*Lived: /{gsub(/,/,""); k=$$2; l=$$4} END{printf "%s: efficacy %s (killed %d, lived %d)\n", p, (k+l ? sprintf("%.1f%%", 100*k/(k+l)) : "n/a"), k, l}' $(BIN)/mutation/$$p.log; \
	done; \
	echo; printf "%-10s %7s %6s %10s %11s %12s %9s\n" package killed lived "timed out" "not viable" "not covered" efficacy; \
	for p in $(MUTATION_PKGS); do \
		awk -v p=$$p '/Killed: .*Lived: /{gsub(/,/,""); k=$$2; l=$$4; nc=$$7} /Timed out: .*Not viable: /{gsub(/,/,""); t=$$3; nv=$$6} \
			END{printf "%-10s %7d %6d %10d %11d %12d %9s\n", p, k, l, t, nv, nc, (k+l ? sprintf("%.1f%%", 100*k/(k+l)) : "n/a")}' $(BIN)/mutation/$$p.log; \
	done

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./cmd/barcodewasm/

fmt:
	gofmt -w $$(git ls-files '*.go')

# make release: the Debian packages (intakebench, intakebench-kiosk,
# intakehub), the Windows bench as a zip and SHA256SUMS, into dist/, built
# by packaging/ (go run ./packaging -h). make test builds and checks the
# Debian packages only (packaging/deb_test.go).
pkg-deps:
	$(call apt_install,$(PKG_DEB_PKGS))

release-deps:
	$(call apt_install,$(RELEASE_DEB_PKGS))

release: deps release-deps $(WASM)
	$(GO) run ./packaging --out dist --version '$(VERSION)' --commit '$(COMMIT)' --windows

clean:
	rm -rf $(BIN) dist $(WASM)
