#!/usr/bin/env bash
# The whole test suite: formatting, lints, the generated schema against the
# migrations, and every test against a real PostGIS (installed or started if
# missing). Respects DATABASE_URL: tests create and drop databases named
# naer_test_* and naer_tmpl_* on its server.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_postgis
ensure_gdal

say "cargo fmt --check"
cargo fmt --check

say "cargo clippy (warnings are errors)"
cargo clippy --all-targets --locked -- -D warnings

say "src/db/schema.rs matches the migrations"
scripts/check-schema.sh

say "cargo test"
cargo test --locked
