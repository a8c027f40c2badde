#!/usr/bin/env bash
# Every scheme type, algorithm family and MAC preset against its bare primitive at 64 KiB
# (`schemes/64KiB`, `algorithms/64KiB` and `every_preset/64KiB` of the verify bench), and
# the presets that read from the body against the same work by hand (`from_body/64KiB`),
# in rounds. Each benchmark there is a pair: the layer and its primitive measured in turn
# within every iteration, criterion's samples summing both over the same iterations, so a
# sample's ratio compares figures from the same moments. The bench prints a `pair` line
# per benchmark (medians over its samples); rounds show how much a pair's ratio still
# moves. Prints each pair's times (medians over the rounds) and its min, median and max
# ratio across rounds.
#
#     scripts/bench-schemes.sh [rounds, default 5]
#
# Each benchmark gets 1 s of warm-up and BENCH_ROUNDS_MEASUREMENT seconds (default 3) of
# measurement. Every round's log is kept in target/bench-schemes/.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds="${1:-5}"
measurement="${BENCH_ROUNDS_MEASUREMENT:-3}"
target_dir="${CARGO_TARGET_DIR:-target}"
out="$target_dir/bench-schemes"
filter='^(schemes|algorithms|every_preset|from_body)/64KiB/'

cargo bench -p tower-webhook-bench --bench verify --no-run

rm -rf "$out"
mkdir -p "$out"
for round in $(seq 1 "$rounds"); do
    echo "== round $round/$rounds"
    log="$out/$round.log"
    if ! cargo bench -q -p tower-webhook-bench --bench verify -- "$filter" \
        --warm-up-time 1 --measurement-time "$measurement" --noplot >"$log" 2>&1; then
        cat "$log" >&2
        exit 1
    fi
done

python3 - "$out" <<'PY'
import re
import statistics
import sys
from pathlib import Path

out = Path(sys.argv[1])
line = re.compile(r"^pair (\S+) layer_ns=(\S+) primitive_ns=(\S+) ratio=(\S+) samples=\d+$")
rounds = []
for log in sorted(out.glob("*.log"), key=lambda p: int(p.stem)):
    pairs = {}
    for text in log.read_text().splitlines():
        if match := line.match(text):
            name, layer, primitive, ratio = match.groups()
            pairs[name] = (float(layer), float(primitive), float(ratio))
    rounds.append(pairs)
for group in ("algorithms", "schemes", "every_preset", "from_body"):
    names = sorted(name for name in rounds[0] if name.startswith(group + "/"))
    print()
    print(f"{group}/64KiB: each layer against its paired primitive, {len(rounds)} rounds")
    print()
    print("| layer | layer time | primitive time | min | median | max |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in names:
        seen = [r[name] for r in rounds if name in r]
        layer = statistics.median(s[0] for s in seen) / 1000
        primitive = statistics.median(s[1] for s in seen) / 1000
        ratios = [s[2] for s in seen]
        print(
            f"| `{name.rsplit('/', 1)[1]}` | {layer:.1f} µs | {primitive:.1f} µs | {min(ratios):.3f}× "
            f"| {statistics.median(ratios):.3f}× | {max(ratios):.3f}× |"
        )
PY
