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
start_service browser

say "browser tests (screenshots in $target/browser/)"
mkdir -p "$target/browser"
(
  cd tests/browser
  NAERINGSAREAL_URL="$SERVICE_URL" PLANNER_KEY="$PLANNER_KEY" \
    SCREENSHOTS="$(cd ../.. && pwd)/$target/browser" \
    node --test --test-concurrency=1 --test-reporter=spec ./*.test.mjs
) || { service_log_tail; exit 1; }
