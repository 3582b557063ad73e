#!/usr/bin/env bash
# /demand for a year: RECORDS demand records [50000] spread over the last 365
# days (deterministic: a hash of the row number picks each need), against
# the plots of DB (made with bench/load.sh), then GET /demand at c=1.
#
#   bench/demand.sh [DB]       DB defaults to naeringsareal_bench
#
# Replaces the demand records of DB. Release build. Prints the median and
# p90 of ROUNDS [15] requests (curl, one at a time) and the JSON size.
set -euo pipefail
DB=${1:-naeringsareal_bench}
RECORDS=${RECORDS:-50000}
ROUNDS=${ROUNDS:-15}
NAERINGSAREAL_LISTEN=${NAERINGSAREAL_LISTEN:-127.0.0.1:8093}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bin=$(readlink -f "${NAERINGSAREAL_BIN:-$repo/target/release/naeringsareal}")
[[ -x $bin ]] || die "no service binary at $bin (cargo build --release)"
port_free "$NAERINGSAREAL_LISTEN" || die "something listens on $NAERINGSAREAL_LISTEN already"
url="postgres://$PGUSER@$PGHOST:$PGPORT/$DB"
out="$here/out/$stamp-demand-$DB"
mkdir -p "$out"

DATABASE_URL=$url "$bin" migrate > /dev/null 2>&1
log "loading $RECORDS demand records into $DB"
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -v n="$RECORDS" <<'SQL'
TRUNCATE demand_records;
-- Each choice is a hash of the row number and a salt (as generate.sql does).
WITH r AS (
    SELECT i, (SELECT array_agg(abs(hashint8extended(i, k)) ORDER BY k) FROM generate_series(1, 10) AS k) AS h
    FROM generate_series(1, :n) AS i
)
INSERT INTO demand_records (source, session, first_at, last_at, area_min_m2, land_use,
                            location_class, min_power_kw, max_port_distance_m, required, candidates)
SELECT CASE WHEN h[1] % 10 = 0 THEN 'enquiry' ELSE 'search' END,
       CASE WHEN h[1] % 10 = 0 THEN NULL ELSE encode(sha256(i::text::bytea), 'hex') END,
       now() - (h[2] % (365 * 24 * 60)) * interval '1 minute',
       now(),
       (ARRAY[2000, 8000, 15000, 25000, 40000, 80000])[1 + h[3] % 6],
       CASE h[4] % 5 WHEN 0 THEN ARRAY[1340] WHEN 1 THEN ARRAY[1350, 1826] WHEN 2 THEN ARRAY[1310]
                     WHEN 3 THEN ARRAY[1300, 1390] ELSE ARRAY[1340, 1310] END,
       CASE WHEN h[5] % 3 = 0 THEN NULL ELSE ARRAY[(ARRAY['A', 'B', 'C'])[1 + h[6] % 3]] END,
       CASE WHEN h[7] % 4 = 0 THEN (h[8] % 8000)::float8 END,
       CASE WHEN h[9] % 5 = 0 THEN 3000 END,
       ARRAY['area_m2', 'land_use'],
       h[10] % 20
FROM r;
ANALYZE demand_records;
SQL

key=$(DATABASE_URL=$url "$bin" api-key create --name "bench-demand-$stamp" --role planner 2>/dev/null | tail -1)
service_pid=""
trap '[[ -n $service_pid ]] && stop_process "$service_pid"' EXIT
start_service "$bin" "$DB" "$out/service.log"
wait_ready service "$service_pid" "http://$NAERINGSAREAL_LISTEN/health" "$out/service.log"
plots=$(psql -X -At -d "$DB" -c "SELECT count(*) FROM plots WHERE ended_at IS NULL AND published AND status = 'available'")
log "GET /demand (a year) x $ROUNDS at c=1; $plots plots on offer"
curl -sf -H "Authorization: Bearer $key" "http://$NAERINGSAREAL_LISTEN/demand" -o "$out/demand.json"
for _ in $(seq "$ROUNDS"); do
    curl -sf -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $key" "http://$NAERINGSAREAL_LISTEN/demand"
done | sort -n > "$out/times.txt"
awk -v n="$(wc -l < "$out/times.txt")" -v size="$(wc -c < "$out/demand.json")" -v plots="$plots" -v recs="$RECORDS" '
    { t[NR] = $1 * 1000 }
    END { printf "demand records %d, plots on offer %d: p50 %.0f ms, p90 %.0f ms, max %.0f ms (%d requests); answer %d bytes\n",
                 recs, plots, t[int((n - 1) * 0.5) + 1], t[int((n - 1) * 0.9) + 1], t[n], n, size }' "$out/times.txt" | tee "$out/results.txt"
