#!/usr/bin/env bash
# Regenerates the committed copies of the OpenAPI documents that the service
# serves, from the code: openapi/openapi.json (3.1, at /api) and
# openapi/openapi-3.0.json (its 3.0 form, at /api/openapi-3.0.json), by
# `naeringsareal openapi [--version 3.0]`. It only writes the files: review
# the diff and commit it. The test
# `openapi::served_openapi_matches_the_committed_copies` checks the copies and
# never writes them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

cargo build --quiet --locked --bin naeringsareal
bin="${CARGO_TARGET_DIR:-target}/debug/naeringsareal"
# Into scratch files first, so that a run that fails leaves the copies as they were.
tmp31=$(mktemp) tmp30=$(mktemp)
trap 'rm -f "$tmp31" "$tmp30"' EXIT
"$bin" openapi --version 3.1 >"$tmp31"
"$bin" openapi --version 3.0 >"$tmp30"
cat "$tmp31" >openapi/openapi.json
cat "$tmp30" >openapi/openapi-3.0.json
for out in openapi/openapi.json openapi/openapi-3.0.json; do
  if [ -z "$(git status --porcelain -- "$out")" ]; then
    say "$out is up to date"
  else
    say "$out regenerated; review and commit:"
    git --no-pager diff --stat -- "$out"
  fi
done
