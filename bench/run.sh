#!/usr/bin/env bash
# One benchmark run against one database (see bench/README.md).
#
#   bench/run.sh [DB]                        DB defaults to naeringsareal_bench
#
# Starts tipg (yardstick) and, when NAERINGSAREAL_BIN is set, the service
# ("$NAERINGSAREAL_BIN serve"), runs the four queries against each of them
# with wrk at each concurrency (interleaved: for each query and concurrency,
# one server after the other), records each server's peak RSS, stops them,
# then runs the pgbench floors, and writes bench/out/<stamp>-<DB>/results.md
# (also printed to stdout).
#
# Environment (defaults in brackets):
#   NAERINGSAREAL_BIN     path of the service binary; unset = tipg only
#   NAERINGSAREAL_LISTEN  its listen address [127.0.0.1:8090]
#   NAERINGSAREAL_RUST_LOG  RUST_LOG given to the service [warn]
#   DURATION     seconds per measured wrk/pgbench run [15]
#   WARMUP       seconds of wrk warm-up per server and query, not measured [2]
#   CONCURRENCY  connection counts to run [1 32]
#   QUERIES      which of a b c d to run [a b c d]
#   TIPG         1 = run tipg, 0 = skip it [1]
#   TIPG_SOURCE  open = tipg serves the view bench.plots (the open plots, as
#                the service does; created by this script), table = tipg
#                serves public.plots as it is [open]
#   PGBENCH      1 = run the pgbench floors, 0 = skip them [1]
#   TIPG_PORT [18081]   TIPG_WORKERS [2]   SEED (random bboxes) [42]
#   PGHOST [127.0.0.1]  PGPORT [5432]  PGUSER [postgres]
set -euo pipefail

DB=${1:-naeringsareal_bench}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-2}
CONCURRENCY=${CONCURRENCY:-"1 32"}
QUERIES=${QUERIES:-"a b c d"}
TIPG=${TIPG:-1}
TIPG_SOURCE=${TIPG_SOURCE:-open}
PGBENCH=${PGBENCH:-1}
TIPG_PORT=${TIPG_PORT:-18081}
TIPG_WORKERS=${TIPG_WORKERS:-2}
SEED=${SEED:-42}
NAERINGSAREAL_LISTEN=${NAERINGSAREAL_LISTEN:-127.0.0.1:8090}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="$here/out/$stamp-$DB"
mkdir -p "$out"

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

command -v wrk >/dev/null || die "wrk not found (apt-get install wrk)"
command -v pgbench >/dev/null || [[ $PGBENCH == 0 ]] || die "pgbench not found (apt-get install postgresql-contrib or postgresql-client)"
command -v curl >/dev/null || die "curl not found"
if [[ $TIPG == 1 && ! -x "$here/.venv/bin/uvicorn" ]]; then
    die "tipg is not installed: python3 -m venv bench/.venv && bench/.venv/bin/pip install -r bench/requirements.txt"
fi
if [[ -n ${NAERINGSAREAL_BIN:-} ]]; then
    [[ -x $NAERINGSAREAL_BIN && -f $NAERINGSAREAL_BIN ]] || die "NAERINGSAREAL_BIN=$NAERINGSAREAL_BIN is not an executable file"
    NAERINGSAREAL_BIN=$(readlink -f "$NAERINGSAREAL_BIN")   # it is started from the repo root
fi

psqlq() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
nplots=$(psqlq -c "SELECT count(*) FROM plots") || die "cannot read plots in database $DB (run bench/load.sh first)"
nopen=$(psqlq -c "SELECT count(*) FROM plots WHERE ended_at IS NULL")
[[ $nplots -gt 0 ]] || die "database $DB has no plots"

# A deterministic sample of 1000 open plots for query (c).
ids="$out/ids.txt"
psqlq -c "SELECT id FROM plots WHERE ended_at IS NULL ORDER BY md5(id::text || ':bench-sample') LIMIT 1000" > "$ids"

# --- servers --------------------------------------------------------------

declare -A base coll pid_of
servers=()
started=()

