#!/usr/bin/env bash
# Overload drill: the heaviest read at c=256 while /health is sampled, to
# check that /health stays fast and every answer is 2xx or a fast 503.
#
#   bench/overload.sh [DB]          DB defaults to naeringsareal_ops_demo
#
# DB is made with the demo data if it does not exist (`migrate`, `seed-demo`).
# Two phases, each DURATION seconds, the service restarted between them:
#   1. the default bound on requests in flight (NAERINGSAREAL_MAX_IN_FLIGHT
#      unset: 256), so c=256 fits under it;
#   2. a bound of LOW_LIMIT, below the load, so that requests are refused.
# In each phase: wrk at CONNECTIONS on TARGET (statuses counted), a curl loop
# on /health every 20 ms and one on TARGET every 50 ms (the time of each
# answer, by status), and /metrics before and after (refused, in flight).
# Writes bench/out/<stamp>-overload-<DB>/results.md (also printed).
#
# Environment (defaults in brackets):
#   NAERINGSAREAL_BIN [target/release/naeringsareal]   NAERINGSAREAL_LISTEN [127.0.0.1:8090]
#   CONNECTIONS [256]   THREADS [2]   DURATION [40]   WARMUP [3]   LOW_LIMIT [32]
#   TARGET: the heaviest read [a CQL2 page of every demo plot, limit=1000]
set -euo pipefail

DB=${1:-naeringsareal_ops_demo}
CONNECTIONS=${CONNECTIONS:-256}
THREADS=${THREADS:-2}
DURATION=${DURATION:-40}
WARMUP=${WARMUP:-3}
LOW_LIMIT=${LOW_LIMIT:-32}
NAERINGSAREAL_LISTEN=${NAERINGSAREAL_LISTEN:-127.0.0.1:8090}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
out="$here/out/$stamp-overload-$DB"
mkdir -p "$out"

bin=$(readlink -f "${NAERINGSAREAL_BIN:-$repo/target/release/naeringsareal}")
[[ -x $bin ]] || die "no service binary at $bin (cargo build --release)"
ensure_wrk
port_free "$NAERINGSAREAL_LISTEN" || die "something listens on $NAERINGSAREAL_LISTEN already"

urlenc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
FILTER="S_INTERSECTS(geometry, BBOX(9,59,11,61)) AND area_m2 > 0"
TARGET=${TARGET:-"/collections/plots/items?limit=1000&filter-lang=cql2-text&filter=$(urlenc "$FILTER")"}
base="http://$NAERINGSAREAL_LISTEN"

if ! psql -X -At -d "$DB" -c "SELECT 1" >/dev/null 2>&1; then
    log "making $DB with the demo data"
    createdb "$DB"
    DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB" "$bin" migrate >/dev/null 2>&1
    DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB" "$bin" seed-demo >/dev/null 2>&1
fi

service_pid=""
cleanup() { [[ -n $service_pid ]] && stop_process "$service_pid"; }
trap cleanup EXIT

# Prints one metric's value (the first series matching the pattern).
metric() { # NAME [LABEL-PATTERN]
    # awk reads to the end (no early exit): curl must not die of SIGPIPE,
    # which pipefail would make the script's death.
    curl -sf "$base/metrics" | awk -v n="$1" -v p="${2:-}" \
        '!found && $1 ~ "^"n"({|$)" && index($1, p) { print $NF; found = 1 }'
}

# Samples URL every PAUSE seconds until END (epoch seconds): "status seconds" lines.
sample() { # URL PAUSE END OUT
    while (( $(date +%s) < $3 )); do
        curl -s -o /dev/null --max-time 10 -w '%{http_code} %{time_total}\n' "$1" >> "$4" || true
        sleep "$2"
    done
}

# "n=.. p50=.. p99=.. max=.. ms" of the samples in FILE with status STATUS (any: all).
summary() { # FILE STATUS
    awk -v s="$2" '(s == "any" || $1 == s) { print $2 * 1000 }' "$1" | sort -n | awk '
        { v[NR] = $1 }
        END {
            if (NR == 0) { print "n=0"; exit }
            p50 = v[int((NR - 1) * 0.50) + 1]; p99 = v[int((NR - 1) * 0.99) + 1]
            printf "n=%d p50=%.1f p99=%.1f max=%.1f ms\n", NR, p50, p99, v[NR]
        }'
}

