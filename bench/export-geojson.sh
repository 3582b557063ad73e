#!/usr/bin/env bash
# Write N synthetic plots as one GeoJSON FeatureCollection (RFC 7946: WGS 84
# longitude/latitude, 7 decimals), the input of the import benchmark.
#
#   bench/export-geojson.sh N OUT.geojson
#   bench/export-geojson.sh 100000 bench/data/plots-100k.geojson
#
# Environment: PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres),
# EXPORT_DB (naeringsareal_bench_export: made by bench/load.sh N EXPORT_DB,
# DROPPED again at the end, also on failure).
#
# Only open plots (ended_at IS NULL), in reference order. Each feature is
#   {"type":"Feature","id":"<uuid>","geometry":{...},"properties":{...}}
# on its own line, the properties being the plot's writable fields under
# their column names (null values left out, arrays as JSON arrays, dates as
# YYYY-MM-DD); derived and bookkeeping columns (area, access distances,
# version, timestamps, is_demo) are not written. The rows stream from
# PostgreSQL through awk into the file, so memory does not grow with N.
set -euo pipefail

N=${1:?usage: bench/export-geojson.sh N OUT.geojson}
OUT=${2:?usage: bench/export-geojson.sh N OUT.geojson}
EXPORT_DB=${EXPORT_DB:-naeringsareal_bench_export}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}

case "$EXPORT_DB" in
    naeringsareal_bench*) ;;
    *) echo "export-geojson.sh: EXPORT_DB must start with naeringsareal_bench" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
psql_base=(psql -X -q -v ON_ERROR_STOP=1)

# The writable fields, in the order they are written.
props=(
    reference name address previously_part_of municipality locality
    cadastral_units land_use land_use_status plan_id planning_status
    utilisation_percent utilisation_type max_height_m location_class readiness
    ownership owner_name offer_type price_nok_per_m2 lease_nok_per_m2_year
    price_note status available_from water_sewer power_capacity_kw
    district_heating fibre road_access contamination cultural_heritage
    flood_zone landslide_zone quick_clay_zone noise_zone ground_conditions
    focus_areas documents contact_name contact_email contact_phone
)

# '"name":' || to_json(col) is NULL when the column is, and concat_ws skips
# NULLs: that leaves out null values without touching nested JSON (documents)
# and keeps the order above. to_json writes dates as YYYY-MM-DD, arrays as
# JSON arrays.
members=""
for p in "${props[@]}"; do
    members+="${members:+,
        }'\"$p\":' || to_json($p)"
done
query="SELECT '{\"type\":\"Feature\",\"id\":' || to_json(id)
        || ',\"geometry\":' || ST_AsGeoJSON(geom, 7)
        || ',\"properties\":{' || concat_ws(',',
        $members) || '}}'
    FROM plots
    WHERE ended_at IS NULL
    ORDER BY reference"

cleanup() {
    rm -f "$OUT.tmp"
    PGOPTIONS='-c client_min_messages=warning' "${psql_base[@]}" -d postgres \
        -c "DROP DATABASE IF EXISTS \"$EXPORT_DB\" WITH (FORCE)" || true
}
trap cleanup EXIT

start=$(date +%s.%N)
"$here/load.sh" "$N" "$EXPORT_DB"
loaded=$(date +%s.%N)

echo "== exporting the open plots of $EXPORT_DB to $OUT"
mkdir -p "$(dirname "$OUT")"
# COPY streams rows as the server produces them (a plain SELECT would be
# collected whole by psql). CSV with quote and delimiter characters that
# JSON text never contains (to_json escapes every control character) passes
# each line through unquoted and unescaped, unlike COPY's text format,
# which would double every backslash.
count_file=$(mktemp)
"${psql_base[@]}" -d "$EXPORT_DB" \
    -c "COPY ($query) TO STDOUT WITH (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')" |
    awk -v count_file="$count_file" '
        BEGIN { print "{\"type\":\"FeatureCollection\",\"features\":[" }
        NR > 1 { print prev "," }
        { prev = $0 }
        END { if (NR > 0) print prev; print "]}"; print NR > count_file }' > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
end=$(date +%s.%N)

features=$(cat "$count_file"); rm -f "$count_file"
bytes=$(stat -c %s "$OUT")
echo "== done: $OUT"
echo "   features: $features (open plots of $N generated)"
echo "   size: $bytes bytes ($(awk -v b="$bytes" 'BEGIN { printf "%.1f MiB", b / 1048576 }'))"
echo "   time: $(awk -v a="$start" -v b="$loaded" -v c="$end" 'BEGIN { printf "%.1f s (load %.1f s, export %.1f s)", c - a, b - a, c - b }')"
echo "== dropping $EXPORT_DB"
