#!/usr/bin/env bash
# The whole test suite: formatting, lints, the generated schema against the
# migrations, every test against a real PostGIS (installed or started if
# missing), the browser tests in headless Chromium (installed if missing) and the Python real-client tests (OWSLib, schemathesis; scripts/client-test.sh). Respects DATABASE_URL: tests create and drop databases named
# naer_test_* and naer_tmpl_* on its server.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_postgis
ensure_clients
ensure_browser
# The tests' virtualenv, with the mail tests' SMTP server (aiosmtpd).
ensure_venv

say "cargo fmt --check"
cargo fmt --check

say "cargo clippy (warnings are errors)"
cargo clippy --all-targets --locked -- -D warnings

say "src/db/schema.rs matches the migrations"
scripts/check-schema.sh

say "cargo test"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --all-targets --locked 2>&1 | tee "$log" || status=$?
# One closing line for the whole suite, summed over the test binaries.
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
[ "$status" = 0 ] || exit "$status"

scripts/browser-test.sh
scripts/client-test.sh
