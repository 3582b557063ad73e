#!/usr/bin/env bash
# Availability drills (by hand, never in CI), against clusters of their own
# started with scripts/pg-cluster.sh on ports 5481-5482, the release build,
# and bench/drill/load.py for the load.
#
#   cargo build --release && bench/drill.sh restart|failover|soak|replica
#
#   restart   reads at c=16 and PATCHes at c=4 for 40 s; PostgreSQL is
#             stopped (fast) at 10 s and started again 5 s later
#   failover  POSTs at c=4 and reads at c=4 over a primary with a
#             synchronous standby; at 10 s the primary is stopped
#             (immediate) and 2 s later the standby promoted
#   soak      reads at c=16 and PATCHes at c=4 for SOAK_SECONDS [600]; the
#             service's resident memory after a 60 s warm-up and at the end
#   replica   items pages, wrk -c16 for 20 s, alternately on a service whose
#             public reads go to a hot standby and on one reading the
#             primary (ABAB), same machine, same run
#
# Each prints its figures; everything is kept under bench/out/drill-<stamp>/.
# Environment: NAERINGSAREAL_BIN [target/release/naeringsareal].
set -euo pipefail
source "$(dirname "$0")/lib.sh"

drill=${1:?usage: bench/drill.sh restart|failover|soak|replica}
bin=${NAERINGSAREAL_BIN:-$repo/target/release/naeringsareal}
[[ -x $bin ]] || die "$bin is missing (cargo build --release)"
out=$repo/bench/out/drill-$drill-$stamp
mkdir -p "$out"
cluster=$repo/scripts/pg-cluster.sh
primary=/tmp/naer-drill-primary standby=/tmp/naer-drill-standby
p_port=5481 s_port=5482
listen=127.0.0.1:18091 listen_b=127.0.0.1:18092
pids=()

cleanup() {
    for pid in "${pids[@]}"; do stop_process "$pid"; done
    "$cluster" destroy "$standby" || true
    "$cluster" destroy "$primary" || true
}
trap cleanup EXIT

url() { printf 'postgres://postgres@127.0.0.1:%s/naeringsareal' "$1"; }
sql() { psql -h 127.0.0.1 -p "$1" -U postgres -d naeringsareal -qAtc "$2"; }

# The primary with the demo data and a planner key (in $key).
setup_primary() {
    "$cluster" destroy "$standby"; "$cluster" destroy "$primary"
    "$cluster" primary "$primary" "$p_port"
    DATABASE_URL=$(url $p_port) "$bin" migrate >/dev/null 2>&1
    DATABASE_URL=$(url $p_port) "$bin" seed-demo >/dev/null 2>&1
    key=$(DATABASE_URL=$(url $p_port) "$bin" api-key create --name drill --role planner | tail -n1)
}

# Starts the service on LISTEN with the environment given (VAR=value ...).
serve() { # LISTEN LOG VAR=value...
    local at=$1 logfile=$2; shift 2
    log "starting the service on $at"
    env NAERINGSAREAL_LISTEN="$at" RUST_LOG=warn NAERINGSAREAL_DB_POOL_TIMEOUT_MS=1000 "$@" \
        "$bin" serve > "$logfile" 2>&1 &
    pids+=($!)
    wait_ready service "$!" "http://$at/ready" "$logfile"
}

load() { # SECONDS ARGS...
    local seconds=$1; shift
    python3 "$here/drill/load.py" --base "http://$listen" --key "$key" --duration "$seconds" \
        --log "$out/answers.log" --acked "$out/acked.txt" "$@" > "$out/summary.json"
}

# Statuses other than 2xx, 304, 412 and 503, from answers.log.
unclean() {
    awk '$3 !~ /^(2..|304|412|503)$/ { n++ } END { print n + 0 }' "$out/answers.log"
}

