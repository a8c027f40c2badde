#!/usr/bin/env bash
# Fuzzes tower-webhook's header parsers and verify path with libFuzzer, on the stable
# toolchain: the coverage instrumentation libFuzzer needs is plain `-C` codegen options.
#
#   scripts/fuzz.sh [seconds-per-target]     (default 60)
#   TARGETS="verify" scripts/fuzz.sh 600     (a subset)
#   FUZZ_ASAN=1 scripts/fuzz.sh 60           (also AddressSanitizer; needs RUSTC_BOOTSTRAP=1)
#
# Each target starts from fuzz/seeds/<target> (kept in git) and grows fuzz/corpus/<target>.
# A crash stops the script with a non-zero status and leaves its input in
# fuzz/artifacts/<target>/; replay it with `fuzz/target/<triple>/release/<target> <file>`.
set -euo pipefail

seconds="${1:-60}"
targets="${TARGETS:-parse_hmac parse_stripe parse_slack parse_standard parse_pairs parse_template parse_tokens parse_jwt parse_context verify}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/fuzz"

# libFuzzer itself is C++, built by libfuzzer-sys.
if ! command -v c++ >/dev/null; then
    apt-get update -qq && apt-get install -y -qq g++
fi

triple="$(rustc -vV | sed -n 's/^host: //p')"
flags=(
    -Cpasses=sancov-module
    -Cllvm-args=-sanitizer-coverage-level=4
    -Cllvm-args=-sanitizer-coverage-inline-8bit-counters
    -Cllvm-args=-sanitizer-coverage-pc-table
    -Cllvm-args=-sanitizer-coverage-trace-compares
    --cfg=fuzzing
    -Cdebug-assertions
    -Coverflow-checks
)
target_dir=target
if [ "${FUZZ_ASAN:-0}" = 1 ]; then
    # -Z flags are refused by a stable compiler unless RUSTC_BOOTSTRAP is set.
    flags+=(-Zsanitizer=address)
    export RUSTC_BOOTSTRAP=1
    target_dir=target/asan
fi
# --target keeps the flags off build scripts and proc macros.
RUSTFLAGS="${flags[*]}" CARGO_TARGET_DIR="$target_dir" \
    cargo build --release --target "$triple" --bins

mkdir -p logs
for target in $targets; do
    mkdir -p "corpus/$target" "artifacts/$target"
    cp -n "seeds/$target"/* "corpus/$target/" 2>/dev/null || true
    echo "== $target: ${seconds}s"
    status=0
    nice "$target_dir/$triple/release/$target" \
        -max_total_time="$seconds" \
        -artifact_prefix="artifacts/$target/" \
        -print_final_stats=1 \
        "corpus/$target" >"logs/$target.log" 2>&1 || status=$?
    grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|Done )|ERROR|panicked' "logs/$target.log" || true
    if [ "$status" != 0 ]; then
        echo "!! $target failed (status $status); see fuzz/logs/$target.log and fuzz/artifacts/$target/" >&2
        exit "$status"
    fi
done
echo "no crashes"
