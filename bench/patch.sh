#!/usr/bin/env bash
# The write benchmark: single-plot PATCH over HTTP at concurrency 8, each
# connection on its own plots (bench/wrk/e_patch.lua).
#
#   bench/patch.sh [DB]           DB defaults to naeringsareal_bench (made by bench/load.sh)
#   cargo build --release && bench/patch.sh
#   DURATION=60s bench/patch.sh naeringsareal_bench_1m
#
# Environment (defaults in brackets):
#   NAERINGSAREAL_BIN     the service binary [target/release/naeringsareal]
#   NAERINGSAREAL_LISTEN  [127.0.0.1:8090]. If a service already answers
#                         /ready there, it is used as it is (it must serve DB)
#                         and left running; otherwise "$NAERINGSAREAL_BIN serve"
#                         is started (cwd = repo root, RUST_LOG =
#                         $NAERINGSAREAL_RUST_LOG [warn]) and stopped at the end.
#   DURATION              wrk -d [20s]
#   PLOTS                 how many plots to patch, split between the 8 threads [800]
#   PGHOST [127.0.0.1]  PGPORT [5432]  PGUSER [postgres]
#
# It makes a planner key (api-key create --name bench-patch-<pid> --role
# planner) and revokes it at the end, also on failure. Each successful PATCH
# makes a new version of a plot: the plots and their history in DB change.
# Output: bench/out/<UTC stamp>-patch-<DB>/ (ids.txt, wrk.txt, the service's
# log, results.txt).
set -euo pipefail

DB=${1:-naeringsareal_bench}
DURATION=${DURATION:-20s}
[[ $DURATION =~ ^[0-9]+$ ]] && DURATION=${DURATION}s
PLOTS=${PLOTS:-800}
THREADS=8
NAERINGSAREAL_LISTEN=${NAERINGSAREAL_LISTEN:-127.0.0.1:8090}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
NAERINGSAREAL_BIN=${NAERINGSAREAL_BIN:-$repo/target/release/naeringsareal}
out="$here/out/$stamp-patch-$DB"

ensure_wrk
command -v curl >/dev/null || die "curl not found"
[[ -x $NAERINGSAREAL_BIN && -f $NAERINGSAREAL_BIN ]] || die "NAERINGSAREAL_BIN=$NAERINGSAREAL_BIN is not an executable file (cargo build --release)"
NAERINGSAREAL_BIN=$(readlink -f "$NAERINGSAREAL_BIN")   # it is started from the repo root
[[ $PLOTS =~ ^[0-9]+$ && $PLOTS -ge $THREADS ]] || die "PLOTS must be a number >= $THREADS"
mkdir -p "$out"

export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB"
psqlq() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

# The plots to patch, with their current versions (so that a second run on
# the same database starts from the right ETags). Plots offered for lease
# only are left out, as a sale price is what the PATCH sets.
ids="$out/ids.txt"
psqlq -F ' ' -c "SELECT id, version FROM plots
                 WHERE ended_at IS NULL AND offer_type <> 'lease'
                 ORDER BY id LIMIT $PLOTS" > "$ids" \
    || die "cannot read plots in database $DB (run bench/load.sh first)"
nids=$(wc -l < "$ids")
[[ $nids -ge $THREADS ]] || die "database $DB has only $nids open plots for sale (need $THREADS or more)"
id_array="'{$(cut -d' ' -f1 "$ids" | paste -sd,)}'::uuid[]"
versions_sum() { psqlq -c "SELECT coalesce(sum(version), 0) FROM plots WHERE id = ANY ($id_array)"; }

# --- key and service ------------------------------------------------------

key_name="bench-patch-$$"
key=""
service_pid=""

cleanup() {
    if [[ -n $service_pid ]]; then
        log "stopping the service (pid $service_pid)"
        stop_process "$service_pid"
    fi
    service_pid=""
    if [[ -n $key ]]; then
        log "revoking key $key_name"
        (cd "$repo" && "$NAERINGSAREAL_BIN" api-key revoke "$key_name") >> "$out/api-key.log" 2>&1 \
            || log "WARNING: could not revoke key $key_name (see $out/api-key.log); revoke it by hand"
    fi
    key=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "creating planner key $key_name"
created=$(cd "$repo" && "$NAERINGSAREAL_BIN" api-key create --name "$key_name" --role planner 2>>"$out/api-key.log") \
    || die "api-key create failed (see $out/api-key.log)"
key=$(printf '%s\n' "$created" | tail -n 1 | tr -d '[:space:]')
# Everything but the key itself goes to the log.
printf '%s\n' "$created" | sed '$d' >> "$out/api-key.log"
[[ -n $key ]] || die "api-key create printed no key"

base="http://$NAERINGSAREAL_LISTEN"
if curl -sf -o /dev/null "$base/ready"; then
    log "using the service already running on $NAERINGSAREAL_LISTEN (it must serve $DB)"
else
    start_service "$NAERINGSAREAL_BIN" "$DB" "$out/naeringsareal.log"
    wait_ready "the service" "$service_pid" "$base/ready" "$out/naeringsareal.log"
    log "the service is up (pid $service_pid)"
fi

# --- run ------------------------------------------------------------------

before=$(versions_sum)
log "wrk -t$THREADS -c$THREADS -d$DURATION: PATCH on $nids plots ($((nids / THREADS))+ per connection)"
wrk_out="$out/wrk.txt"
THREADS=$THREADS IDS_FILE=$ids NAERINGSAREAL_KEY=$key COLLECTION=plots \
    wrk -t"$THREADS" -c"$THREADS" -d"$DURATION" --timeout 30s --latency \
        -s "$here/wrk/e_patch.lua" "$base" > "$wrk_out" 2>&1 || { cat "$wrk_out" >&2; die "wrk failed"; }
after=$(versions_sum)

cleanup

# --- report ---------------------------------------------------------------

line=$(grep '^RESULT ' "$wrk_out") || { cat "$wrk_out" >&2; die "no RESULT line in $wrk_out"; }
eval "$(echo "${line#RESULT }" | tr ' ' '\n' | sed 's/^/r_/')"
patch=$(grep '^PATCH ' "$wrk_out" || echo "PATCH (no line)")
{
    echo "PATCH benchmark $stamp, database $DB ($nids plots, $THREADS connections, one thread each, $DURATION)"
    echo "  requests/s: $r_rps   p50: $r_p50_ms ms   p90: $r_p90_ms ms   p99: $r_p99_ms ms   max: $r_max_ms ms"
    echo "  requests: $r_requests   socket errors: $r_errors   HTTP >= 400: $r_non2xx"
    echo "  ${patch}"
    echo "  new versions in the database: $((after - before))"
    grep -q '^WARNING' "$wrk_out" && grep '^WARNING' "$wrk_out" | sed 's/^/  /'
    echo "  machine: $(nproc) cores, load average at end $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "  raw output: bench/out/$stamp-patch-$DB/"
} | tee "$out/results.txt"