statuses_of() { awk '{ c[$1]++ } END { for (s in c) printf "%s=%d ", s, c[s]; print "" }' "$1"; }

phase() { # NAME LIMIT (empty: the default)
    local name=$1 limit=$2 dir="$out/$1"
    mkdir -p "$dir"
    if [[ -n $limit ]]; then
        export NAERINGSAREAL_MAX_IN_FLIGHT=$limit
    else
        unset NAERINGSAREAL_MAX_IN_FLIGHT
    fi
    start_service "$bin" "$DB" "$dir/service.log"
    wait_ready service "$service_pid" "$base/health" "$dir/service.log"
    local code
    code=$(curl -s -o "$dir/sample.json" -w '%{http_code}' "$base$TARGET")
    [[ $code == 200 ]] || die "$TARGET answered $code: $(head -c 300 "$dir/sample.json")"
    log "$name: warm-up ${WARMUP}s at c=4"
    TARGET=$TARGET wrk -t1 -c4 -d"${WARMUP}s" -s "$here/wrk/o_statuses.lua" "$base" > /dev/null
    local refused0 limit_seen end
    refused0=$(metric naeringsareal_http_requests_refused_total)
    limit_seen=$(metric naeringsareal_http_in_flight_limit)
    end=$(( $(date +%s) + DURATION ))
    log "$name: wrk c=$CONNECTIONS for ${DURATION}s on the heavy read, limit $limit_seen; sampling /health"
    sample "$base/health" 0.02 "$end" "$dir/health.txt" &
    local health_pid=$!
    sample "$base$TARGET" 0.05 "$end" "$dir/target.txt" &
    local target_pid=$!
    TARGET=$TARGET wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency \
        -s "$here/wrk/o_statuses.lua" "$base" > "$dir/wrk.txt"
    wait "$health_pid" "$target_pid"
    local refused1 in_flight in_flight_later rss
    refused1=$(metric naeringsareal_http_requests_refused_total)
    in_flight=$(metric naeringsareal_http_requests_in_flight)
    # Requests whose client left with wrk still finish (or time out in the
    # pool's wait): the count must come back to 0.
    sleep 5
    in_flight_later=$(metric naeringsareal_http_requests_in_flight)
    rss=$(awk '/VmHWM/ { print $2 }' "/proc/$service_pid/status")
    stop_process "$service_pid"
    service_pid=""
    {
        echo "### $name: limit $limit_seen, c=$CONNECTIONS, ${DURATION} s"
        echo
        echo "- wrk on the heavy read: $(grep '^STATUSES' "$dir/wrk.txt" | cut -d' ' -f2-)"
        echo "  ($(grep '^RESULT' "$dir/wrk.txt" | cut -d' ' -f2-))"
        echo "- refused by the bound (from /metrics): $(( ${refused1%.*} - ${refused0%.*} )); in flight after: $in_flight, 5 s later: $in_flight_later"
        echo "- /health every 20 ms: $(summary "$dir/health.txt" any); statuses $(statuses_of "$dir/health.txt")"
        echo "- heavy read every 50 ms: 200: $(summary "$dir/target.txt" 200); 503: $(summary "$dir/target.txt" 503); statuses $(statuses_of "$dir/target.txt")"
        echo "- service log: $(wc -l < "$dir/service.log") lines"
        echo "- peak RSS: $(( rss / 1024 )) MiB"
        echo
    } >> "$out/results.md"
}

{
    echo "## Overload drill, $stamp"
    echo
    echo "Commit ${NAERINGSAREAL_COMMIT:-$(git -C "$repo" rev-parse --short HEAD)}, database $DB ($(psql -X -At -d "$DB" -c 'SELECT count(*) FROM plots') plots), $(nproc) cores, load before $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "Heavy read: \`$TARGET\`"
    echo
} > "$out/results.md"
phase default ""
phase low "$LOW_LIMIT"
cat "$out/results.md"
