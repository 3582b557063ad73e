# Shared set-up steps of scripts/dev.sh and scripts/test.sh: they install or
# start what is missing, so that a fresh machine needs nothing by hand.
# Sourced, not run.

# shellcheck shell=bash
PG_MAJOR_DEFAULT=15
APT_UPDATED=""

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "cannot install $* here (no apt-get); install it by hand"
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  say "installing $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# The server part of a PostgreSQL URL, with the maintenance database.
server_url() { printf '%s' "${1%/*}/postgres"; }

# Makes sure DATABASE_URL's server answers and has PostGIS 3 available.
# Without DATABASE_URL, uses the local server on 127.0.0.1:5432, starting a
# throwaway cluster there when none answers. Exports DATABASE_URL.
ensure_postgis() {
  local explicit="${DATABASE_URL:-}"
  export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/naeringsareal}"
  command -v psql >/dev/null 2>&1 || apt_install postgresql-client
  local server; server=$(server_url "$DATABASE_URL")
  if ! psql "$server" -qAtc 'SELECT 1' >/dev/null 2>&1; then
    [ -z "$explicit" ] || die "cannot reach the database server of DATABASE_URL ($server)"
    start_throwaway_cluster
  fi
  local available
  available=$(psql "$server" -qAtc "SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'")
  if [ "$available" = 0 ]; then
    local major; major=$(psql "$server" -qAtc "SELECT current_setting('server_version_num')::int / 10000")
    case "$server" in
      *@127.0.0.1*|*@localhost*|*@\[::1\]*) apt_install "postgresql-$major-postgis-3" ;;
      *) die "the database server at $server has no PostGIS; install postgresql-$major-postgis-3 there" ;;
    esac
  fi
  say "PostgreSQL with PostGIS: ${server%/postgres}"
}

# A PostgreSQL cluster of our own in /tmp, trust auth, on 127.0.0.1:5432.
start_throwaway_cluster() {
  local dir=/tmp/naeringsareal-pg bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  if [ -z "$bin" ]; then
    apt_install "postgresql-$PG_MAJOR_DEFAULT" "postgresql-$PG_MAJOR_DEFAULT-postgis-3"
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  fi
  say "no PostgreSQL answers on 127.0.0.1:5432: starting a throwaway cluster in $dir"
  local run=()
  if [ "$(id -u)" = 0 ]; then run=(runuser -u postgres --); id postgres >/dev/null 2>&1 || useradd -r postgres; fi
  if [ ! -f "$dir/PG_VERSION" ]; then
    mkdir -p "$dir"; [ "$(id -u)" = 0 ] && chown postgres "$dir"
    "${run[@]}" "$bin/initdb" -D "$dir" -U postgres --auth=trust >/dev/null
  fi
  "${run[@]}" "$bin/pg_ctl" -D "$dir" -l "$dir/log" -w \
    -o "-p 5432 -c listen_addresses=127.0.0.1 -k /tmp" start >/dev/null
}

# The end-to-end tests' real clients: GDAL (ogrinfo, ogr2ogr) and curl.
ensure_clients() {
  command -v ogr2ogr >/dev/null 2>&1 || apt_install gdal-bin
  command -v curl >/dev/null 2>&1 || apt_install curl
}

# The tests' Python packages (tests/clients/requirements.txt, pinned) in the
# virtualenv target/venv, made again when that file changes: the client
# tests' OWSLib and schemathesis, and aiosmtpd for the mail tests' SMTP
# server (tests/mail/sink.py). Exports NAERINGSAREAL_TEST_PYTHON, the
# virtualenv's python, which the mail tests start the server with.
ensure_venv() {
  local target=${CARGO_TARGET_DIR:-target}
  local venv="$target/venv" requirements=tests/clients/requirements.txt
  local stamp="$venv/.requirements.sha256" want
  want=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "virtualenv $venv ($requirements)"
    python3 -m venv --help >/dev/null 2>&1 && python3 -c 'import ensurepip' 2>/dev/null || apt_install python3-venv
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$requirements"
    echo "$want" >"$stamp"
  fi
  NAERINGSAREAL_TEST_PYTHON=$(cd "$venv/bin" && pwd)/python
  export NAERINGSAREAL_TEST_PYTHON
}

# The browser tests' Chromium (Debian's) and their npm packages
# (playwright-core, axe-core), at the versions tests/browser pins.
ensure_browser() {
  command -v chromium >/dev/null 2>&1 || apt_install chromium fonts-dejavu-core
  command -v node >/dev/null 2>&1 || apt_install nodejs npm
  if [ ! -d tests/browser/node_modules/playwright-core ] || [ tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]; then
    say "npm ci (tests/browser)"
    (cd tests/browser && npm ci --no-audit --no-fund --silent)
  fi
}

# The real service (debug build) on a throwaway database with the demo data
# and a planner key, for the end-to-end tests of scripts/browser-test.sh and
# scripts/client-test.sh. Needs ensure_postgis first. `start_service NAME`
# builds the binary, makes the database naer_NAME_<pid>, serves on a free
# port and sets SERVICE_URL, PLANNER_KEY, ADMIN_KEY and SERVICE_LOG; the service and its
# database go when the script exits (stop_service, trapped on EXIT).
start_service() {
  local name=$1 target=${CARGO_TARGET_DIR:-target}
  say "cargo build (the service under test)"
  cargo build --locked --bin naeringsareal
  SERVICE_BIN="$target/debug/naeringsareal"
  SERVICE_DB="naer_${name}_$$"
  SERVICE_SERVER=$(server_url "$DATABASE_URL")
  local url="${SERVICE_SERVER%/postgres}/$SERVICE_DB" port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  SERVICE_LOG=$(mktemp)
  trap stop_service EXIT
  psql "$SERVICE_SERVER" -qc "CREATE DATABASE $SERVICE_DB" >/dev/null
  export DATABASE_URL="$url"
  "$SERVICE_BIN" migrate >/dev/null
  "$SERVICE_BIN" seed-demo >/dev/null
  PLANNER_KEY=$("$SERVICE_BIN" api-key create --name "$name-tests" --role planner | tail -n1)
  ADMIN_KEY=$("$SERVICE_BIN" api-key create --name "$name-admin" --role admin | tail -n1)
  say "serving on 127.0.0.1:$port"
  NAERINGSAREAL_LISTEN="127.0.0.1:$port" NAERINGSAREAL_ENQUIRY_RATE=off "$SERVICE_BIN" serve >"$SERVICE_LOG" 2>&1 &
  SERVICE_PID=$!
  SERVICE_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do
    curl -fsS "$SERVICE_URL/health" >/dev/null 2>&1 && return 0
    kill -0 "$SERVICE_PID" 2>/dev/null || { cat "$SERVICE_LOG"; die "the service did not start"; }
    sleep 0.1
  done
  cat "$SERVICE_LOG"; die "the service did not answer /health in 10 s"
}

stop_service() {
  [ -n "${SERVICE_PID:-}" ] && kill "$SERVICE_PID" 2>/dev/null && wait "$SERVICE_PID" 2>/dev/null || true
  [ -n "${SERVICE_DB:-}" ] && psql "$SERVICE_SERVER" -qc "DROP DATABASE IF EXISTS $SERVICE_DB WITH (FORCE)" >/dev/null 2>&1 || true
  [ -n "${SERVICE_LOG:-}" ] && rm -f "$SERVICE_LOG"
  return 0
}

# The last lines of the service's log, after a failed test.
service_log_tail() {
  say "the service's log:"
  tail -n "${1:-50}" "$SERVICE_LOG"
}
