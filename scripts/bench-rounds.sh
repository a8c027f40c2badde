#!/usr/bin/env bash
# The headline comparison, `request/1KiB` of the verify bench (`layer` against `by_hand`
# and `by_hand_keyed_once`), in interleaved rounds: each round runs the three benchmarks
# one after another, in an order that alternates from round to round, so that a slow
# spell of a shared machine falls on all of them rather than on one. Then prints each
# round's medians and ratios, and the min/median/max of the ratios across rounds.
#
#     scripts/bench-rounds.sh [rounds, default 5]
#
# Each benchmark gets 1 s of warm-up and BENCH_ROUNDS_MEASUREMENT seconds (default 3) of
# measurement. Every round's criterion estimates are kept in target/bench-rounds/.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds="${1:-5}"
measurement="${BENCH_ROUNDS_MEASUREMENT:-3}"
target_dir="${CARGO_TARGET_DIR:-target}"
group="request/1KiB"
group_dir="$target_dir/criterion/request_1KiB"
out="$target_dir/bench-rounds"
names=(layer by_hand by_hand_keyed_once)

cargo bench -p tower-webhook-bench --bench verify --no-run

rm -rf "$out"
for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) -eq 1 ]; then
        order=("${names[@]}")
    else
        order=()
        for ((i = ${#names[@]} - 1; i >= 0; i--)); do order+=("${names[i]}"); done
    fi
    mkdir -p "$out/$round"
    echo "${order[*]}" >"$out/$round/order"
    for name in "${order[@]}"; do
        echo "== round $round/$rounds: $group/$name"
        log="$out/$round/$name.log"
        if ! cargo bench -q -p tower-webhook-bench --bench verify -- --exact "$group/$name" \
            --warm-up-time 1 --measurement-time "$measurement" --noplot >"$log" 2>&1; then
            cat "$log" >&2
            exit 1
        fi
        grep -E "time:" "$log"
        cp "$group_dir/$name/new/estimates.json" "$out/$round/$name.json"
    done
done

python3 - "$out" "$group" <<'EOF'
import json
import statistics
import sys
from pathlib import Path

out, group = Path(sys.argv[1]), sys.argv[2]
NAMES = ("layer", "by_hand", "by_hand_keyed_once")


def median_ns(path):
    return json.loads(path.read_text())["median"]["point_estimate"]


rows = []
for round_dir in sorted((d for d in out.iterdir() if d.is_dir()), key=lambda d: int(d.name)):
    times = {name: median_ns(round_dir / f"{name}.json") for name in NAMES}
    order = (round_dir / "order").read_text().split()
    rows.append((round_dir.name, order, times))

print()
print(f"{group}, criterion medians per round")
print()
print("| round | order | layer | by_hand | by_hand_keyed_once | layer / by_hand | layer / keyed_once |")
print("|---:|---|---:|---:|---:|---:|---:|")
for name, order, t in rows:
    print(
        f"| {name} | {', '.join(order)} | {t['layer']:.0f} ns | {t['by_hand']:.0f} ns "
        f"| {t['by_hand_keyed_once']:.0f} ns | {t['layer'] / t['by_hand']:.3f}× "
        f"| {t['layer'] / t['by_hand_keyed_once']:.3f}× |"
    )
print()
for label, baseline in (("layer / by_hand", "by_hand"), ("layer / by_hand_keyed_once", "by_hand_keyed_once")):
    ratios = [t["layer"] / t[baseline] for _, _, t in rows]
    print(
        f"{label}: min {min(ratios):.3f}×, median {statistics.median(ratios):.3f}×, "
        f"max {max(ratios):.3f}× over {len(ratios)} rounds"
    )
EOF
