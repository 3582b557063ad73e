#!/usr/bin/env bash
# Site-matching latency at c=1 (see bench/README.md, "Site matching").
#
#   bench/match.sh [DB]                      DB defaults to naeringsareal_bench
#
# For each statement of needs (bench/match/*.json, or NEEDS), sends
# POST /collections/plots/match sequentially over one keep-alive connection:
# MATCH_WARMUP unmeasured requests, then up to MATCH_REQUESTS measured ones,
# stopping early once a need has used MATCH_MAX_SECONDS (slow needs get fewer
# requests; the count is reported). Latency is client-side, from sending the
# request to having read the whole answer. Writes
# bench/out/<stamp>-match-<DB>/results.md (also printed), the per-request
# times (times_<need>.txt, ms) and the last answer per need
# (answer_<need>.json).
#
# Environment (defaults in brackets):
#   NAERINGSAREAL_BIN     the service binary, started as "$NAERINGSAREAL_BIN serve"
#                         with DATABASE_URL=postgres://$PGUSER@$PGHOST:$PGPORT/<DB>
#                         [target/release/naeringsareal]; not started when MATCH_URL is set
#   NAERINGSAREAL_LISTEN  [127.0.0.1:8090]
#   NAERINGSAREAL_COMMIT  the commit the binary was built from, for the report
#   MATCH_URL    base URL of a service already running (then DB is only used
#                for the report's plot count)
#   NEEDS        the needs files [bench/match/*.json]
#   MATCH_REQUESTS [200]  MATCH_MAX_SECONDS [120]  MATCH_WARMUP [2]
#   PGHOST [127.0.0.1]  PGPORT [5432]  PGUSER [postgres]
set -euo pipefail

DB=${1:-naeringsareal_bench}
MATCH_REQUESTS=${MATCH_REQUESTS:-200}
MATCH_MAX_SECONDS=${MATCH_MAX_SECONDS:-120}
MATCH_WARMUP=${MATCH_WARMUP:-2}
NAERINGSAREAL_LISTEN=${NAERINGSAREAL_LISTEN:-127.0.0.1:8090}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
out="$here/out/$stamp-match-$DB"
mkdir -p "$out"

if [[ -n ${NEEDS:-} ]]; then read -r -a needs <<< "$NEEDS"; else needs=("$here"/match/*.json); fi
[[ ${#needs[@]} -gt 0 && -f ${needs[0]} ]] || die "no needs files (bench/match/*.json or NEEDS)"

nplots=$(psql -X -q -At -d "$DB" -c "SELECT count(*) FROM plots") || die "cannot read plots in database $DB"
nopen=$(psql -X -q -At -d "$DB" -c "SELECT count(*) FROM plots WHERE ended_at IS NULL")

service_pid=""
trap '[[ -z $service_pid ]] || stop_process "$service_pid"' EXIT
trap 'exit 130' INT TERM

if [[ -n ${MATCH_URL:-} ]]; then
    url=${MATCH_URL%/}
else
    bin=${NAERINGSAREAL_BIN:-$repo/target/release/naeringsareal}
    [[ -x $bin && -f $bin ]] || die "NAERINGSAREAL_BIN=$bin is not an executable file"
    bin=$(readlink -f "$bin")
    port_free "$NAERINGSAREAL_LISTEN" || die "$NAERINGSAREAL_LISTEN is in use: set NAERINGSAREAL_LISTEN"
    start_service "$bin" "$DB" "$out/naeringsareal.log"
    url="http://$NAERINGSAREAL_LISTEN"
    wait_ready "the service" "$service_pid" "$url/collections/plots/items?limit=1" "$out/naeringsareal.log"
fi

rows="$out/results.tsv"   # need n p50 p90 p99 max mean statuses candidates truncated returned top_scores
: > "$rows"
for f in "${needs[@]}"; do
    name=$(basename "$f" .json)
    log "match: $name (up to $MATCH_REQUESTS requests, ${MATCH_MAX_SECONDS}s)"
    python3 - "$url" "$f" "$MATCH_WARMUP" "$MATCH_REQUESTS" "$MATCH_MAX_SECONDS" \
        "$out/times_$name.txt" "$out/answer_$name.json" "$name" >> "$rows" <<'EOF'
import http.client, json, sys, time, urllib.parse
base, needs_file, warmup, n, max_s, times_file, answer_file, name = sys.argv[1:]
warmup, n, max_s = int(warmup), int(n), float(max_s)
body = open(needs_file, "rb").read()
u = urllib.parse.urlsplit(base)
conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=300)
path = u.path.rstrip("/") + "/collections/plots/match"
headers = {"Content-Type": "application/json", "Accept": "application/geo+json"}
def once():
    t0 = time.perf_counter()
    conn.request("POST", path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    return (time.perf_counter() - t0) * 1000.0, r.status, data
for _ in range(warmup):
    once()
times, statuses, last = [], {}, b""
start = time.perf_counter()
while len(times) < n and (time.perf_counter() - start) < max_s:
    ms, status, last = once()
    times.append(ms)
    statuses[status] = statuses.get(status, 0) + 1
open(times_file, "w").write("".join(f"{t:.3f}\n" for t in times))
open(answer_file, "wb").write(last)
def pct(p):
    v = sorted(times)
    i = max(1, int(len(v) * p + 0.5))
    return v[i - 1]
try:
    d = json.loads(last)
    cand, trunc, ret = d.get("candidates", "-"), d.get("truncated", "-"), d.get("numberReturned", "-")
    scores = ",".join(str(f["properties"].get("match_score")) for f in d.get("features", []))
except Exception:
    cand = trunc = ret = scores = "-"
print("\t".join(str(x) for x in [
    name, len(times), f"{pct(0.50):.1f}", f"{pct(0.90):.1f}", f"{pct(0.99):.1f}", f"{max(times):.1f}",
    f"{sum(times) / len(times):.1f}", ",".join(f"{k}:{v}" for k, v in sorted(statuses.items())),
    cand, str(trunc).lower(), ret, scores or "-"]))
EOF
done

md="$out/results.md"
{
    echo "# Site matching run $stamp — database \`$DB\`"
    echo
    echo "- data: $nplots plots ($nopen open)"
    echo "- machine: $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), load average (1/5/15 min) at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- service: ${MATCH_URL:-\`$bin serve\` on $NAERINGSAREAL_LISTEN}${NAERINGSAREAL_COMMIT:+, built from commit $NAERINGSAREAL_COMMIT}"
    echo "- per need: $MATCH_WARMUP unmeasured requests, then up to $MATCH_REQUESTS sequential requests (c=1, one keep-alive connection), at most ${MATCH_MAX_SECONDS} s; latency in ms, client-side, whole answer read"
    echo
    echo "| need | n | p50 | p90 | p99 | max | mean | HTTP | candidates | truncated | returned | scores of the returned plots |"
    echo "|---|---:|---:|---:|---:|---:|---:|---|---:|---|---:|---|"
    awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 }' "$rows"
    echo
    echo "Needs:"
    echo
    for f in "${needs[@]}"; do echo "- \`$(basename "$f" .json)\`: \`$(tr -d '\n' < "$f")\`"; done
    echo
    echo "Raw output: \`bench/out/$stamp-match-$DB/\`."
} > "$md"
cat "$md"
log "results: $md"
