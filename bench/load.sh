#!/usr/bin/env bash
# Create (or recreate) a benchmark database, apply the migrations, load the
# synthetic reference places and N synthetic plots.
#
#   bench/load.sh N [DB]          DB defaults to naeringsareal_bench
#
# Environment: PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres),
# BATCH (rows per INSERT transaction, 50000).
#
# DROPS the database DB if it exists. Refuses names not starting with
# "naeringsareal_bench" so that it cannot drop anything else by mistake.
set -euo pipefail

N=${1:?usage: bench/load.sh N [DB]}
DB=${2:-naeringsareal_bench}
BATCH=${BATCH:-50000}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}

case "$DB" in
    naeringsareal_bench*) ;;
    *) echo "load.sh: refusing to (re)create '$DB': the name must start with naeringsareal_bench" >&2; exit 2 ;;
esac
[[ "$N" =~ ^[0-9]+$ && "$N" -ge 1 && "$N" -le 9999999 ]] || { echo "load.sh: N must be 1..9999999" >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
psql_base=(psql -X -q -v ON_ERROR_STOP=1)

echo "== recreating database $DB on $PGHOST:$PGPORT"
PGOPTIONS='-c client_min_messages=warning' "${psql_base[@]}" -d postgres -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)"
"${psql_base[@]}" -d postgres -c "CREATE DATABASE \"$DB\""

# Each migration runs in one transaction (as diesel runs it) and is recorded
# in diesel's own table, exactly as diesel_migrations records it (version =
# the directory name up to the first '_', dashes removed), so that the
# service's embedded migrations see them as applied and do not re-run them.
echo "== applying migrations"
"${psql_base[@]}" -d "$DB" -c "CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (
       version VARCHAR(50) PRIMARY KEY NOT NULL,
       run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)"
for dir in $(ls -d "$repo"/migrations/*/ | sort); do
    name=$(basename "$dir")
    version=${name%%_*}; version=${version//-/}
    echo "   $name (version $version)"
    "${psql_base[@]}" -d "$DB" -1 -f "$dir/up.sql" \
        -c "INSERT INTO __diesel_schema_migrations (version) VALUES ('$version')"
done

echo "== loading reference places and $N plots (batches of $BATCH)"
start=$(date +%s.%N)
"${psql_base[@]}" -d "$DB" -v n="$N" -v batch="$BATCH" -f "$here/generate.sql"
end=$(date +%s.%N)

secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
read -r plots open versions places size < <("${psql_base[@]}" -At -F ' ' -d "$DB" -c "
    SELECT (SELECT count(*) FROM plots),
           (SELECT count(*) FROM plots WHERE ended_at IS NULL),
           (SELECT count(*) FROM plot_versions),
           (SELECT count(*) FROM reference_places),
           replace(pg_size_pretty(pg_database_size(current_database())), ' ', '')")
echo "== done: $DB"
echo "   load time (reference places + plots + VACUUM ANALYZE): ${secs} s"
echo "   plots: $plots ($open open), plot_versions: $versions, reference_places: $places, database size: $size"
