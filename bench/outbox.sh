#!/usr/bin/env bash
# The outbox drill (by hand, never in CI): the mail server is stopped for
# DOWN_SECONDS [60] while N [100] enquiries arrive, spread over that minute,
# then started again; every notice and confirmation (N × 2 mails) must be
# delivered exactly once. The service runs with the default mail settings
# (20 attempts, retries after 10 s doubling, the sender's pause after
# failures at most 30 s); the SMTP server is tests/mail/sink.py (aiosmtpd),
# from the tests' virtualenv (made if missing).
#
#   bench/outbox.sh            # NAERINGSAREAL_BIN [target/debug/naeringsareal]
#   RESTART=term bench/outbox.sh   # and the service is stopped (SIGTERM) and
#                                  # started again once the first mails arrive
#   RESTART=kill bench/outbox.sh   # … killed (SIGKILL) instead: a crash
#
# Prints: mails delivered, distinct Message-IDs, mails delivered more than
# once, the outbox by state, the failed attempts, and how long after the
# server came back the last mail arrived. Everything is kept under
# bench/out/outbox-<stamp>/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

n=${N:-100}
down=${DOWN_SECONDS:-60}
bin=${NAERINGSAREAL_BIN:-$repo/target/debug/naeringsareal}
[[ -x $bin ]] || die "$bin is missing (cargo build)"
out=$repo/bench/out/outbox-$stamp
mkdir -p "$out/mails"
db=naer_outbox_drill_$$
pick_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
http_port=$(pick_port)
smtp_port=$(pick_port)
base=http://127.0.0.1:$http_port
reception=mottak@drammen.kommune.no
pids=()
sink_pid=

cleanup() {
    [[ -n $sink_pid ]] && stop_process "$sink_pid"
    for pid in "${pids[@]}"; do stop_process "$pid"; done
    psql -d postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

(cd "$repo" && source scripts/lib.sh && ensure_venv >/dev/null && echo "$NAERINGSAREAL_TEST_PYTHON") > "$out/python"
python=$(cat "$out/python")

start_sink() {
    "$python" "$repo/tests/mail/sink.py" --port "$smtp_port" --dir "$out/mails" >> "$out/sink.log" 2>&1 &
    sink_pid=$!
    for _ in $(seq 100); do
        grep -q "listening on" "$out/sink.log" 2>/dev/null && return 0
        sleep 0.1
    done
    die "the SMTP sink did not start (log: $out/sink.log)"
}

delivered() { find "$out/mails" -name '*.json' | wc -l; }

psql -d postgres -qc "CREATE DATABASE $db" >/dev/null
DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$db" "$bin" migrate >/dev/null 2>&1
export NAERINGSAREAL_LISTEN=127.0.0.1:$http_port
export NAERINGSAREAL_SMTP_URL=smtp://127.0.0.1:$smtp_port
export NAERINGSAREAL_MAIL_FROM="Næringsareal <naeringsareal@drammen.kommune.no>"
export NAERINGSAREAL_RECEPTION_EMAIL=$reception
export NAERINGSAREAL_ENQUIRY_RATE=off
NAERINGSAREAL_RUST_LOG=${NAERINGSAREAL_RUST_LOG:-info} start_service "$bin" "$db" "$out/service.log"
pids+=("$service_pid")
wait_ready service "$service_pid" "$base/health" "$out/service.log"

log "the mail server is down: $n enquiries over ${down}s"
started=$(date +%s.%N)
for i in $(seq "$n"); do
    lang=$([[ $((i % 2)) == 0 ]] && echo en || echo nb)
    code=$(curl -s -o "$out/enquiry-$i.json" -w '%{http_code}' -X POST "$base/enquiries" \
        -H 'content-type: application/json' \
        -d "{\"name\":\"Drill $i\",\"company\":\"Øvelse $i AS\",\"organisation_number\":\"974760673\",\"email\":\"firma$i@eksempel.no\",\"message\":\"Øvelse: henvendelse $i\",\"lang\":\"$lang\"}")
    [[ $code == 201 ]] || die "enquiry $i: HTTP $code: $(cat "$out/enquiry-$i.json")"
    # Spread over the outage.
    sleep "$(python3 -c "print(max(0, $started + $down * $i / $n - __import__('time').time()))")"
done
[[ $(delivered) == 0 ]] || die "mails arrived while the server was down"
queued=$(psql -d "$db" -qAtc "SELECT count(*) FROM mail_outbox WHERE state = 'queued'")
log "outbox while down: $queued queued; failed attempts so far: $(psql -d "$db" -qAtc "SELECT coalesce(sum(attempts), 0) FROM mail_outbox")"

log "the mail server is back"
back=$(date +%s.%N)
want=$((n * 2))
start_sink
restart=${RESTART:-}
if [[ -n $restart ]]; then
    for _ in $(seq 6000); do [[ $(delivered) -gt 0 ]] && break; sleep 0.01; done
    log "SIG${restart^^} to the service after $(delivered) mails; starting it again"
    kill "-${restart^^}" "$service_pid"
    wait "$service_pid" 2>/dev/null || true
    log "$(delivered) mails delivered when it had stopped"
    NAERINGSAREAL_RUST_LOG=${NAERINGSAREAL_RUST_LOG:-info} start_service "$bin" "$db" "$out/service-2.log"
    pids+=("$service_pid")
    wait_ready service "$service_pid" "$base/health" "$out/service-2.log"
fi
# Until all arrived (or 10 minutes), then 15 s more for any duplicate.
for _ in $(seq 1200); do [[ $(delivered) -ge $want ]] && break; sleep 0.5; done
all_in=$(date +%s.%N)
sleep 15

python3 - "$out/mails" "$want" "$back" "$all_in" <<'EOF' | tee "$out/figures.txt"
import collections, glob, json, sys
folder, want, back, all_in = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
mails = [json.load(open(p)) for p in sorted(glob.glob(folder + "/*.json"))]
ids = collections.Counter(m["message_id"] for m in mails)
print(f"mails expected            {want}")
print(f"mails delivered           {len(mails)}")
print(f"distinct Message-IDs      {len(ids)}")
print(f"delivered more than once  {sum(1 for k in ids.values() if k > 1)}")
print(f"notices / confirmations   {sum(1 for m in mails if m['rcpt_tos'] == ['mottak@drammen.kommune.no'])} / "
      f"{sum(1 for m in mails if m['rcpt_tos'] != ['mottak@drammen.kommune.no'])}")
print(f"last mail after restart   {all_in - back:.1f} s")
EOF
psql -d "$db" -qAtc "SELECT 'outbox ' || state || ': ' || count(*) || ' mails, attempts ' || sum(attempts) || ' (max ' || max(attempts) || ')' FROM mail_outbox GROUP BY state" | tee -a "$out/figures.txt"
curl -s "$base/metrics" | grep -E '^naeringsareal_mail_' | tee -a "$out/figures.txt"
log "figures in $out/figures.txt"
