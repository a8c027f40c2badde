#!/usr/bin/env python3
"""Draws per-request time against body size from `cargo bench --bench body_size`.

Reads criterion's estimates under target/criterion/body_size/ and writes
docs/body_size.svg (log-log, mean with its 95% interval), then prints the figures as a
Markdown table. Standard library only.

    cargo bench --bench body_size && python3 scripts/plot.py
"""

import json
import math
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
RESULTS = ROOT / "target" / "criterion" / "body_size"
OUTPUT = ROOT / "docs" / "body_size.svg"
SERIES = [("layer", "WebhookVerify layer", "#1f77b4"), ("by-hand", "by-hand axum handler", "#d62728")]

WIDTH, HEIGHT = 720, 440
LEFT, RIGHT, TOP, BOTTOM = 80, 24, 40, 64


def load(name):
    """(size, mean ns, low ns, high ns) for each measured body size, smallest first."""
    points = []
    for directory in (RESULTS / name).iterdir():
        estimates = directory / "new" / "estimates.json"
        if not directory.name.isdigit() or not estimates.exists():
            continue
        mean = json.loads(estimates.read_text())["mean"]
        interval = mean["confidence_interval"]
        points.append((int(directory.name), mean["point_estimate"],
                       interval["lower_bound"], interval["upper_bound"]))
    return sorted(points)


def label_size(size):
    return f"{size // 1024} KiB" if size >= 1024 else f"{size} B"


def label_time(ns):
    return f"{ns / 1000:g} µs" if ns < 1_000_000 else f"{ns / 1_000_000:g} ms"


def main():
    data = {name: load(name) for name, _, _ in SERIES}
    sizes = sorted({p[0] for points in data.values() for p in points})
    times = [t for points in data.values() for p in points for t in p[2:]]
    if not sizes:
        raise SystemExit(f"no results under {RESULTS}; run `cargo bench --bench body_size`")
    x_lo, x_hi = math.log10(sizes[0]), math.log10(sizes[-1])
    y_lo = math.floor(math.log10(min(times)))
    y_hi = math.ceil(math.log10(max(times)))

    def x(size):
        return LEFT + (math.log10(size) - x_lo) / (x_hi - x_lo) * (WIDTH - LEFT - RIGHT)

    def y(ns):
        return HEIGHT - BOTTOM - (math.log10(ns) - y_lo) / (y_hi - y_lo) * (HEIGHT - TOP - BOTTOM)

    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-size="15">'
        "Per-request time vs body size (HMAC-SHA256, in-memory request through a Router)</text>",
    ]
    for exponent in range(y_lo, y_hi + 1):
        for step in (1, 2, 5):
            ns = step * 10 ** exponent
            if ns > 10 ** y_hi:
                break
            py = y(ns)
            svg.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{py:.1f}" y2="{py:.1f}" '
                       f'stroke="#ddd"/>')
            svg.append(f'<text x="{LEFT - 6}" y="{py + 4:.1f}" text-anchor="end">'
                       f"{label_time(ns)}</text>")
    for size in sizes:
        px = x(size)
        svg.append(f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" '
                   f'stroke="#eee"/>')
        svg.append(f'<text x="{px:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle">'
                   f"{label_size(size)}</text>")
    svg.append(f'<text x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 18}" '
               'text-anchor="middle">body size (log)</text>')
    svg.append(f'<text transform="translate(16 {(TOP + HEIGHT - BOTTOM) / 2}) rotate(-90)" '
               'text-anchor="middle">time per request (log)</text>')
    for index, (name, title, colour) in enumerate(SERIES):
        points = data[name]
        path = " ".join(f"{x(s):.1f},{y(m):.1f}" for s, m, _, _ in points)
        svg.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for size, mean, low, high in points:
            svg.append(f'<line x1="{x(size):.1f}" x2="{x(size):.1f}" y1="{y(low):.1f}" '
                       f'y2="{y(high):.1f}" stroke="{colour}"/>')
            svg.append(f'<circle cx="{x(size):.1f}" cy="{y(mean):.1f}" r="3" fill="{colour}"/>')
        ly = TOP + 14 + index * 18
        svg.append(f'<line x1="{LEFT + 14}" x2="{LEFT + 38}" y1="{ly - 4}" y2="{ly - 4}" '
                   f'stroke="{colour}" stroke-width="2"/>')
        svg.append(f'<text x="{LEFT + 44}" y="{ly}">{title}</text>')
    svg.append("</svg>")
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text("\n".join(svg) + "\n")

    print("| body | layer | by hand | layer / by hand |")
    print("|---:|---:|---:|---:|")
    by_size = {name: {p[0]: p[1] for p in data[name]} for name, _, _ in SERIES}
    for size in sizes:
        layer, hand = by_size["layer"].get(size), by_size["by-hand"].get(size)
        if layer and hand:
            print(f"| {label_size(size)} | {layer / 1000:.2f} µs | {hand / 1000:.2f} µs "
                  f"| {layer / hand:.2f} |")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