# Acknowledged writes, and how many are stored exactly once (PATCH: the
# version holding the name; POST: the plot with the reference).
check_acked() { # PORT
    local total once
    total=$(wc -l < "$out/acked.txt")
    # One session for them all: the acknowledged values into a temporary
    # table, each counted where it must be stored.
    once=$(awk '{ kind = $1; $1 = ""; $2 = ""; sub(/^ +/, ""); print kind "\t" $0 }' "$out/acked.txt" |
        psql -X -qAt -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U postgres -d naeringsareal \
            -c "CREATE TEMP TABLE acked (kind text, value text)" \
            -c "\\copy acked FROM pstdin" \
            -c "SELECT count(*) FROM acked AS a
                WHERE CASE a.kind
                          WHEN 'patch' THEN (SELECT count(*) FROM plot_versions WHERE data->>'name' = a.value)
                          ELSE (SELECT count(*) FROM plots WHERE reference = a.value)
                      END = 1")
    echo "acknowledged writes: $total; stored exactly once: $once; lost or doubled: $((total - once))"
}

case "$drill" in
  restart)
    setup_primary
    serve "$listen" "$out/service.log" DATABASE_URL="$(url $p_port)"
    load 40 --readers 16 --writers 4 &
    load_pid=$!
    sleep 10
    log "stopping PostgreSQL"; "$cluster" stop "$primary" fast; date +%s.%N > "$out/down"
    sleep 5
    log "starting PostgreSQL"; "$cluster" start "$primary"; date +%s.%N > "$out/up"
    wait "$load_pid"
    cat "$out/summary.json"
    echo "answers other than 2xx/304/412/503: $(unclean)"
    awk -v up="$(cat "$out/up")" '$2 == "read" && $3 ~ /^2/ && $1 >= up { printf "first 2xx read %.3f s after PostgreSQL accepted connections\n", $1 - up; exit }' "$out/answers.log"
    check_acked $p_port
    ;;
  failover)
    setup_primary
    "$cluster" standby "$standby" "$s_port" "$p_port" sync
    serve "$listen" "$out/service.log" \
        DATABASE_URL="postgres://postgres@127.0.0.1:$p_port,127.0.0.1:$s_port/naeringsareal?target_session_attrs=read-write"
    load 30 --readers 4 --writers 4 --write post &
    load_pid=$!
    sleep 10
    log "stopping the primary (immediate)"; "$cluster" stop "$primary" immediate
    sleep 2
    log "promoting the standby"; "$cluster" promote "$standby"; date +%s.%N > "$out/promoted"
    wait "$load_pid"
    cat "$out/summary.json"
    echo "answers other than 2xx/304/412/503: $(unclean)"
    awk -v at="$(cat "$out/promoted")" '$2 == "write" && $3 ~ /^2/ && $1 >= at { printf "first acknowledged write %.3f s after the promotion\n", $1 - at; exit }' "$out/answers.log"
    check_acked $s_port
    ;;
  soak)
    setup_primary
    serve "$listen" "$out/service.log" DATABASE_URL="$(url $p_port)"
    seconds=${SOAK_SECONDS:-600}
    load "$seconds" --readers 16 --writers 4 &
    load_pid=$!
    sleep 60
    rss_warm=$(awk '/VmRSS/ { print $2 }' "/proc/${pids[0]}/status")
    wait "$load_pid"
    rss_end=$(awk '/VmRSS/ { print $2 }' "/proc/${pids[0]}/status")
    cat "$out/summary.json"
    echo "5xx other than 503: $(awk '$3 ~ /^5/ && $3 != 503 { n++ } END { print n + 0 }' "$out/answers.log"); 503: $(awk '$3 == 503 { n++ } END { print n + 0 }' "$out/answers.log")"
    awk -v a="$rss_warm" -v b="$rss_end" 'BEGIN { printf "resident memory: %d KiB after warm-up, %d KiB at the end (%+.1f %%)\n", a, b, (b - a) * 100 / a }'
    check_acked $p_port
    ;;
  replica)
    setup_primary
    "$cluster" standby "$standby" "$s_port" "$p_port"
    serve "$listen" "$out/replica.log" DATABASE_URL="$(url $p_port)" NAERINGSAREAL_READ_DATABASE_URL="$(url $s_port)"
    serve "$listen_b" "$out/primary.log" DATABASE_URL="$(url $p_port)"
    for _ in $(seq 20); do curl -s "http://$listen/ready" | grep -q '"in use"' && break; sleep 0.5; done
    curl -s "http://$listen/ready" | grep -q '"in use"' || die "the replica is not in use"
    for round in 1 2; do
        for side in replica primary; do
            at=$listen; [ "$side" = primary ] && at=$listen_b
            rps=$(wrk -t2 -c16 -d20s "http://$at/collections/plots/items?limit=50&f=json" | awk '/Requests\/sec/ { print $2 }')
            echo "round $round, reads on the $side: $rps req/s" | tee -a "$out/rounds.txt"
        done
    done
    ;;
  *) die "unknown drill $drill" ;;
esac
log "kept in $out"
