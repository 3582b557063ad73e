#!/usr/bin/env bash
# Regenerates openapi/openapi.json, the committed copy of the OpenAPI document
# that the service serves at /api, from the code (`naeringsareal openapi`).
# It only writes the file: review the diff and commit it. The test
# `openapi::served_openapi_matches_the_committed_copy` checks the copy and
# never writes it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

out=openapi/openapi.json
# Into a scratch file first, so that a build that fails leaves the copy as it was.
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cargo run --quiet --locked -- openapi >"$tmp"
cat "$tmp" >"$out"
if git diff --quiet -- "$out"; then
  say "$out is up to date"
else
  say "$out regenerated; review and commit:"
  git --no-pager diff --stat -- "$out"
fi
