#!/usr/bin/env bash
# Instructions executed for one signed 1 KiB request, the layer against verifying by hand,
# counted by callgrind (bench/benches/instructions.rs). Installs valgrind and the
# iai-callgrind runner (the version the lock file pins for the library) when missing.
#
#     scripts/instructions.sh [extra iai-callgrind arguments, e.g. a benchmark filter]
#
# Prints iai-callgrind's report, then a table of the instruction counts and their ratio to
# `by_hand`. The raw summaries stay in target/iai/.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
target_dir="${CARGO_TARGET_DIR:-target}"

if ! command -v valgrind >/dev/null; then
    echo "== installing valgrind"
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq && apt-get install -y -qq valgrind >/dev/null
    else
        sudo apt-get update -qq && sudo apt-get install -y -qq valgrind >/dev/null
    fi
fi

version=$(awk '/^name = "iai-callgrind"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if [ -z "$version" ]; then
    echo "iai-callgrind is not in Cargo.lock" >&2
    exit 1
fi
if ! cargo install --list | grep -qx "iai-callgrind-runner v$version:"; then
    echo "== installing iai-callgrind-runner $version"
    cargo install --quiet --locked iai-callgrind-runner --version "$version"
fi

rm -rf "$target_dir/iai/tower-webhook-bench/instructions"
cargo bench -p tower-webhook-bench --bench instructions -- --save-summary=json "$@"

python3 - "$target_dir/iai/tower-webhook-bench/instructions" <<'EOF'
import json
import sys
from pathlib import Path

ORDER = ["router_layer", "router_by_hand", "layer", "by_hand_service", "by_hand_service_keyed_once", "by_hand", "by_hand_keyed_once", "bare_hmac"]
counts = {}
for path in Path(sys.argv[1]).glob("**/summary.json"):
    summary = json.loads(path.read_text())
    name = summary["function_name"]
    for profile in summary["profiles"]:
        if profile["tool"] != "Callgrind":
            continue
        metrics = profile["summaries"]["total"]["summary"]["Callgrind"]["Ir"]["metrics"]
        new = metrics["Left"] if "Left" in metrics else metrics["Both"][0]
        counts[name] = int(new["Int"])
if not counts:
    sys.exit("no callgrind summaries found")
baseline = counts.get("by_hand")
print()
print("| 1 KiB request | instructions | × by_hand | − by_hand |")
print("|---|---:|---:|---:|")
for name in sorted(counts, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n)):
    ratio = f"{counts[name] / baseline:.3f}×" if baseline else ""
    delta = f"{counts[name] - baseline:+,}" if baseline else ""
    print(f"| `{name}` | {counts[name]:,} | {ratio} | {delta} |")
EOF
