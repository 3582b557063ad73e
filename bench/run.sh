#!/usr/bin/env bash
# One benchmark run against one database (see bench/README.md).
#
#   bench/run.sh [DB]                        DB defaults to naeringsareal_bench
#
# Starts tipg (yardstick) and, when NAERINGSAREAL_BIN is set, the service
# ("$NAERINGSAREAL_BIN serve"), runs the queries against each of them with
# wrk at each concurrency (interleaved: for each query and concurrency, one
# target after the other), records each server's peak RSS, stops them, then
# runs the pgbench floors and EXPLAIN (ANALYZE, BUFFERS) of the floors that
# have fixed parameters (plans.txt), and writes
# bench/out/<stamp>-<DB>/results.md (also printed to stdout).
#
# Queries: a b c d (both servers), f (CQL2 filter; both servers, each with
# its own spelling of the same filter), g (the same bbox page in CRS84 and
# in EPSG:25832, the service only: two targets, naeringsareal and
# naeringsareal_utm32). There is no query e: e_patch.lua is bench/patch.sh's.
#
# Environment (defaults in brackets):
#   NAERINGSAREAL_BIN     path of the service binary; unset = tipg only
#   NAERINGSAREAL_LISTEN  its listen address [127.0.0.1:8090]
#   NAERINGSAREAL_RUST_LOG  RUST_LOG given to the service [warn]
#   NAERINGSAREAL_COMMIT  the commit the binary was built from, for the
#                report [unset: not stated]
#   DURATION     seconds per measured wrk/pgbench run [15]
#   WARMUP       seconds of wrk warm-up per server and query, not measured [2]
#   CONCURRENCY  connection counts to run [1 32]
#   QUERIES      which of a b c d f g to run [a b c d f g]
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
QUERIES=${QUERIES:-"a b c d f g"}
TIPG=${TIPG:-1}
TIPG_SOURCE=${TIPG_SOURCE:-open}
PGBENCH=${PGBENCH:-1}
TIPG_PORT=${TIPG_PORT:-18081}
TIPG_WORKERS=${TIPG_WORKERS:-2}
SEED=${SEED:-42}
NAERINGSAREAL_LISTEN=${NAERINGSAREAL_LISTEN:-127.0.0.1:8090}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
out="$here/out/$stamp-$DB"
mkdir -p "$out"

ensure_wrk
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
    for p in "${started[@]}"; do stop_process "$p"; done
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
            # Since the `published` column (after beb428a) the service also
            # lists only published plots; the view applies that too when the
            # column exists (generate.sql's plots are all published).
            view_where="ended_at IS NULL"
            if [[ $(psqlq -c "SELECT count(*) FROM pg_attribute WHERE attrelid = 'public.plots'::regclass AND attname = 'published' AND NOT attisdropped") == 1 ]]; then
                view_where="ended_at IS NULL AND published"
            fi
            psqlq -c "CREATE SCHEMA IF NOT EXISTS bench" \
                  -c "DROP VIEW IF EXISTS bench.plots" \
                  -c "CREATE VIEW bench.plots AS SELECT * FROM public.plots WHERE $view_where" \
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
    start_service "$NAERINGSAREAL_BIN" "$DB" "$out/naeringsareal.log"
    pid_of[naeringsareal]=$service_pid; started+=("$service_pid")
    base[naeringsareal]="http://$NAERINGSAREAL_LISTEN"; coll[naeringsareal]="plots"
    servers+=(naeringsareal)
fi

for s in "${servers[@]}"; do
    wait_ready "$s" "${pid_of[$s]}" "${base[$s]}/collections/${coll[$s]}/items?limit=1" "$out/$s.log"
    log "$s is up (pid ${pid_of[$s]})"
done

for q in $QUERIES; do
    [[ $q =~ ^[abcdfg]$ ]] || die "QUERIES: unknown query '$q' (a b c d f g)"
done

