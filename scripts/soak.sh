#!/usr/bin/env bash
# Load and soak: drives the `receiver` example (release) and the by-hand baseline
# (`by_hand` example) from wrk on loopback, first with valid events, then with forged
# ones, and reports throughput, p99 latency, errors and memory (VmRSS sampled every 5 s).
#
#   scripts/soak.sh [seconds per run, default 60] [connections, default 32]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
connections=${2:-32}
secret="soak-secret"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

if ! command -v wrk >/dev/null; then
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
cargo build --release --example receiver --example by_hand

# The docs' example event (with its non-ASCII apostrophe), signed and forged.
body='{"id":"a056V7R7NmNRjl70","type":"message.updated","payload":{"id":"SIuAFUNKdSYHZF2w","conversation_id":"xgQQXg3hrtjh7AvZ","contact":{"id":"WAz8eIbvDR60rouK","username":"KevinMcCallister","phone_number":"1-800-759-3000","avatar_url":"https://assets.protocol.chat/avatars/kevin.jpg","last_active_at":705103200,"created_at":692233200},"message":"I’m traveling with my dad. He’s at a meeting. I hate meetings.","reactions":[],"attachments":[],"read_at":705103200,"created_at":692233200,"updated_at":692233200}}'
signature=$(python3 -c 'import hmac,hashlib,sys; print(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha256).hexdigest())' "$secret" "$body")
forged=$(printf '%s' "$signature" | tr '0-9a-f' '1-9a-f0')
for kind in valid forged; do
    sig=$signature; [ "$kind" = forged ] && sig=$forged
    python3 - "$body" "$sig" > "$work/$kind.lua" <<'PY'
import sys
body, sig = sys.argv[1], sys.argv[2]
print('wrk.method = "POST"')
print('wrk.body = [==[' + body + ']==]')
print('wrk.headers["content-type"] = "application/json"')
print('wrk.headers["x-webhook-signature"] = "%s"' % sig)
PY
done

run() { # name port kind
    local name=$1 port=$2 kind=$3 pid=$4
    local samples="$work/$name-$kind.rss"
    ( while kill -0 "$pid" 2>/dev/null; do awk '/VmRSS/ {print $2}' "/proc/$pid/status"; sleep 5; done ) > "$samples" &
    local sampler=$!
    wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$work/$kind.lua" "http://127.0.0.1:$port/webhook" > "$work/$name-$kind.out"
    kill "$sampler" 2>/dev/null || true
    local rps p99 non2xx errors requests rss
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/$name-$kind.out")
    p99=$(awk '$1 == "99%" {print $2}' "$work/$name-$kind.out")
    requests=$(awk '/requests in/ {print $1}' "$work/$name-$kind.out")
    non2xx=$(awk '/Non-2xx/ {print $5}' "$work/$name-$kind.out"); non2xx=${non2xx:-0}
    errors=$(awk '/Socket errors/ {print $0}' "$work/$name-$kind.out"); errors=${errors:-none}
    rss=$(sort -n "$samples" | awk 'NR==1 {min=$1} {max=$1} END {printf "%d-%d KiB", min, max}')
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$kind" "$requests" "$rps" "$p99" "$non2xx" "$errors" "$rss"
    echo "$rps" > "$work/$name-$kind.rps"
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; ${seconds}s per run, $connections connections, wrk -t2"
echo
echo '| server | events | requests | req/s | p99 latency | non-2xx | socket errors | VmRSS during run |'
echo '| --- | --- | --- | --- | --- | --- | --- | --- |'
for name in receiver by_hand; do
    port=3100; [ "$name" = by_hand ] && port=3101
    WEBHOOK_SECRET=$secret PORT=$port RUST_LOG=warn "target/release/examples/$name" &
    pid=$!
    for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
    run "$name" "$port" valid "$pid"
    run "$name" "$port" forged "$pid"
    kill "$pid"; wait "$pid" 2>/dev/null || true
done
echo
python3 - "$work" <<'PY'
import sys, pathlib
w = pathlib.Path(sys.argv[1])
for kind in ("valid", "forged"):
    layer = float((w / f"receiver-{kind}.rps").read_text())
    hand = float((w / f"by_hand-{kind}.rps").read_text())
    print(f"{kind}: layer / by-hand throughput = {layer / hand:.3f}")
PY
