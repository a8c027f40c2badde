#!/usr/bin/env bash
# Load and soak: drives the `soak_server` example (release build) from wrk on loopback,
# for SECONDS each (default 60): valid events through the layer, forged ones through the
# layer, then the same two against the by-hand axum handler in the same server. Reports
# requests/s, p99 latency, non-2xx answers, answers other than the expected 200 (valid) or
# 400 (forged), and socket errors per phase, and the server's
# resident memory sampled every 5 s.
#
#   scripts/soak.sh [seconds]          CONNECTIONS=32 THREADS=1 scripts/soak.sh 60
set -euo pipefail

seconds="${1:-60}"
connections="${CONNECTIONS:-32}"
threads="${THREADS:-1}"
address="127.0.0.1:${SOAK_PORT:-3999}"
secret="soak secret"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if ! command -v wrk >/dev/null; then
    sudo apt-get update && sudo apt-get install -y wrk
fi
cargo build --release --example soak_server

work="$(mktemp -d)"
WEBHOOK_SECRET="$secret" SOAK_ADDR="$address" target/release/examples/soak_server >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do
    grep -q listening "$work/server.log" 2>/dev/null && break
    sleep 0.1
done

body='{"id":"evt_1","type":"message.created","payload":{"id":"m_1","text":"caf\u00e9 \u2019 hello"}}'
good="$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" | sed 's/.*= //')"
forged="$(printf '%s' "$body" | openssl dgst -sha256 -hmac "not the secret" | sed 's/.*= //')"
cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = os.getenv("SOAK_BODY")
wrk.headers["content-type"] = "application/json"
wrk.headers["x-webhook-signature"] = os.getenv("SOAK_SIGNATURE")

local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
    unexpected = 0
    expected = tonumber(os.getenv("SOAK_EXPECT"))
end
function response(status, headers, body)
    if status ~= expected then unexpected = unexpected + 1 end
end
function done(summary, latency, requests)
    local total = 0
    for _, thread in ipairs(threads) do total = total + thread:get("unexpected") end
    io.write(string.format("unexpected statuses: %d\n", total))
end
LUA

rss() { awk '/^VmRSS/ {print $2}' "/proc/$server/status"; }
sample_memory() {
    while kill -0 "$server" 2>/dev/null; do
        echo "$(date +%s) $(rss)" >>"$work/memory"
        sleep 5
    done
}
sample_memory &
sampler=$!

printf '%-16s %10s %10s %9s %8s %11s %9s\n' phase requests req/s p99 non-2xx unexpected sock-errs
phase() {
    local name="$1" path="$2" signature="$3" expect="$4"
    SOAK_BODY="$body" SOAK_SIGNATURE="$signature" SOAK_EXPECT="$expect" \
        wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "$work/post.lua" \
        "http://$address$path" >"$work/$name.txt"
    local requests rate p99 non2xx errors unexpected
    requests="$(awk '/requests in/ {print $1}' "$work/$name.txt")"
    rate="$(awk '/^Requests\/sec/ {print $2}' "$work/$name.txt")"
    p99="$(awk '$1 == "99%" {print $2}' "$work/$name.txt")"
    non2xx="$(awk '/Non-2xx/ {print $5}' "$work/$name.txt")"
    errors="$(awk '/Socket errors/ {print $4 $6 $8 $10}' "$work/$name.txt")"
    unexpected="$(awk '/unexpected statuses/ {print $3}' "$work/$name.txt")"
    printf '%-16s %10s %10s %9s %8s %11s %9s\n' "$name" "$requests" "$rate" "$p99" "${non2xx:-0}" "$unexpected" "${errors:-none}"
    echo "$rate" >"$work/$name.rate"
}
phase layer-valid /webhook "$good" 200
phase layer-forged /webhook "$forged" 400
phase by-hand-valid /by-hand "$good" 200
phase by-hand-forged /by-hand "$forged" 400
kill "$sampler" 2>/dev/null || true

awk '{print $2}' "$work/memory" | sort -n | awk '
    NR == 1 {min = $1} {max = $1; n = NR}
    END {printf "server VmRSS over %d samples: min %d KiB, max %d KiB\n", n, min, max}'
echo "server VmRSS at the start and end: $(head -1 "$work/memory" | cut -d' ' -f2) -> $(rss) KiB"
awk -v layer="$(cat "$work/layer-valid.rate")" -v hand="$(cat "$work/by-hand-valid.rate")" \
    'BEGIN {printf "valid events, layer / by hand throughput: %.3f\n", layer / hand}'
