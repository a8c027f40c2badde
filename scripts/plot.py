#!/usr/bin/env python3
"""Draws docs/request-time.svg from the criterion results of the `verify` bench (bench/benches/verify.rs):
median time per request against body size, for the layer and the by-hand handler.

    cargo bench -p tower-webhook-bench --bench verify -- request
    python3 scripts/plot.py [target/criterion] [docs/request-time.svg]

Python 3 standard library only; the SVG is drawn by hand (log-log axes).
"""

import json
import math
import sys
from pathlib import Path

SERIES = {"layer": ("WebhookVerify layer", "#1f77b4"), "by_hand": ("by-hand handler", "#d62728")}
WIDTH, HEIGHT = 640, 400
LEFT, RIGHT, TOP, BOTTOM = 80, 30, 40, 60


def load(root):
    """{series: [(size in bytes, median in ns)]} from the `request/<size>` groups."""
    points = {name: [] for name in SERIES}
    for path in root.glob("**/new/benchmark.json"):
        benchmark = json.loads(path.read_text())
        family, _, _ = benchmark["group_id"].partition("/")
        name = benchmark["function_id"]
        if family != "request" or name not in points:
            continue
        throughput = benchmark.get("throughput") or {}
        size = throughput.get("Bytes") or throughput.get("BytesDecimal")
        estimates = json.loads(path.with_name("estimates.json").read_text())
        points[name].append((size, estimates["median"]["point_estimate"]))
    return {name: sorted(values) for name, values in points.items() if values}


def label_size(size):
    return f"{size // 1048576} MiB" if size >= 1048576 else f"{size // 1024} KiB"


def label_time(ns):
    for unit, scale in (("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:g} {unit}"
    return f"{ns:g} ns"


def svg(points, machine):
    sizes = sorted({size for values in points.values() for size, _ in values})
    times = [t for values in points.values() for _, t in values]
    x_lo, x_hi = math.log10(sizes[0]) - 0.2, math.log10(sizes[-1]) + 0.2
    y_lo, y_hi = math.floor(math.log10(min(times))), math.ceil(math.log10(max(times)))

    def x(size):
        return LEFT + (math.log10(size) - x_lo) / (x_hi - x_lo) * (WIDTH - LEFT - RIGHT)

    def y(ns):
        return HEIGHT - BOTTOM - (math.log10(ns) - y_lo) / (y_hi - y_lo) * (HEIGHT - TOP - BOTTOM)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="20" text-anchor="middle" font-size="14">'
        "Median time per request (log-log), lower is better</text>",
    ]
    for exponent in range(y_lo, y_hi + 1):
        ns = 10**exponent
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(ns):.1f}" y2="{y(ns):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y(ns) + 4:.1f}" text-anchor="end">{label_time(ns)}</text>')
    for size in sizes:
        out.append(f'<line x1="{x(size):.1f}" x2="{x(size):.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" stroke="#ddd"/>')
        out.append(f'<text x="{x(size):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">{label_size(size)}</text>')
    out.append(f'<text x="{WIDTH / 2}" y="{HEIGHT - 22}" text-anchor="middle">body size</text>')
    out.append(f'<text x="{WIDTH / 2}" y="{HEIGHT - 6}" text-anchor="middle" fill="#666">{machine}</text>')
    for index, (name, values) in enumerate(points.items()):
        title, colour = SERIES[name]
        line = " ".join(f"{x(s):.1f},{y(t):.1f}" for s, t in values)
        out.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for size, ns in values:
            out.append(f'<circle cx="{x(size):.1f}" cy="{y(ns):.1f}" r="4" fill="{colour}">'
                       f"<title>{title}, {label_size(size)}: {label_time(round(ns, 1))}</title></circle>")
        legend_y = TOP + 10 + 18 * index
        out.append(f'<line x1="{LEFT + 10}" x2="{LEFT + 35}" y1="{legend_y}" y2="{legend_y}" stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{LEFT + 42}" y="{legend_y + 4}">{title}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def machine():
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    import os
    return f"{model}, {os.cpu_count()} cores (shared)"


def main():
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
    target = Path(sys.argv[2] if len(sys.argv) > 2 else "docs/request-time.svg")
    points = load(root)
    if not points:
        sys.exit(f"no request/<size> results under {root}: run `cargo bench -p tower-webhook-bench --bench verify -- request` first")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(svg(points, machine()))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
