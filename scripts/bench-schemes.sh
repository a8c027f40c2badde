#!/usr/bin/env bash
# Every scheme type, algorithm family and MAC preset against its bare primitive at 64 KiB
# (`schemes/64KiB`, `algorithms/64KiB` and `every_preset/64KiB` of the verify bench), and
# the presets that read from the body against the same work by hand (`from_body/64KiB`),
# in rounds. Each benchmark there is a pair, `<name>` and `<name>_bare`, measured in turn within every iteration, so
# a pair's ratio compares figures from the same moments; rounds show how much that ratio
# still moves. Prints each pair's min, median and max ratio across rounds.
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
filter='^(schemes|algorithms|every_preset|from_body)/64KiB/'

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
    for group in schemes algorithms every_preset from_body; do
        for estimates in "$target_dir"/criterion/${group}_64KiB/*/new/estimates.json; do
            name=$(basename "$(dirname "$(dirname "$estimates")")")
            cp "$estimates" "$out/$round/$group.$name.json"
        done
    done
done

python3 - "$out" <<'PY'
import json
import statistics
import sys
from pathlib import Path

out = Path(sys.argv[1])
rounds = [
    {path.stem: json.loads(path.read_text())["median"]["point_estimate"] for path in d.glob("*.json")}
    for d in sorted((d for d in out.iterdir() if d.is_dir()), key=lambda d: int(d.name))
]
pairs = [name for name in rounds[0] if f"{name}_bare" in rounds[0]]
for group in ("algorithms", "schemes", "every_preset", "from_body"):
    print()
    print(f"{group}/64KiB: each layer's median over its paired primitive's, {len(rounds)} rounds")
    print()
    print("| layer | layer time | primitive time | min | median | max |")
    print("|---|---:|---:|---:|---:|---:|")
    for pair in sorted(p for p in pairs if p.startswith(group + ".")):
        ratios = [r[pair] / r[f"{pair}_bare"] for r in rounds]
        time = statistics.median(r[pair] for r in rounds) / 1000
        bare = statistics.median(r[f"{pair}_bare"] for r in rounds) / 1000
        print(
            f"| `{pair.split('.', 1)[1]}` | {time:.1f} µs | {bare:.1f} µs | {min(ratios):.3f}× "
            f"| {statistics.median(ratios):.3f}× | {max(ratios):.3f}× |"
        )
PY
