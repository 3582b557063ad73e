#!/usr/bin/env bash
# The map page's benchmark (by hand, not in CI): the release build with the
# demo data in a throwaway database, the map opened RUNS times (default 15)
# in headless Chromium, each in a fresh context; prints the median time
# from navigation to the first plots drawn, and the compressed weight of
# the page's own script and stylesheet.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_postgis
ensure_browser
cargo build --release --locked --bin naeringsareal
bin=${CARGO_TARGET_DIR:-target}/release/naeringsareal
db="naer_bench_map_$$"
server=$(server_url "$DATABASE_URL")
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  psql "$server" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
psql "$server" -qc "CREATE DATABASE $db" >/dev/null
export DATABASE_URL="${server%/postgres}/$db"
"$bin" migrate >/dev/null && "$bin" seed-demo >/dev/null
NAERINGSAREAL_LISTEN="127.0.0.1:$port" RUST_LOG=warn "$bin" serve &
pid=$!
until curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; do sleep 0.1; done
NAERINGSAREAL_URL="http://127.0.0.1:$port" node bench/map/firstdraw.mjs
