#!/usr/bin/env bash
# Every scheme type against its bare primitive at 64 KiB (`schemes/64KiB` of the verify
# bench, and `algorithms/64KiB/bare_ed25519` for the ed25519 preset), in rounds: each round
# runs the whole group once, and each preset's ratio is taken against its primitive of the
# same round, so that a slow spell of a shared machine falls on both. Prints each preset's
# min, median and max ratio across rounds.
#
#     scripts/bench-schemes.sh [rounds, default 5]
#
# Each benchmark gets 1 s of warm-up and BENCH_ROUNDS_MEASUREMENT seconds (default 3) of
# measurement. Every round's criterion estimates are kept in target/bench-schemes/.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds="${1:-5}"
measurement="${BENCH_ROUNDS_MEASUREMENT:-3}"
target_dir="${CARGO_TARGET_DIR:-target}"
out="$target_dir/bench-schemes"
filter='^(schemes/64KiB/.*|algorithms/64KiB/bare_ed25519)$'

cargo bench -p tower-webhook-bench --bench verify --no-run

rm -rf "$out"
for round in $(seq 1 "$rounds"); do
    echo "== round $round/$rounds"
    log="$out/$round.log"
    mkdir -p "$out/$round"
    if ! cargo bench -q -p tower-webhook-bench --bench verify -- "$filter" \
        --warm-up-time 1 --measurement-time "$measurement" --noplot >"$log" 2>&1; then
        cat "$log" >&2
        exit 1
    fi
    for estimates in "$target_dir"/criterion/schemes_64KiB/*/new/estimates.json \
        "$target_dir"/criterion/algorithms_64KiB/bare_ed25519/new/estimates.json; do
        name=$(basename "$(dirname "$(dirname "$estimates")")")
        cp "$estimates" "$out/$round/$name.json"
    done
done

python3 - "$out" <<'EOF'
import json
import statistics
import sys
from pathlib import Path

out = Path(sys.argv[1])
# Each preset's primitive; telegram (a token compared, nothing hashed) has none.
BASELINE = {
    "intercom": "bare_hmac_sha1",
    "trello": "bare_hmac_sha1",
    "discord": "bare_ed25519",
    "sendgrid": "bare_ecdsa_p256",
}
rounds = [
    {path.stem: json.loads(path.read_text())["median"]["point_estimate"] for path in d.glob("*.json")}
    for d in sorted((d for d in out.iterdir() if d.is_dir()), key=lambda d: int(d.name))
]
presets = sorted(
    name for name in rounds[0] if not name.startswith("bare_") and name != "telegram"
)
print()
print(f"schemes/64KiB, each preset's median over its primitive's, {len(rounds)} rounds")
print()
print("| preset | primitive | median time | min | median | max |")
print("|---|---|---:|---:|---:|---:|")
for preset in presets:
    baseline = BASELINE.get(preset, "bare_hmac_sha256")
    ratios = [r[preset] / r[baseline] for r in rounds]
    time = statistics.median(r[preset] for r in rounds) / 1000
    print(
        f"| `{preset}` | {baseline} | {time:.1f} µs | {min(ratios):.3f}× "
        f"| {statistics.median(ratios):.3f}× | {max(ratios):.3f}× |"
    )
EOF