# (f): the same logical CQL2 filter, spelled for each server. tipg 1.6.1
# (cql2 0.6.0) turns a cql2-text BBOX(...) literal into an SRID-0 envelope and
# answers 500 ("Operation on mixed SRID geometries"), so it gets the same box
# as a POLYGON literal, which it tags 4326 (see bench/README.md, query f).
F_BOX="10.15,59.70,10.30,59.78"
F_REST="land_use IN (1340,1350,1826) AND area_m2 BETWEEN 20000 AND 150000"
F_FILTER_NAERINGSAREAL="S_INTERSECTS(geometry, BBOX($F_BOX)) AND $F_REST"
F_FILTER_TIPG="S_INTERSECTS(geom, POLYGON((10.15 59.70, 10.30 59.70, 10.30 59.78, 10.15 59.78, 10.15 59.70))) AND $F_REST"
G_UTM_CRS="http://www.opengis.net/def/crs/EPSG/0/25832"
urlenc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
declare -A fenc=([naeringsareal]=$(urlenc "$F_FILTER_NAERINGSAREAL") [tipg]=$(urlenc "$F_FILTER_TIPG"))
g_utm_enc=$(urlenc "$G_UTM_CRS")

declare -A qdesc=(
    [a]="Drammen bbox 10.10,59.70,10.30,59.80, limit=100"
    [b]="random 0.02°×0.01° bbox in the data extent, limit=100"
    [c]="one plot by id (1000 sampled ids)"
    [d]="status=available&land_use=1340, limit=100"
    [f]="CQL2 filter, limit=100: naeringsareal \`$F_FILTER_NAERINGSAREAL\`; tipg \`$F_FILTER_TIPG\` (filter-lang=cql2-text for both)"
    [g]="bbox $F_BOX, limit=100, the service only: naeringsareal = CRS84 (no crs parameter), naeringsareal_utm32 = crs=$G_UTM_CRS"
)
declare -A qscript=([a]=a_drammen_bbox [b]=b_random_bbox [c]=c_item [d]=d_filter [f]=f_cql2 [g]=g_crs)

# A target is a server, or a server with a variant of the query (name
# <server>_<variant>). Queries a-d and f: every server; g: the service twice.
srv_of() { echo "${1%%_*}"; }
targets_of() { # query
    local s
    case $1 in
        g) for s in "${servers[@]}"; do [[ $s == naeringsareal ]] && echo "naeringsareal naeringsareal_utm32"; done ;;
        *) echo "${servers[@]}" ;;
    esac
}
# The request path (after /collections/<collection>/) a target sends for a
# query; used for the one sample request per target and query.
qpath() { # query target
    local q=$1 t=$2
    case $q in
        a) echo "items?bbox=10.10,59.70,10.30,59.80&limit=100" ;;
        b) echo "items?bbox=10.19,59.73,10.21,59.74&limit=100" ;;
        c) echo "items/$(head -1 "$ids")" ;;
        d) echo "items?status=available&land_use=1340&limit=100" ;;
        f) echo "items?limit=100&filter-lang=cql2-text&filter=${fenc[$(srv_of "$t")]}" ;;
        g) if [[ $t == *_utm32 ]]; then echo "items?bbox=$F_BOX&limit=100&crs=$g_utm_enc"
           else echo "items?bbox=$F_BOX&limit=100"; fi ;;
    esac
}

results="$out/results.tsv"   # query target c rps p50 p99 errors note
: > "$results"
checks="$out/checks.tsv"     # target query status bytes numberReturned numberMatched same-ids
: > "$checks"

