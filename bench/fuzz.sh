#!/usr/bin/env bash
# Runs one cargo-fuzz target for N seconds, starting from the committed seeds.
#
#   bench/fuzz.sh <cql2_text|cql2_json|feature> [seconds, default 600] [extra libFuzzer flags]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). On the stable
# toolchain RUSTC_BOOTSTRAP=1 lets rustc take cargo-fuzz's -Z flags. The
# address sanitizer is used (its runtime ships with the stable toolchain's
# rust-std); FUZZ_SANITIZER=none builds without it. The growing corpus is in
# fuzz/corpus/<target>, crashes in fuzz/artifacts/<target> (both ignored by
# git); an input that takes over 10 s counts as a crash (a hang); the log is fuzz/artifacts/<target>.log.
set -euo pipefail

target="${1:?usage: bench/fuzz.sh <cql2_text|cql2_json|feature> [seconds] [libFuzzer flags]}"
seconds="${2:-600}"
shift $(($# >= 2 ? 2 : 1))
sanitizer="${FUZZ_SANITIZER:-address}"

cd "$(dirname "$0")/../fuzz"
[ -d "seeds/$target" ] || { echo "no seeds/$target" >&2; exit 2; }
mkdir -p "corpus/$target" "artifacts/$target"
export RUSTC_BOOTSTRAP=1
# -rss_limit_mb: the feature target's JSON documents may be large; a
# leak or blow-up past 2 GB is a finding all the same.
cargo fuzz run --sanitizer "$sanitizer" "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 "$@" \
    2>&1 | tee "artifacts/$target.log"
