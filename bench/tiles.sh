#!/usr/bin/env bash
# Vector tiles: the service (tile cache off, then on) side by side with
# Martin (its cache off) on the same database and the same tiles, in one run.
#
#   bench/tiles.sh [DB]                 DB defaults to naeringsareal_bench_1m
#
# 1. Tile lists (bench/tiles/lists.py): the z14 tiles around Drammen, the z12
#    Drammen tile, and a pan/zoom walk (a map of 4 × 3 tiles moved and zoomed
#    around Drammen, z10–z16, fixed seed).
# 2. Cache off (NAERINGSAREAL_TILE_CACHE_MB=0) against Martin (and tipg,
#    when bench/.venv has it), interleaved: for each list and each
#    concurrency, wrk on the service, then on Martin, then on tipg. Martin
#    and tipg serve the view bench.tile_plots (the open, published plots with
#    the same properties the service's tiles carry; made here), Martin's
#    cache off.
# 3. Cache on (default size): the walk at c=1 from cold, then again warm,
#    with the cache's hits and misses from /ready; the server's peak memory.
# 4. Invalidation: with the walk's tiles cached, single PATCHes of plots in
#    Drammen, each followed by one tile request; the tiles dropped per write
#    (from /ready). Then PATCH at c=8 (bench/wrk/e_patch.lua) while the walk
#    runs at c=4, cache on and off in turn (ABAB).
# Writes bench/out/<stamp>-tiles-<DB>/results.md (also printed).
#
# Environment (defaults in brackets):
#   NAERINGSAREAL_BIN  [target/release/naeringsareal]   NAERINGSAREAL_COMMIT
#   MARTIN_BIN  [martin on PATH, or /work/martin/bin/martin]
#   DURATION [15] seconds per wrk run   WARMUP [3]   CONCURRENCY ["1 32"]
#   NAERINGSAREAL_LISTEN [127.0.0.1:8090]   MARTIN_LISTEN [127.0.0.1:3001]
#   TIPG_PORT [18081]   TIPG_WORKERS [2]
#   PARTS ["off on write patch"]: which of the steps 2 (off), 3 (on) and
#         4 (write: tiles dropped per write; patch: PATCH with tile traffic) to run
set -euo pipefail

DB=${1:-naeringsareal_bench_1m}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-3}
CONCURRENCY=${CONCURRENCY:-"1 32"}
NAERINGSAREAL_LISTEN=${NAERINGSAREAL_LISTEN:-127.0.0.1:8090}
MARTIN_LISTEN=${MARTIN_LISTEN:-127.0.0.1:3001}
TIPG_PORT=${TIPG_PORT:-18081}
TIPG_WORKERS=${TIPG_WORKERS:-2}
PARTS=${PARTS:-"off on write patch"}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
out="$here/out/$stamp-tiles-$DB"
mkdir -p "$out"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

bin=$(readlink -f "${NAERINGSAREAL_BIN:-$repo/target/release/naeringsareal}")
[[ -x $bin ]] || die "no service binary at $bin (cargo build --release)"
martin=${MARTIN_BIN:-$(command -v martin || echo /work/martin/bin/martin)}
[[ -x $martin ]] || die "Martin not found: cargo install martin@1.14.0 --locked --no-default-features --features postgres"
ensure_wrk
psqlq() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
nopen=$(psqlq -c "SELECT count(*) FROM plots WHERE ended_at IS NULL") || die "cannot read database $DB"

# The view Martin serves: what the service's tiles hold.
psqlq <<'SQL'
CREATE SCHEMA IF NOT EXISTS bench;
CREATE OR REPLACE VIEW bench.tile_plots AS
SELECT id::text AS id, geom, reference, name,
       round(area_m2::numeric, 1)::float8 AS area_m2,
       round((area_m2 / 1000)::numeric, 2)::float8 AS area_daa,
       land_use, location_class, price_nok_per_m2, status
