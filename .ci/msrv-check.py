#!/usr/bin/env python3
"""Fails when a non-dev dependency (with every feature on) declares a `rust-version` newer
than the crate's own.

Only one Rust toolchain can be installed where the checks run, so the MSRV is checked by
reading every dependency's declared `rust-version` from `cargo metadata` (as resolved by
Cargo.lock) rather than by building with the old compiler.
"""

import json
import subprocess
import sys


def version(text):
    return tuple(int(part) for part in text.split("."))[:2] if text else (0, 0)


metadata = json.loads(
    subprocess.check_output(
        ["cargo", "metadata", "--format-version", "1", "--all-features", "--locked"]
    )
)
packages = {package["id"]: package for package in metadata["packages"]}
nodes = {node["id"]: node for node in metadata["resolve"]["nodes"]}
root = next(p["id"] for p in metadata["packages"] if p["name"] == "tower-webhook")
ours = version(packages[root]["rust_version"])

# Everything reachable from the crate through normal and build dependencies.
reached, stack = set(), [root]
while stack:
    node = stack.pop()
    for dependency in nodes[node]["deps"]:
        kinds = {kind["kind"] for kind in dependency["dep_kinds"]}
        if kinds == {"dev"}:
            continue
        if dependency["pkg"] not in reached:
            reached.add(dependency["pkg"])
            stack.append(dependency["pkg"])

newer = sorted(
    (version(packages[id].get("rust_version")), packages[id]["name"], packages[id]["version"])
    for id in reached
    if version(packages[id].get("rust_version")) > ours
)
needed = max((version(packages[id].get("rust_version")) for id in reached), default=(0, 0))
if newer:
    for needs, name, at in newer:
        print(f"{name} {at} needs Rust {'.'.join(map(str, needs))}", file=sys.stderr)
    print(f"rust-version is {'.'.join(map(str, ours))}: raise it", file=sys.stderr)
    sys.exit(1)
print(
    f"rust-version {'.'.join(map(str, ours))}: {len(reached)} dependencies, "
    f"the newest needs {'.'.join(map(str, needed))}"
)
