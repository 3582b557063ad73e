#!/usr/bin/env bash
# The browser end-to-end tests: the real service (debug build) with the
# demo data in a throwaway database, driven in Debian's headless Chromium by
# playwright-core. Installs Chromium and the test's npm packages if missing.
# Screenshots go to target/browser/ for a person to look at.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_postgis
ensure_browser

target=${CARGO_TARGET_DIR:-target}
say "cargo build (the service under test)"
cargo build --locked --bin naeringsareal
bin="$target/debug/naeringsareal"

db="naer_browser_$$"
server=$(server_url "$DATABASE_URL")
url="${server%/postgres}/$db"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  psql "$server" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -f "$log"
}
trap cleanup EXIT
psql "$server" -qc "CREATE DATABASE $db" >/dev/null
export DATABASE_URL="$url"
"$bin" migrate >/dev/null
"$bin" seed-demo >/dev/null
planner_key=$("$bin" api-key create --name browser-tests --role planner | tail -n1)

say "serving on 127.0.0.1:$port"
NAERINGSAREAL_LISTEN="127.0.0.1:$port" NAERINGSAREAL_ENQUIRY_RATE=off "$bin" serve >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; die "the service did not start"; }
  sleep 0.1
done

say "browser tests (screenshots in $target/browser/)"
mkdir -p "$target/browser"
(
  cd tests/browser
  NAERINGSAREAL_URL="http://127.0.0.1:$port" PLANNER_KEY="$planner_key" \
    SCREENSHOTS="$(cd ../.. && pwd)/$target/browser" \
    node --test --test-concurrency=1 --test-reporter=spec ./*.test.mjs
) || { say "the service's log:"; tail -n 50 "$log"; exit 1; }