# One request per target and query, to show what the servers return; for
# queries with more than one target, whether each returns the same feature
# ids, in the same order, as the first target.
for q in $QUERIES; do
    first=""
    for t in $(targets_of "$q"); do
        s=$(srv_of "$t")
        url="${base[$s]}/collections/${coll[$s]}/$(qpath "$q" "$t")"
        code=$(curl -s -o "$out/sample_${t}_$q.json" -w '%{http_code} %{size_download}' "$url" || echo "000 0")
        nums=$(python3 -c '
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception:
    print("- -"); sys.exit()
if d.get("type") == "Feature":
    ids = [str(d.get("id"))]
    print("1 -")
else:
    ids = [str(f.get("id")) for f in d.get("features", [])]
    print(d.get("numberReturned", len(d.get("features", []))), d.get("numberMatched", "-"))
open(sys.argv[2], "w").write("".join(i + "\n" for i in ids))
' "$out/sample_${t}_$q.json" "$out/sample_${t}_$q.ids")
        same="-"
        if [[ -z $first ]]; then
            first=$t
        else
            if cmp -s "$out/sample_${first}_$q.ids" "$out/sample_${t}_$q.ids"; then same="yes (= $first)"
            else same="NO (≠ $first)"; fi
        fi
        printf '%s\t%s\t%s\t%s\t%s\n' "$t" "$q" "${code// /$'\t'}" "${nums// /$'\t'}" "$same" >> "$checks"
    done
done

run_wrk() { # target query conns duration label
    local tg=$1 q=$2 c=$3 d=$4 label=$5 t s filter="" crs=""
    s=$(srv_of "$tg")
    t=$(( c < 2 ? c : 2 ))
    case $q in
        f) filter=${fenc[$s]} ;;
        g) [[ $tg == *_utm32 ]] && crs=$g_utm_enc ;;
    esac
    COLLECTION=${coll[$s]} IDS=$ids SEED=$SEED FILTER=$filter CRS=$crs \
        wrk -t"$t" -c"$c" -d"${d}s" --timeout 30s --latency \
            -s "$here/wrk/${qscript[$q]}.lua" "${base[$s]}" > "$out/wrk_${tg}_${q}_c${c}${label}.txt" 2>&1 || true
}