cleanup() {
    local p
    for p in "${started[@]}"; do
        if kill -0 "$p" 2>/dev/null; then
            kill -TERM "$p" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
            kill -KILL "$p" 2>/dev/null || true
        fi
    done
    started=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# This process and its descendants (uvicorn's workers are children of the
# master), one pid a line.
tree_pids() {
    local p=$1 c
    echo "$p"
    for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree_pids "$c"; done
}
# Sum of VmHWM (peak resident set) over a process tree, in KiB.
tree_hwm_kib() {
    local sum=0 p v
    for p in $(tree_pids "$1"); do
        v=$(awk '/^VmHWM:/ { print $2 }' /proc/"$p"/status 2>/dev/null || echo 0)
        sum=$((sum + ${v:-0}))
    done
    echo "$sum"
}
# CPU seconds (user+sys) used so far by a process tree.
tree_cpu_s() {
    local tck sum=0 p t
    tck=$(getconf CLK_TCK)
    for p in $(tree_pids "$1"); do
        t=$(awk '{ print $14 + $15 }' /proc/"$p"/stat 2>/dev/null || echo 0)
        sum=$((sum + ${t:-0}))
    done
    awk -v s="$sum" -v t="$tck" 'BEGIN { printf "%.1f", s / t }'
}

wait_ready() { # name url
    local name=$1 url=$2 pid=${pid_of[$1]}
    for _ in $(seq 240); do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -20 "$out/$name.log" >&2 || true
            die "$name exited during start-up (log: $out/$name.log)"
        fi
        if curl -sf -o /dev/null "$url"; then return 0; fi
        sleep 0.5
    done
    die "$name not ready after 120 s ($url)"
}

port_free() { ! (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }
[[ $TIPG == 1 ]] && { port_free "127.0.0.1:$TIPG_PORT" || die "port $TIPG_PORT is in use: set TIPG_PORT"; }
[[ -n ${NAERINGSAREAL_BIN:-} ]] && { port_free "$NAERINGSAREAL_LISTEN" || die "$NAERINGSAREAL_LISTEN is in use: set NAERINGSAREAL_LISTEN"; }

if [[ $TIPG == 1 ]]; then
    case $TIPG_SOURCE in
        open)
            # The service lists only open plots (ended_at IS NULL), and the
            # registry's indexes are partial on that predicate; tipg knows
            # nothing of ended_at, so it gets a view that applies it. This
            # makes it return the same features as the service and lets it
            # use the same indexes.
            psqlq -c "CREATE SCHEMA IF NOT EXISTS bench" \
                  -c "DROP VIEW IF EXISTS bench.plots" \
                  -c "CREATE VIEW bench.plots AS SELECT * FROM public.plots WHERE ended_at IS NULL" \
                  -c "COMMENT ON VIEW bench.plots IS 'Open plots, for tipg in bench/run.sh'"
            tipg_schema=bench ;;
        table) tipg_schema=public ;;
        *) die "TIPG_SOURCE must be open or table" ;;
    esac
    log "starting tipg ($TIPG_WORKERS uvicorn workers) on 127.0.0.1:$TIPG_PORT"
    # cwd = the output folder, so that no stray .env file configures tipg.
    (
        cd "$out"
        export DATABASE_URL="postgresql://$PGUSER@$PGHOST:$PGPORT/$DB"
        export TIPG_DB_SCHEMAS="[\"$tipg_schema\"]" TIPG_DB_TABLES="[\"$tipg_schema.plots\"]" TIPG_DB_FUNCTIONS='[]'
        export TIPG_CATALOG_TTL=0
        exec "$here/.venv/bin/uvicorn" tipg.main:app --host 127.0.0.1 --port "$TIPG_PORT" \
            --workers "$TIPG_WORKERS" --no-access-log --log-level warning
    ) > "$out/tipg.log" 2>&1 &
    pid_of[tipg]=$!; started+=("$!")
    base[tipg]="http://127.0.0.1:$TIPG_PORT"; coll[tipg]="$tipg_schema.plots"
    servers+=(tipg)
fi

if [[ -n ${NAERINGSAREAL_BIN:-} ]]; then
    log "starting $NAERINGSAREAL_BIN serve on $NAERINGSAREAL_LISTEN"
    (
        cd "$repo"
        export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB"
        export NAERINGSAREAL_LISTEN RUST_LOG="${NAERINGSAREAL_RUST_LOG:-warn}"
        exec "$NAERINGSAREAL_BIN" serve
    ) > "$out/naeringsareal.log" 2>&1 &
    pid_of[naeringsareal]=$!; started+=("$!")
    base[naeringsareal]="http://$NAERINGSAREAL_LISTEN"; coll[naeringsareal]="plots"
    servers+=(naeringsareal)
fi

for s in "${servers[@]}"; do
    wait_ready "$s" "${base[$s]}/collections/${coll[$s]}/items?limit=1"
    log "$s is up (pid ${pid_of[$s]})"
done

