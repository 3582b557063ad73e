# Shared by the bench scripts, which source it: the database settings, the
# folders, logging, and starting and stopping a server.
#
# Sets: PGHOST [127.0.0.1], PGPORT [5432], PGUSER [postgres] (exported),
# here (bench/), repo (the repository root), stamp (UTC, for output folders).

export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
stamp=$(date -u +%Y%m%dT%H%M%SZ)

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Whether nothing listens on HOST:PORT.
port_free() { ! (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }

# Starts "BIN serve" on $NAERINGSAREAL_LISTEN against database DB, from the
# repository root, RUST_LOG=$NAERINGSAREAL_RUST_LOG [warn], its output in
# LOG; sets service_pid.
start_service() { # BIN DB LOG
    log "starting $1 serve on $NAERINGSAREAL_LISTEN"
    (
        cd "$repo"
        export DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$2"
        export NAERINGSAREAL_LISTEN RUST_LOG="${NAERINGSAREAL_RUST_LOG:-warn}"
        exec "$1" serve
    ) > "$3" 2>&1 &
    service_pid=$!
}

# Waits up to 120 s for URL to answer; dies, with the tail of LOG, if the
# process PID exits first or the time runs out.
wait_ready() { # NAME PID URL LOG
    for _ in $(seq 240); do
        if ! kill -0 "$2" 2>/dev/null; then
            tail -20 "$4" >&2 || true
            die "$1 exited during start-up (log: $4)"
        fi
        if curl -sf -o /dev/null "$3"; then return 0; fi
        sleep 0.5
    done
    die "$1 not ready after 120 s ($3)"
}

# Stops the process PID if it runs: TERM, then KILL after 10 s.
stop_process() { # PID
    kill -0 "$1" 2>/dev/null || return 0
    kill -TERM "$1" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.2; done
    kill -KILL "$1" 2>/dev/null || true
}

# wrk, installed from Debian when missing (as root, or with sudo).
ensure_wrk() {
    command -v wrk >/dev/null && return
    command -v apt-get >/dev/null || die "wrk not found and no apt-get here: install wrk"
    log "installing wrk"
    local sudo=""
    [[ $(id -u) == 0 ]] || sudo=sudo
    $sudo apt-get install -y -qq wrk >/dev/null 2>&1 \
        || { $sudo apt-get update -qq && $sudo apt-get install -y -qq wrk >/dev/null; } \
        || die "could not install wrk"
}