FROM plots WHERE ended_at IS NULL AND published;
SQL
cat > "$out/martin.yaml" <<YAML
listen_addresses: "$MARTIN_LISTEN"
cache_size_mb: 0
postgres:
  connection_string: "postgres://$PGUSER@$PGHOST:$PGPORT/$DB"
  auto_publish: false
  tables:
    plots:
      schema: bench
      table: tile_plots
      srid: 4326
      geometry_column: geom
      geometry_type: MULTIPOLYGON
      extent: 4096
      buffer: 64
      clip_geom: true
      properties:
        id: text
        reference: text
        name: text
        area_m2: float8
        area_daa: float8
        land_use: int4
        location_class: text
        price_nok_per_m2: int4
        status: text
YAML

python3 "$here/tiles/lists.py" "$out"

pids=()
cleanup() { for p in "${pids[@]}"; do stop_process "$p"; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM

start_ours() { # CACHE_MB
    # Our own info lines (the start-up loads) but no per-request logging.
    NAERINGSAREAL_RUST_LOG=${NAERINGSAREAL_RUST_LOG:-warn,naeringsareal=info} \
    NAERINGSAREAL_TILE_CACHE_MB=$1 start_service "$bin" "$DB" "$out/naeringsareal-cache$1.log"
    pids+=("$service_pid")
    wait_ready "the service" "$service_pid" "http://$NAERINGSAREAL_LISTEN/ready" "$out/naeringsareal-cache$1.log"
    # The start-up loads (matching's copy, the tile cache's boxes) are done
    # when the log says so; wait for them so that they are not measured.
    local done_when="site-matching candidates loaded"
    [[ $1 == 0 ]] || done_when="tile cache: plot boxes loaded"
    for _ in $(seq 240); do
        grep -q "$done_when" "$out/naeringsareal-cache$1.log" 2>/dev/null && break
        sleep 0.5
    done
}

# ours: /collections/plots/tiles/WebMercatorQuad/z/y/x; Martin: /plots/z/x/y.
wrk_run() { # NAME URL LIST C SECONDS
    local file="$out/wrk-$1-$(basename "$3" .txt)-c$4.txt"
    TILES="$3" wrk -t"$(( $4 < 2 ? 1 : 2 ))" -c"$4" -d"$5"s --timeout 30s --latency \
        -s "$here/wrk/t_tiles.lua" "$2" > "$file" 2>&1 || true
    grep '^RESULT' "$file" | tail -1
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$2"; }
peak_rss() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

{
    echo "# Tiles at $nopen open plots ($DB), $(date -u +%FT%TZ)"
    echo
    echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)."
    echo "Load at start: $load_start. Service: $bin (${NAERINGSAREAL_COMMIT:-commit not stated}). Martin: $("$martin" --version 2>&1 | head -1)."
    echo "wrk ${DURATION}s per run after ${WARMUP}s of warm-up, Accept-Encoding: gzip."
} > "$out/results.md"

run_off() {
    log "cache off: the service against Martin"
    start_ours 0
    ours_off_pid=$service_pid
    RUST_LOG=warn "$martin" --config "$out/martin.yaml" > "$out/martin.log" 2>&1 &
    martin_pid=$!
    pids+=("$martin_pid")
    wait_ready "Martin" "$martin_pid" "http://$MARTIN_LISTEN/catalog" "$out/martin.log"
    servers=(naeringsareal martin)
    if [[ -x $here/.venv/bin/uvicorn ]]; then
        (
            cd "$out"
            export DATABASE_URL="postgresql://$PGUSER@$PGHOST:$PGPORT/$DB"
            export TIPG_DB_SCHEMAS='["bench"]' TIPG_DB_TABLES='["bench.tile_plots"]' TIPG_DB_FUNCTIONS='[]' TIPG_CATALOG_TTL=0
            exec "$here/.venv/bin/uvicorn" tipg.main:app --host 127.0.0.1 --port "$TIPG_PORT" \
                --workers "$TIPG_WORKERS" --no-access-log --log-level warning
        ) > "$out/tipg.log" 2>&1 &
        tipg_pid=$!
        pids+=("$tipg_pid")
        wait_ready "tipg" "$tipg_pid" "http://127.0.0.1:$TIPG_PORT/collections" "$out/tipg.log"
        servers+=(tipg)
    fi
    {
        echo
        echo "## Cache off, side by side"
        echo
        echo "| tiles | c | server | req/s | p50 ms | p99 ms | errors | non-2xx | bytes/resp |"
        echo "|---|---:|---|---:|---:|---:|---:|---:|---:|"
    } >> "$out/results.md"

    for list in z14 z12; do
        for c in $CONCURRENCY; do
            for server in "${servers[@]}"; do
                case $server in
                    martin) url="http://$MARTIN_LISTEN"; file="$out/$list-martin.txt" ;;
                    tipg) url="http://127.0.0.1:$TIPG_PORT"; file="$out/$list-tipg.txt" ;;
                    *) url="http://$NAERINGSAREAL_LISTEN"; file="$out/$list.txt" ;;
                esac
                wrk_run "$server-warmup" "$url" "$file" 4 "$WARMUP" > /dev/null
                r=$(wrk_run "$server" "$url" "$file" "$c" "$DURATION")
                n=$(field requests "$r"); bytes=$(field bytes "$r")
                echo "| $list | $c | $server | $(field rps "$r") | $(field p50_ms "$r") | $(field p99_ms "$r") | $(field errors "$r") | $(field non2xx "$r") | $(( n > 0 ? bytes / n : 0 )) |" >> "$out/results.md"
            done
        done
    done
    echo >> "$out/results.md"
    echo "Peak RSS: service $(( $(peak_rss "$ours_off_pid") / 1024 )) MiB, Martin $(( $(peak_rss "$martin_pid") / 1024 )) MiB (tipg: its workers are not summed here)." >> "$out/results.md"
    stop_process "$martin_pid"
    [[ -z ${tipg_pid:-} ]] || stop_process "$tipg_pid"
    stop_process "$ours_off_pid"
}

