#!/usr/bin/env bash
# Alerts at scale (issue 14), against one running release service:
#
# 1. Latency: 10,000 active alerts whose hard requirement is a price of at
#    most 100–149 NOK/m²; one PATCH sets a plot's price to 50, so that it
#    comes to meet all of them; the time from the PATCH's answer (the
#    commit) until the 10,000 digests are in the outbox, read every 10 ms.
#    RUNS times (5), the plot put back and the alerts' day reset between.
# 2. The write: PATCH at concurrency 8 (bench/patch.sh) in four rounds
#    ABAB, A without alerts, B with 10,000 active alerts of varied needs
#    (a land use of the data's and 1–50 daa at least), so that the watcher
#    judges every written plot against all of them while the writes go on.
#    Side by side on one machine, in one run.
#
#   cargo build --release && bench/alerts.sh [DB]
#
# DB defaults to naeringsareal_bench (made by bench/load.sh). Environment as
# bench/patch.sh's (DURATION, 20s here; PLOTS), RUNS [5], PHASES [latency
# write] and
# NAERINGSAREAL_ALERT_POLL_MS for the service [its default]. The alerts are
# made and deleted by SQL (bench-alert-*@eksempel.no), their mails with them.
# Output: bench/out/<UTC stamp>-alerts-<DB>/results.txt.
set -euo pipefail

DB=${1:-naeringsareal_bench}
export DURATION=${DURATION:-20s}
RUNS=${RUNS:-5}
PHASES=${PHASES:-latency write}
NAERINGSAREAL_LISTEN=${NAERINGSAREAL_LISTEN:-127.0.0.1:8090}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
NAERINGSAREAL_BIN=${NAERINGSAREAL_BIN:-$repo/target/release/naeringsareal}
out="$here/out/$stamp-alerts-$DB"
mkdir -p "$out"
export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB"
psqlq() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DATABASE_URL" "$@"; }
results="$out/results.txt"
say() { echo "$*" | tee -a "$results"; }

no_alerts() { psqlq -c "DELETE FROM alerts WHERE email LIKE 'bench-alert-%@eksempel.no'"; }
# 10,000 active alerts with the needs SQL expression NEEDS (of i).
alerts() {
    no_alerts
    psqlq -c "INSERT INTO alerts (email, needs, lang, state, confirm_hash, unsubscribe_token, client_address, confirmed_at)
              SELECT 'bench-alert-' || i || '@eksempel.no', $1,
                     CASE WHEN i % 2 = 0 THEN 'en' ELSE 'nb' END, 'active',
                     sha256(('bench' || i)::bytea), md5('bench' || i) || md5('bench' || -i), 'bench', now()
              FROM generate_series(1, 10000) AS i"
}
digests() {
    psqlq -c "SELECT count(*) FROM mail_outbox m JOIN alerts a ON a.id = m.alert_id
              WHERE a.email LIKE 'bench-alert-%' AND m.kind = 'alert_digest'"
}

service_pid="" key_name="bench-alerts-$$"
cleanup() {
    no_alerts || true
    [[ -n $service_pid ]] && stop_process "$service_pid"
    (cd "$repo" && "$NAERINGSAREAL_BIN" api-key revoke "$key_name") >/dev/null 2>&1 || true
}
trap cleanup EXIT
no_alerts
key=$(cd "$repo" && "$NAERINGSAREAL_BIN" api-key create --name "$key_name" --role planner | tail -n 1)
start_service "$NAERINGSAREAL_BIN" "$DB" "$out/naeringsareal.log"
base="http://$NAERINGSAREAL_LISTEN"
wait_ready "the service" "$service_pid" "$base/ready" "$out/naeringsareal.log"
say "alerts bench $stamp, database $DB, $(nproc) cores, poll ${NAERINGSAREAL_ALERT_POLL_MS:-default}"

# --- 1. latency -----------------------------------------------------------
if [[ " $PHASES " == *" latency "* ]]; then
plot=$(psqlq -c "SELECT id FROM plots WHERE ended_at IS NULL AND status = 'available' AND published
                 AND offer_type <> 'lease' ORDER BY id LIMIT 1")
[[ -n $plot ]] || die "no plot on offer for sale in $DB"
patch_price() {
    local etag
    etag=$(curl -sf -o /dev/null -D - "$base/collections/plots/items/$plot" | tr -d '\r' | sed -n 's/^etag: //Ip')
    curl -sf -o /dev/null -X PATCH "$base/collections/plots/items/$plot" \
        -H "Authorization: Bearer $key" -H 'Content-Type: application/merge-patch+json' \
        -H "If-Match: $etag" --data "{\"properties\":{\"price_nok_per_m2\":$1}}" \
        || die "PATCH of $plot failed"
}
alerts "jsonb_build_object('max_price_nok_per_m2', 100 + i % 50, 'required', jsonb_build_array('max_price_nok_per_m2'))"
sleep 2
for run in $(seq "$RUNS"); do
    patch_price 50
    start=$(date +%s.%N)
    while [[ $(digests) -lt 10000 ]]; do
        sleep 0.01
        awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN { exit !(n - s > 30) }' && die "no 10,000 digests after 30 s"
    done
    done_at=$(date +%s.%N)
    say "latency run $run: 10,000 digests queued $(awk -v s="$start" -v e="$done_at" 'BEGIN { printf "%.3f", e - s }') s after the PATCH's answer"
    # Put it back, and let the alerts be told again.
    patch_price 999
    sleep 1
    psqlq -c "DELETE FROM mail_outbox WHERE kind = 'alert_digest' AND alert_id IN
                (SELECT id FROM alerts WHERE email LIKE 'bench-alert-%');
              UPDATE alerts SET last_digest_at = NULL WHERE email LIKE 'bench-alert-%'"
    sleep 1
done

fi

# --- 2. the write, ABAB ---------------------------------------------------
[[ " $PHASES " == *" write "* ]] && for round in A1 B1 A2 B2; do
    case $round in
        A*) no_alerts ;;
        B*) alerts "jsonb_build_object('land_use', jsonb_build_array((SELECT array_agg(code ORDER BY code) FROM land_use_codes)[1 + i % (SELECT count(*) FROM land_use_codes)]),
                                         'area_m2', jsonb_build_object('min', 1000 * (1 + i % 50)), 'required', jsonb_build_array('land_use', 'area_m2'))" ;;
    esac
    sleep 2
    NAERINGSAREAL_LISTEN=$NAERINGSAREAL_LISTEN "$here/patch.sh" "$DB" > "$out/$round.txt" 2>&1 \
        || { cat "$out/$round.txt" >&2; die "round $round failed"; }
    matches=$(psqlq -c "SELECT count(*) FROM alert_matches m JOIN alerts a ON a.id = m.alert_id WHERE a.email LIKE 'bench-alert-%'")
    say "$round ($([[ $round == A* ]] && echo 'no alerts' || echo '10,000 alerts')):$(grep 'requests/s' "$out/$round.txt" | sed 's/^ *requests\/s:/ requests\/s/')   matches: $matches   digests: $(digests)"
done
say "load average at end $(cut -d' ' -f1-3 /proc/loadavg); raw output: bench/out/$stamp-alerts-$DB/"
