#!/usr/bin/env bash
# Installs the Node interop peer's SDKs (exact versions from package-lock.json)
# into interop/node_modules. Idempotent: runs `npm ci` only when node_modules is
# missing or older than package-lock.json / package.json.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

command -v node >/dev/null || { echo "setup-node.sh: node not found" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup-node.sh: npm not found" >&2; exit 1; }

# npm writes node_modules/.package-lock.json on every successful install; it is
# the stamp that says the tree matches package-lock.json.
stamp=node_modules/.package-lock.json
if [[ -f "$stamp" && "$stamp" -nt package-lock.json && "$stamp" -nt package.json ]]; then
  echo "setup-node.sh: node_modules is up to date" >&2
  exit 0
fi

echo "setup-node.sh: installing from package-lock.json" >&2
npm ci --no-audit --no-fund --loglevel=error
# npm ci may keep the old mtime when nothing changed; mark the tree as fresh.
touch "$stamp"
echo "setup-node.sh: done" >&2
