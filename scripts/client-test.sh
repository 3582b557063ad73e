#!/usr/bin/env bash
# The Python real-client tests (tests/clients): OWSLib walks the service as
# an OGC API – Features client does, openapi-spec-validator checks both
# OpenAPI documents, and schemathesis tests every operation against the
# service's own OpenAPI document. The real service (debug build) runs on a
# throwaway database with the demo data and a planner key, as for the
# browser tests. The packages are pinned in tests/clients/requirements.txt
# and installed into the virtualenv target/venv (ensure_venv, scripts/lib.sh),
# made again when that file changes. Arguments go to pytest (e.g. `-k owslib`).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_postgis
command -v curl >/dev/null 2>&1 || apt_install curl

ensure_venv

start_service clients

say "client tests (OWSLib, openapi-spec-validator, schemathesis)"
NAERINGSAREAL_URL="$SERVICE_URL" PLANNER_KEY="$PLANNER_KEY" ADMIN_KEY="$ADMIN_KEY" \
  "$NAERINGSAREAL_TEST_PYTHON" -m pytest tests/clients -p no:cacheprovider "$@" \
  || { service_log_tail; exit 1; }
