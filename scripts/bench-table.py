#!/usr/bin/env python3
"""Prints the criterion results of the `verify` bench (bench/benches/verify.rs) as Markdown tables.

Reads every `target/criterion/**/new/estimates.json` (and the `benchmark.json` beside it
for the group, the benchmark name and the throughput), and prints one table per family of
groups (`request`, `verify`, `presets`, `rotation`): a row per benchmark, a column per
body size, each cell the median time and its ratio to the group's baseline (`by_hand`,
`bare_hmac` or `bare_hmac_x1`).

    cargo bench -p tower-webhook-bench --bench verify
    python3 scripts/bench-table.py [--stat median|mean|slope] [target/criterion]

`--stat slope` gives the point estimate criterion prints as `time:`.
"""

import argparse
import json
import sys
from pathlib import Path

BASELINES = ("by_hand", "bare_hmac", "bare_hmac_x1")
ORDER = (
    "layer", "by_hand", "by_hand_keyed_once", "by_hand_noop_layer", "bare_hmac", "new", "github", "shopify", "stripe", "slack",
    "standard", "standard_ed25519", "bare_hmac_x1", "bare_hmac_x3", "layer_1_secret",
    "layer_3_secrets_last",
)


def load(root, stat):
    """Yields (family, size label, size in bytes, benchmark, statistic in ns)."""
    for estimates_path in sorted(root.glob("**/new/estimates.json")):
        benchmark_path = estimates_path.with_name("benchmark.json")
        if not benchmark_path.exists():
            continue
        benchmark = json.loads(benchmark_path.read_text())
        estimates = json.loads(estimates_path.read_text())
        group = benchmark["group_id"]
        family, _, size = group.partition("/")
        throughput = benchmark.get("throughput") or {}
        size_bytes = throughput.get("Bytes") or throughput.get("BytesDecimal") or 0
        estimate = estimates.get(stat) or estimates["mean"]
        yield family, size or group, size_bytes, benchmark["function_id"], estimate["point_estimate"]


def duration(ns):
    for unit, scale in (("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}" if ns < 100 * scale else f"{ns / scale:.0f} {unit}"
    return f"{ns:.3g} ns"


def rank(name):
    return (ORDER.index(name), name) if name in ORDER else (len(ORDER), name)


def table(family, results, stat):
    sizes = sorted({(size_bytes, size) for size, size_bytes, _, _ in results})
    names = sorted({name for _, _, name, _ in results}, key=rank)
    medians = {(size, name): median for size, _, name, median in results}
    lines = [
        f"**{family}** ({stat}; × = time relative to the group's baseline)",
        "",
        "| | " + " | ".join(size for _, size in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for name in names:
        cells = []
        for size_bytes, size in sizes:
            median = medians.get((size, name))
            if median is None:
                cells.append("")
                continue
            baseline = next(
                (medians[(size, b)] for b in BASELINES if (size, b) in medians), None
            )
            cell = duration(median)
            if size_bytes:
                cell += f", {size_bytes / median:.2f} GB/s"
            if baseline:
                cell += f", {median / baseline:.3f}×"
            cells.append(cell)
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description="Criterion results as Markdown tables.")
    parser.add_argument("root", nargs="?", default="target/criterion", type=Path)
    parser.add_argument("--stat", choices=("median", "mean", "slope"), default="median")
    args = parser.parse_args()
    root = args.root
    if not root.is_dir():
        sys.exit(f"no criterion results in {root}: run `cargo bench -p tower-webhook-bench --bench verify` first")
    families = {}
    for family, size, size_bytes, name, median in load(root, args.stat):
        families.setdefault(family, []).append((size, size_bytes, name, median))
    if not families:
        sys.exit(f"no */new/estimates.json under {root}")
    order = ["request", "verify", "presets", "rotation"]
    for family in sorted(families, key=lambda f: (order.index(f) if f in order else 99, f)):
        print(table(family, families[family], args.stat))
        print()


if __name__ == "__main__":
    main()