stats() { curl -sf "http://$NAERINGSAREAL_LISTEN/ready" | python3 -c 'import json,sys; s=json.load(sys.stdin)["tile_cache"]; print(s["hits"], s["misses"], s["dropped"], s["not_kept"], s["tiles"], s["bytes"])'; }
walk_seq() { # the walk once, in order, one connection: prints seconds
    local started; started=$(date +%s.%N)
    while read -r path; do curl -sf -o /dev/null -H 'Accept-Encoding: gzip' "http://$NAERINGSAREAL_LISTEN$path"; done < "$out/walk.txt"
    echo "$(date +%s.%N) - $started" | bc
}

# A planner key for the writes, revoked at the end.
key=""
make_key() {
    [[ -n $key ]] && return
    key=$(DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB" "$bin" api-key create --name "bench-tiles-$$" --role planner 2>/dev/null | grep -o 'naer_[A-Za-z0-9_-]*' | head -1)
    [[ -n $key ]] || die "could not make a planner key"
}
revoke() { [[ -z $key ]] || DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB" "$bin" api-key revoke "bench-tiles-$$" > /dev/null 2>&1 || true; }
trap 'revoke; cleanup' EXIT

run_on() { # the walk with the cache on, cold then warm, then at c=32
    log "cache on: the pan/zoom walk"
    start_ours 128
    {
        echo
        echo "## Cache on (128 MiB): the pan/zoom walk ($(wc -l < "$out/walk.txt") tile requests, $(sort -u "$out/walk.txt" | wc -l) distinct tiles)"
        echo
        echo "| pass | seconds | hits | misses | hit rate | tiles held | MiB held |"
        echo "|---|---:|---:|---:|---:|---:|---:|"
    } >> "$out/results.md"
    local h0 m0 h m n b
    read -r h0 m0 _ <<< "$(stats)"
    for pass in cold warm; do
        secs=$(walk_seq)
        read -r h m _ _ n b <<< "$(stats)"
        echo "| $pass | $secs | $(( h - h0 )) | $(( m - m0 )) | $(python3 -c "print(f'{$(( h - h0 ))/max(1,$(( h - h0 + m - m0 ))):.1%}')") | $n | $(( b / 1048576 )) |" >> "$out/results.md"
        h0=$h; m0=$m
    done
    r=$(wrk_run "naeringsareal-cached" "http://$NAERINGSAREAL_LISTEN" "$out/walk.txt" 32 "$DURATION")
    echo >> "$out/results.md"
    echo "The walk at c=32 with the cache warm: $(field rps "$r") req/s, p50 $(field p50_ms "$r") ms, p99 $(field p99_ms "$r") ms. Peak RSS with the cache on: $(( $(peak_rss "$service_pid") / 1024 )) MiB." >> "$out/results.md"
    stop_process "$service_pid"
}

run_write() { # tiles dropped by each single-plot write, with the walk's tiles cached
    log "invalidation: tiles dropped per single-plot write"
    make_key
    start_ours 128
    walk_seq > /dev/null
    psqlq -c "SELECT id FROM plots WHERE ended_at IS NULL AND published AND geom && ST_MakeEnvelope(10.10, 59.70, 10.30, 59.80, 4326) ORDER BY id LIMIT 20" > "$out/write-ids.txt"
    {
        echo
        echo "## Invalidation: single PATCHes of plots in Drammen, each followed by one tile request"
        echo
        echo "| write | tiles dropped | tiles held after |"
        echo "|---:|---:|---:|"
    } >> "$out/results.md"
    local i=0 id etag d0 d1 n
    while read -r id; do
        i=$(( i + 1 ))
        etag=$(curl -sf -D - -o /dev/null "http://$NAERINGSAREAL_LISTEN/collections/plots/items/$id" | tr -d '\r' | sed -n 's/^etag: //Ip')
        read -r _ _ d0 _ <<< "$(stats)"
        curl -sf -o /dev/null -X PATCH "http://$NAERINGSAREAL_LISTEN/collections/plots/items/$id" \
            -H "Authorization: Bearer $key" -H "If-Match: $etag" -H 'Content-Type: application/merge-patch+json' \
            --data '{"properties": {"price_note": "bench write '"$i"'"}}' || die "PATCH of $id failed"
        curl -sf -o /dev/null "http://$NAERINGSAREAL_LISTEN$(head -1 "$out/z12.txt")"
        read -r _ _ d1 _ n _ <<< "$(stats)"
        echo "| $i | $(( d1 - d0 )) | $n |" >> "$out/results.md"
    done < "$out/write-ids.txt"
    stop_process "$service_pid"
}

run_patch() { # PATCH c=8 (bench/patch.sh) while the walk runs at c=4, cache on/off, ABAB
    log "PATCH at c=8 while the walk runs at c=4: cache on and off in turn"
    {
        echo
        echo "## PATCH c=8 with tile traffic (the walk at c=4), ABAB"
        echo
        echo "| round | tile cache | PATCH req/s | PATCH p50 ms | tiles req/s | tiles p50 ms |"
        echo "|---:|---|---:|---:|---:|---:|"
    } >> "$out/results.md"
    local round mb walker p w
    for round in 1 2; do
        for mb in 128 0; do
            start_ours "$mb"
            walk_seq > /dev/null
            ( wrk_run "walk-during-patch" "http://$NAERINGSAREAL_LISTEN" "$out/walk.txt" 4 "$DURATION" > "$out/walk-during-patch-$round-$mb.txt" ) &
            walker=$!
            NAERINGSAREAL_LISTEN=$NAERINGSAREAL_LISTEN DURATION=${DURATION}s NAERINGSAREAL_BIN=$bin \
                "$here/patch.sh" "$DB" > "$out/patch-$round-$mb.log" 2>&1 || true
            wait "$walker" || true
            p=$(grep -h '^RESULT' "$(ls -d "$here"/out/*-patch-"$DB" | tail -1)/wrk.txt" 2>/dev/null | tail -1 || true)
            w=$(cat "$out/walk-during-patch-$round-$mb.txt")
            echo "| $round | $([[ $mb == 0 ]] && echo off || echo on) | $(field rps "$p") | $(field p50_ms "$p") | $(field rps "$w") | $(field p50_ms "$w") |" >> "$out/results.md"
            stop_process "$service_pid"
        done
    done
}

part() { [[ " $PARTS " == *" $1 "* ]]; }
part off && run_off
part on && run_on
part write && run_write
part patch && run_patch

cat "$out/results.md"
log "results: $out/results.md"
