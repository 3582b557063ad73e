#!/usr/bin/env bash
# Fails when src/db/schema.rs is not what `diesel print-schema` makes of the
# migrations. Installs diesel_cli (with libpq) when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
: "${DATABASE_URL:=postgres://postgres@127.0.0.1:5432/naeringsareal}"

if ! command -v diesel >/dev/null 2>&1; then
  [ -e /usr/include/postgresql/libpq-fe.h ] || apt_install libpq-dev
  say "installing diesel_cli (once)"
  cargo install diesel_cli --no-default-features --features postgres --locked --quiet
fi

scratch="naer_schema_check_$$"
url="${DATABASE_URL%/*}/$scratch"
admin=$(server_url "$DATABASE_URL")
trap 'psql "$admin" -qc "DROP DATABASE IF EXISTS $scratch WITH (FORCE)" >/dev/null 2>&1' EXIT
psql "$admin" -qc "CREATE DATABASE $scratch" >/dev/null
DATABASE_URL="$url" cargo run --quiet --locked -- migrate >/dev/null 2>&1
generated=$(diesel print-schema --database-url "$url")
if ! diff -u src/db/schema.rs <(printf '%s\n' "$generated"); then
  die "src/db/schema.rs is stale: run \`diesel print-schema > src/db/schema.rs\` against a migrated database"
fi