declare -A qdesc=(
    [a]="Drammen bbox 10.10,59.70,10.30,59.80, limit=100"
    [b]="random 0.02°×0.01° bbox in the data extent, limit=100"
    [c]="one plot by id (1000 sampled ids)"
    [d]="status=available&land_use=1340, limit=100"
)
declare -A qscript=([a]=a_drammen_bbox [b]=b_random_bbox [c]=c_item [d]=d_filter)
declare -A qsample=(
    [a]="items?bbox=10.10,59.70,10.30,59.80&limit=100"
    [b]="items?bbox=10.19,59.73,10.21,59.74&limit=100"
    [c]="items/$(head -1 "$ids")"
    [d]="items?status=available&land_use=1340&limit=100"
)

results="$out/results.tsv"   # query target c rps p50 p99 errors note
: > "$results"
checks="$out/checks.tsv"     # server query status bytes numberReturned numberMatched
: > "$checks"

# One request per server and query, to show what the servers return.
for s in "${servers[@]}"; do
    for q in $QUERIES; do
        url="${base[$s]}/collections/${coll[$s]}/${qsample[$q]}"
        code=$(curl -s -o "$out/sample_${s}_$q.json" -w '%{http_code} %{size_download}' "$url" || echo "000 0")
        nums=$(python3 -c '
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception:
    print("- -"); sys.exit()
if d.get("type") == "Feature":
    print("1 -")
else:
    print(d.get("numberReturned", len(d.get("features", []))), d.get("numberMatched", "-"))
' "$out/sample_${s}_$q.json")
        printf '%s\t%s\t%s\t%s\n' "$s" "$q" "${code// /$'\t'}" "${nums// /$'\t'}" >> "$checks"
    done
done

run_wrk() { # server query conns duration label
    local s=$1 q=$2 c=$3 d=$4 label=$5 t
    t=$(( c < 2 ? c : 2 ))
    COLLECTION=${coll[$s]} IDS=$ids SEED=$SEED \
        wrk -t"$t" -c"$c" -d"${d}s" --timeout 30s --latency \
            -s "$here/wrk/${qscript[$q]}.lua" "${base[$s]}" > "$out/wrk_${s}_${q}_c${c}${label}.txt" 2>&1 || true
}

for q in $QUERIES; do
    for s in "${servers[@]}"; do
        log "warm-up $s ($q), ${WARMUP}s"
        run_wrk "$s" "$q" 4 "$WARMUP" _warmup
    done
    for c in $CONCURRENCY; do
        for s in "${servers[@]}"; do
            log "wrk $s query $q c=$c ${DURATION}s"
            run_wrk "$s" "$q" "$c" "$DURATION" ""
            f="$out/wrk_${s}_${q}_c${c}.txt"
            if line=$(grep '^RESULT ' "$f"); then
                eval "$(echo "${line#RESULT }" | tr ' ' '\n' | sed 's/^/r_/')"
                printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$q" "$s" "$c" "$r_rps" "$r_p50_ms" "$r_p99_ms" \
                    "$r_errors/$r_non2xx" "$((r_bytes / (r_requests > 0 ? r_requests : 1))) B/resp" >> "$results"
            else
                printf '%s\t%s\t%s\t-\t-\t-\t-\twrk failed, see %s\n' "$q" "$s" "$c" "$(basename "$f")" >> "$results"
            fi
            sleep 1
        done
    done
done

declare -A rss cpu
for s in "${servers[@]}"; do
    rss[$s]=$(tree_hwm_kib "${pid_of[$s]}")
    cpu[$s]=$(tree_cpu_s "${pid_of[$s]}")
    nproc_s=$(tree_pids "${pid_of[$s]}" | wc -l)
    plural=""; [[ $nproc_s -gt 1 ]] && plural=es
    rss[$s]="$(awk -v k="${rss[$s]}" 'BEGIN { printf "%.1f", k / 1024 }') MiB ($nproc_s process$plural)"
done
log "stopping servers"
cleanup

# --- pgbench floors -------------------------------------------------------

declare -A pgscripts=([a]="a_page a_page_count" [b]="b_page b_page_count" [c]="c_item" [d]="d_page d_page_count")
if [[ $PGBENCH == 1 ]]; then
    for q in $QUERIES; do
        for script in ${pgscripts[$q]}; do
            for c in $CONCURRENCY; do
                j=$(( c < 2 ? c : 2 ))
                log "pgbench $script c=$c ${DURATION}s"
                prefix="$out/pgblog_${script}_c$c"
                # The session settings the service's pool sets on every connection.
                PGOPTIONS="-c plan_cache_mode=force_custom_plan -c max_parallel_workers_per_gather=0 -c jit=off" \
                pgbench -n -M prepared -f "$here/pgbench/$script.sql" -c "$c" -j "$j" -T "$DURATION" \
                    --random-seed="$SEED" -D nplots="$nplots" -l --log-prefix="$prefix" "$DB" \
                    > "$out/pgbench_${script}_c$c.txt" 2>&1 || true
                tps=$(awk '/^tps = / { printf "%.1f", $3 }' "$out/pgbench_${script}_c$c.txt")
                failed=$(awk -F': ' '/number of failed transactions/ { split($2, a, " "); print a[1] }' "$out/pgbench_${script}_c$c.txt")
                pct=$(cat "$prefix".* 2>/dev/null | awk '{ print $3 }' | sort -n | awk '
                    { v[NR] = $1 }
                    END { if (NR == 0) { print "- -"; exit }
                          i50 = int(NR * 0.50 + 0.5); if (i50 < 1) i50 = 1
                          i99 = int(NR * 0.99 + 0.5); if (i99 < 1) i99 = 1
                          printf "%.3f %.3f", v[i50] / 1000, v[i99] / 1000 }')
                rm -f "$prefix".*
                label="pgbench ${script#?_}"
                printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$q" "$label" "$c" "${tps:--}" ${pct} "${failed:--}" "" >> "$results"
                sleep 1
            done
        done
    done
fi

# --- report ---------------------------------------------------------------

md="$out/results.md"
{
    echo "# Benchmark run $stamp — database \`$DB\`"
    echo
    echo "- data: $nplots plots ($nopen open), generated by bench/generate.sql"
    echo "- machine: $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, load average at end $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- $(psqlq -c "SELECT split_part(version(), ',', 1)"), PostGIS $(psqlq -c "SELECT postgis_lib_version()"), jit=$(psqlq -c "SHOW jit")"
    echo "- repo commit: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo" diff --quiet 2>/dev/null || echo ' (dirty)')"
    echo "- each measured run: ${DURATION} s (after ${WARMUP} s warm-up per server and query); wrk -t1 -c1 at c=1, -t2 -cC above; pgbench -M prepared, -j 2 above c=1"
    [[ $TIPG == 1 ]] && echo "- tipg $("$here/.venv/bin/python" -c 'import tipg; print(tipg.__version__)'): uvicorn --workers $TIPG_WORKERS (uvloop, httptools), asyncpg pool ≤10 connections per worker, catalog TTL off, collection \`$tipg_schema.plots\` (TIPG_SOURCE=$TIPG_SOURCE)"
    [[ -n ${NAERINGSAREAL_BIN:-} ]] && echo "- naeringsareal: \`$NAERINGSAREAL_BIN serve\` on $NAERINGSAREAL_LISTEN"
    echo "- everything (servers, PostgreSQL, wrk, pgbench) shares the same $(nproc) cores"
    echo
    echo "## Throughput and latency"
    echo
    echo "errors = socket errors / non-2xx responses for wrk, failed transactions for pgbench."
    echo "pgbench rows are the database alone: \"page\" is the page query, \"page_count\" the page query plus the count capped at 1001 (two statements per transaction), both with the session settings of the service's connections (custom plans, no parallel workers, no JIT)."
    for q in $QUERIES; do
        echo
        echo "### ($q) ${qdesc[$q]}"
        echo
        echo "| target | c | req/s | p50 ms | p99 ms | errors | note |"
        echo "|---|---:|---:|---:|---:|---:|---|"
        awk -F'\t' -v q="$q" '$1 == q { printf "| %s | %s | %s | %s | %s | %s | %s |\n", $2, $3, $4, $5, $6, $7, $8 }' "$results"
    done
    if [[ ${#servers[@]} -gt 0 ]]; then
        echo
        echo "## Servers"
        echo
        echo "| server | peak RSS (VmHWM, summed over processes) | CPU s used (user+sys, whole run) |"
        echo "|---|---:|---:|"
        for s in "${servers[@]}"; do echo "| $s | ${rss[$s]} | ${cpu[$s]} |"; done
        echo
        echo "## One response per server and query"
        echo
        echo "| server | query | HTTP | bytes | numberReturned | numberMatched |"
        echo "|---|---|---:|---:|---:|---:|"
        awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$checks"
    fi
    echo
    echo "Raw wrk and pgbench output: \`bench/out/$stamp-$DB/\`."
} > "$md"

cat "$md"
log "results: $md"
