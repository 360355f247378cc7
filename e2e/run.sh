#!/usr/bin/env bash
# End-to-end tests of `gollm serve` with real clients:
#   1. Go: github.com/openai/openai-go/v3 and github.com/ollama/ollama/api
#      (this directory's own module, so the main go.mod stays lean);
#   2. Node: the openai and ollama npm packages, and playwright-core
#      driving Debian's Chromium on the chat page (screenshots land in
#      e2e/node/out/).
# Needs: go, node >= 20 with npm, the Go module proxy and the npm registry
# (or warm caches), and /usr/bin/chromium; when that is missing and we run
# as root with apt-get, it is installed (apt-get install chromium).
# Environment: GOLLM_BIN (use this binary instead of building one),
# CHROMIUM (the browser, default /usr/bin/chromium).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS

if [ -z "${GOLLM_BIN:-}" ]; then
  echo "== e2e: building gollm"
  (cd "$root" && CGO_ENABLED=0 go build -o "$tmp/gollm" ./cmd/gollm)
  GOLLM_BIN="$tmp/gollm"
fi
export GOLLM_BIN

echo "== e2e: Go clients (openai-go, ollama/api)"
(cd "$here" && go test -count=1 ./...)

echo "== e2e: Node clients (openai, ollama) and Chromium on the chat page"
if ! command -v node >/dev/null || ! node -e 'process.exit(Number(process.versions.node.split(".")[0] < 20))'; then
  echo "e2e: node >= 20 is needed" >&2
  exit 1
fi
chromium="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== e2e: installing chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "e2e: $chromium is missing: apt-get install chromium (as root), or set CHROMIUM" >&2
    exit 1
  fi
fi
export CHROMIUM="$chromium"
cd "$here/node"
npm ci --no-audit --no-fund --loglevel=error
npm test

echo "== e2e: passed in $((SECONDS - start)) s"
