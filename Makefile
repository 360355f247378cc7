# gollm build and test entry points. `make test` is what CI runs (see .ci/run).

GO        ?= go
QEMU      ?= qemu-aarch64 -cpu max
# Packages cheap enough to run under the race detector on every test run.
RACE_PKGS ?= ./gguf ./tensor $(if $(wildcard server),./server/...)

.PHONY: all build test vet unit race arm64 darwin e2e fuzz bench clean

all: build

build:
	CGO_ENABLED=0 $(GO) build ./...

vet:
	$(GO) vet ./...

unit:
	CGO_ENABLED=0 $(GO) test -count=1 ./...

race:
	$(GO) test -count=1 -race $(RACE_PKGS)

# The quant and kernels tests cross-compiled for arm64 and run under qemu
# (both the NEON and the dotprod paths run: -cpu max has both).
arm64:
	GOARCH=arm64 CGO_ENABLED=0 $(GO) test -count=1 -exec "$(QEMU)" ./quant ./kernels

darwin:
	GOOS=darwin GOARCH=arm64 CGO_ENABLED=0 $(GO) build ./...

# Real clients against a running `gollm serve`: openai-go and ollama/api
# (the e2e module), the openai and ollama npm packages, and Chromium driving
# the chat page through playwright-core. Installs chromium when run as root.
e2e:
	bash e2e/run.sh

test: vet unit race arm64 darwin e2e

# Short fuzzing runs of every parser (not part of test).
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 60s ./gguf

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./kernels ./quant

clean:
	$(GO) clean -testcache
