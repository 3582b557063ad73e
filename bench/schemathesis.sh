#!/usr/bin/env bash
# A longer schemathesis run than the suite's (by hand, not in CI): the same
# tests (tests/clients/test_schemathesis.py, through scripts/client-test.sh:
# the service on a throwaway demo database), with more examples per
# operation and, unless SCHEMATHESIS_SEED is set, a new seed each run
# (printed, so that a failure can be replayed with it).
#
#   bench/schemathesis.sh                    500 examples per operation
#   SCHEMATHESIS_EXAMPLES=2000 bench/schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export SCHEMATHESIS_EXAMPLES=${SCHEMATHESIS_EXAMPLES:-500}
export SCHEMATHESIS_SEED=${SCHEMATHESIS_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
export SCHEMATHESIS_TIMEOUT=${SCHEMATHESIS_TIMEOUT:-7200}
echo "schemathesis: $SCHEMATHESIS_EXAMPLES examples per operation, seed $SCHEMATHESIS_SEED" >&2
exec scripts/client-test.sh -k schemathesis -s "$@"
