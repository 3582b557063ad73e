#!/usr/bin/env bash
# Time the CLI import of a GeoJSON FeatureCollection into a fresh database,
# then time importing the same file again (which should change nothing).
#
#   bench/import.sh [FILE]        FILE defaults to bench/data/plots-100k.geojson
#   bench/export-geojson.sh 100000 bench/data/plots-100k.geojson   # makes it
#   cargo build --release && bench/import.sh
#
# Environment (defaults in brackets):
#   NAERINGSAREAL_BIN  the service binary [target/release/naeringsareal]; run
#                      from the repo root with DATABASE_URL set, as
#                      "migrate" and then twice "import FILE"
#   IMPORT_DB          [naeringsareal_bench_import]; DROPPED and recreated.
#                      Must start with naeringsareal_bench. Left in place at
#                      the end, for inspection.
#   PGHOST [127.0.0.1]  PGPORT [5432]  PGUSER [postgres]
#
# The reference places (bench/reference_places.sql, as bench/load.sh loads
# them) go in before the import, so that the import computes the plots'
# access distances as a load does. Each import runs under GNU time
# (/usr/bin/time -v, Debian package "time"); the script prints its wall
# time and peak resident set size, and what each import did to the plots
# and their history. Output: bench/out/<UTC stamp>-import-<DB>/.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
FILE=${1:-$here/data/plots-100k.geojson}
IMPORT_DB=${IMPORT_DB:-naeringsareal_bench_import}
NAERINGSAREAL_BIN=${NAERINGSAREAL_BIN:-$repo/target/release/naeringsareal}
out="$here/out/$stamp-import-$IMPORT_DB"

case "$IMPORT_DB" in
    naeringsareal_bench*) ;;
    *) die "refusing to (re)create '$IMPORT_DB': the name must start with naeringsareal_bench" ;;
esac
[[ -f $FILE ]] || die "$FILE not found (make it with bench/export-geojson.sh 100000 $FILE)"
FILE=$(readlink -f "$FILE")   # the binary runs from the repo root
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (apt-get install time)"
[[ -x $NAERINGSAREAL_BIN && -f $NAERINGSAREAL_BIN ]] || die "NAERINGSAREAL_BIN=$NAERINGSAREAL_BIN is not an executable file (cargo build --release)"
NAERINGSAREAL_BIN=$(readlink -f "$NAERINGSAREAL_BIN")
mkdir -p "$out"

export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$IMPORT_DB"
psql_base=(psql -X -q -v ON_ERROR_STOP=1)
psqlq() { "${psql_base[@]}" -At -F ' ' -d "$IMPORT_DB" "$@"; }

# plots, open plots, plot_versions, sum of versions, database size
state() {
    psqlq -c "SELECT (SELECT count(*) FROM plots),
                     (SELECT count(*) FROM plots WHERE ended_at IS NULL),
                     (SELECT count(*) FROM plot_versions),
                     (SELECT coalesce(sum(version), 0) FROM plots),
                     replace(pg_size_pretty(pg_database_size(current_database())), ' ', '')"
}

log "recreating database $IMPORT_DB on $PGHOST:$PGPORT"
PGOPTIONS='-c client_min_messages=warning' "${psql_base[@]}" -d postgres -c "DROP DATABASE IF EXISTS \"$IMPORT_DB\" WITH (FORCE)"
"${psql_base[@]}" -d postgres -c "CREATE DATABASE \"$IMPORT_DB\""

log "$NAERINGSAREAL_BIN migrate"
(cd "$repo" && "$NAERINGSAREAL_BIN" migrate) > "$out/migrate.log" 2>&1 \
    || { tail -20 "$out/migrate.log" >&2; die "migrate failed (log: $out/migrate.log)"; }

log "loading the reference places"
"${psql_base[@]}" -d "$IMPORT_DB" -f "$here/reference_places.sql" -c "VACUUM (ANALYZE) reference_places"

# run_import LABEL: one timed import; sets wall, rss_kib, rc.
run_import() {
    local label=$1
    log "import $label: $NAERINGSAREAL_BIN import $FILE"
    set +e
    (cd "$repo" && /usr/bin/time -v -o "$out/time_$label.txt" "$NAERINGSAREAL_BIN" import "$FILE") \
        > "$out/import_$label.log" 2>&1
    rc=$?
    set -e
    wall=$(awk -F': ' '/Elapsed \(wall clock\) time/ { print $2 }' "$out/time_$label.txt")
    rss_kib=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$out/time_$label.txt")
    if [[ $rc -ne 0 ]]; then
        tail -20 "$out/import_$label.log" >&2
        log "import $label exited with status $rc (log: $out/import_$label.log)"
    fi
}

mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
# wall clock as GNU time prints it (h:mm:ss or m:ss.cc) in seconds
secs() { awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }' <<< "$1"; }

features=$(grep -c '"type":"Feature"' "$FILE" || true)
read -r p0 o0 v0 s0 size0 < <(state)

run_import first
rc1=$rc wall1=$wall rss1=$rss_kib
read -r p1 o1 v1 s1 size1 < <(state)
[[ $rc1 -eq 0 ]] || die "the first import failed; not running the second"

run_import second
rc2=$rc wall2=$wall rss2=$rss_kib
read -r p2 o2 v2 s2 size2 < <(state)

{
    echo "Import benchmark $stamp: $(basename "$FILE") ($(stat -c %s "$FILE") bytes, $features features, one a line) into $IMPORT_DB"
    echo "  first import (empty database):  wall $wall1 ($(secs "$wall1") s), max RSS $(mib "$rss1"), exit $rc1"
    echo "    plots $p0 -> $p1 ($o1 open), plot_versions $v0 -> $v1, database $size0 -> $size1"
    echo "  second import (same file):      wall $wall2 ($(secs "$wall2") s), max RSS $(mib "$rss2"), exit $rc2"
    echo "    plots $p1 -> $p2 ($o2 open), plot_versions $v1 -> $v2, sum of versions $s1 -> $s2, database $size1 -> $size2"
    if [[ $p2 -eq $p1 && $v2 -eq $v1 && $s2 -eq $s1 ]]; then
        echo "    the second import changed nothing"
    else
        echo "    WARNING: the second import changed the registry"
    fi
    echo "  machine: $(nproc) cores, load average at end $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "  raw output (GNU time -v, import logs): bench/out/$stamp-import-$IMPORT_DB/"
} | tee "$out/results.txt"
[[ $rc2 -eq 0 ]] || exit 1
