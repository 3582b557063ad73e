#!/usr/bin/env bash
# Runs the registry with its demo data: makes sure PostgreSQL + PostGIS are
# there (installing or starting them if not), migrates, loads the demo data
# and serves on NAERINGSAREAL_LISTEN (default 127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_postgis
say "building"
cargo build --release --locked
bin=${CARGO_TARGET_DIR:-target}/release/naeringsareal
"$bin" migrate
"$bin" seed-demo
say "serving on http://${NAERINGSAREAL_LISTEN:-127.0.0.1:8080}/ (Ctrl-C stops)"
exec "$bin" serve