for q in $QUERIES; do
    tgs=$(targets_of "$q")
    [[ -n $tgs ]] || { log "query $q: no server to run it against (g needs NAERINGSAREAL_BIN)"; continue; }
    for t in $tgs; do
        log "warm-up $t ($q), ${WARMUP}s"
        run_wrk "$t" "$q" 4 "$WARMUP" _warmup
    done
    for c in $CONCURRENCY; do
        for t in $tgs; do
            log "wrk $t query $q c=$c ${DURATION}s"
            run_wrk "$t" "$q" "$c" "$DURATION" ""
            f="$out/wrk_${t}_${q}_c${c}.txt"
            if line=$(grep '^RESULT ' "$f"); then
                eval "$(echo "${line#RESULT }" | tr ' ' '\n' | sed 's/^/r_/')"
                printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$q" "$t" "$c" "$r_rps" "$r_p50_ms" "$r_p99_ms" \
                    "$r_errors/$r_non2xx" "$((r_bytes / (r_requests > 0 ? r_requests : 1))) B/resp" >> "$results"
            else
                printf '%s\t%s\t%s\t-\t-\t-\t-\twrk failed, see %s\n' "$q" "$t" "$c" "$(basename "$f")" >> "$results"
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

declare -A pgscripts=([a]="a_page a_page_count" [b]="b_page b_page_count" [c]="c_item" [d]="d_page d_page_count"
                      [f]="f_page" [g]="g_page g_page_utm")
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

# --- plans ----------------------------------------------------------------

# EXPLAIN (ANALYZE, BUFFERS) of each floor script with fixed parameters (no
# \set), in a session with the service's settings, twice: the first run may
# read from disk (and, for ST_Transform, initialise PROJ in the backend); the
# second is the warm plan.
plans="$out/plans.txt"
: > "$plans"
if [[ $PGBENCH == 1 ]]; then
    for q in $QUERIES; do
        for script in ${pgscripts[$q]}; do
            sql="$here/pgbench/$script.sql"
            grep -q '^\\set' "$sql" && continue
            [[ $script == *_count ]] && continue
            {
                echo "=== ($q) pgbench/$script.sql — EXPLAIN (ANALYZE, BUFFERS), plan_cache_mode=force_custom_plan, max_parallel_workers_per_gather=0, jit=off"
                for run in 1 2; do
                    echo "--- run $run"
                    { echo "EXPLAIN (ANALYZE, BUFFERS)"; grep -v '^--' "$sql"; } |
                        PGOPTIONS="-c plan_cache_mode=force_custom_plan -c max_parallel_workers_per_gather=0 -c jit=off" \
                        psql -X -q -v ON_ERROR_STOP=1 -d "$DB" 2>&1 || true
                done
                echo
            } >> "$plans"
        done
    done
fi

# --- report ---------------------------------------------------------------

md="$out/results.md"
{
    echo "# Benchmark run $stamp — database \`$DB\`"
    echo
    echo "- data: $nplots plots ($nopen open), generated by bench/generate.sql"
    echo "- machine: $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, load average (1/5/15 min) at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- $(psqlq -c "SELECT split_part(version(), ',', 1)"), PostGIS $(psqlq -c "SELECT postgis_lib_version()"), jit=$(psqlq -c "SHOW jit")"
    echo "- repo commit: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo" diff --quiet 2>/dev/null || echo ' (dirty)')"
    echo "- each measured run: ${DURATION} s (after ${WARMUP} s warm-up per server and query); wrk -t1 -c1 at c=1, -t2 -cC above; pgbench -M prepared, -j 2 above c=1"
    [[ $TIPG == 1 ]] && echo "- tipg $("$here/.venv/bin/python" -c 'import tipg; print(tipg.__version__)'): uvicorn --workers $TIPG_WORKERS (uvloop, httptools), asyncpg pool ≤10 connections per worker, catalog TTL off, collection \`$tipg_schema.plots\` (TIPG_SOURCE=$TIPG_SOURCE)"
    [[ -n ${NAERINGSAREAL_BIN:-} ]] && echo "- naeringsareal: \`$NAERINGSAREAL_BIN serve\` on $NAERINGSAREAL_LISTEN${NAERINGSAREAL_COMMIT:+, built from commit $NAERINGSAREAL_COMMIT}"
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
        # Queries with more than one HTTP target: each against the first
        # (f: naeringsareal / tipg; g: naeringsareal_utm32 / naeringsareal).
        tgs=($(targets_of "$q"))
        if [[ ${#tgs[@]} -gt 1 ]]; then
            echo
            echo "Against ${tgs[0]}, same c: req/s ratio (higher = faster), p50 and p99 ratios (lower = faster)."
            echo
            echo "| target | c | req/s ratio | p50 ratio | p99 ratio |"
            echo "|---|---:|---:|---:|---:|"
            awk -F'\t' -v q="$q" -v ref="${tgs[0]}" '
                $1 == q && $2 == ref { rps[$3] = $4; p50[$3] = $5; p99[$3] = $6 }
                $1 == q && $2 != ref && $2 !~ /^pgbench/ { n++; t[n] = $2; c[n] = $3; r[n] = $4; a[n] = $5; b[n] = $6 }
                function ratio(x, y) { return (x + 0 > 0 && y + 0 > 0) ? sprintf("%.2f", x / y) : "-" }
                END { for (i = 1; i <= n; i++)
                        printf "| %s | %s | %s | %s | %s |\n", t[i], c[i], ratio(r[i], rps[c[i]]), ratio(a[i], p50[c[i]]), ratio(b[i], p99[c[i]]) }' "$results"
        fi
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
        echo "| target | query | HTTP | bytes | numberReturned | numberMatched | same feature ids |"
        echo "|---|---|---:|---:|---:|---:|---|"
        awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }' "$checks"
    fi
    echo
    [[ -s $plans ]] && { echo; echo "Plans of the floors with fixed parameters: \`plans.txt\`."; }
    echo "Raw wrk and pgbench output: \`bench/out/$stamp-$DB/\`."
} > "$md"

cat "$md"
log "results: $md"
