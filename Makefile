# Intake Bench — every target a newcomer or CI needs.
SHELL := /bin/bash
GO ?= go
BIN := bin
# Debian packages: GL/X11 headers for Fyne, Xvfb/xdotool/imagemagick for the
# real-window tests and screenshots, socat for serial pseudo-terminal pairs,
# zbar-tools for the decode comparison benchmark, ffmpeg for the video source.
DEB_PKGS := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
	libxinerama-dev libxi-dev libxxf86vm-dev xvfb xdotool imagemagick socat zbar-tools ffmpeg
TEST_TIMEOUT ?= 15m
# no_emoji leaves Fyne's colour emoji font out: parsed once per text style
# it cost the app about 10 MB of resident memory, and a bench shows none.
# Exported, so the programs the tests build get it too.
export GOFLAGS := -tags=no_emoji

.PHONY: all deps build run test bench lint fmt clean shots

all: build

deps:
	@missing=""; for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@$(GO) mod download

build: deps
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/ ./cmd/...

run: build
	./$(BIN)/intakebench run

test: deps
	$(GO) vet ./...
	$(GO) test -timeout $(TEST_TIMEOUT) -count=1 ./...

bench: deps
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./... 

# The README's pictures, taken of the real app under Xvfb by the e2e test.
shots: deps
	INTAKEBENCH_SHOTS=$(CURDIR)/docs/screens $(GO) test -count=1 -run TestAppShowsTypedScanInRealWindow ./cmd/intakebench

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf $(BIN)
