#!/usr/bin/env bash
# Load and soak: drives the `receiver` example (release) and the by-hand baseline
# (`by_hand` example) from wrk on loopback, first with valid events, then with forged
# ones, and reports throughput, p99 latency, errors and memory (VmRSS sampled every 5 s).
#
#   scripts/soak.sh [seconds per server and kind, default 60] [connections, default 32]
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

# Both servers run for the whole soak; their memory is sampled every 5 s. The load
# alternates between them in rounds, each going first in every other round, so a noisy
# neighbour or the order itself favours neither.
declare -A pids
for name in receiver by_hand; do
    port=3100; [ "$name" = by_hand ] && port=3101
    WEBHOOK_SECRET=$secret PORT=$port RUST_LOG=warn "target/release/examples/$name" &
    pids[$name]=$!
    for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
    ( while kill -0 "${pids[$name]}" 2>/dev/null; do
        awk '/VmRSS/ {print $2}' "/proc/${pids[$name]}/status"; sleep 5
      done ) > "$work/$name.rss" &
done

rounds=4
slice=$(( seconds / rounds ))
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores (shared)"
echo "load: wrk -t2 -c$connections, ${seconds}s per server and kind, in $rounds alternating rounds of ${slice}s"
for kind in valid forged; do
    for round in $(seq 1 "$rounds"); do
        order="receiver by_hand"; [ $((round % 2)) = 0 ] && order="by_hand receiver"
        for name in $order; do
            port=3100; [ "$name" = by_hand ] && port=3101
            wrk -t2 -c"$connections" -d"${slice}s" --latency -s "$work/$kind.lua" \
                "http://127.0.0.1:$port/webhook" > "$work/$name-$kind-$round.out"
        done
    done
done
for name in receiver by_hand; do kill "${pids[$name]}"; done
wait 2>/dev/null || true

python3 - "$work" "$slice" <<'PY'
import pathlib, re, sys
work, slice_seconds = pathlib.Path(sys.argv[1]), int(sys.argv[2])

def seconds(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0}[unit]

rows, rps = [], {}
for kind in ("valid", "forged"):
    for name in ("receiver", "by_hand"):
        requests = non2xx = errors = 0
        p99 = 0.0
        for out in sorted(work.glob(f"{name}-{kind}-*.out")):
            text = out.read_text()
            requests += int(re.search(r"(\d+) requests in", text).group(1))
            p99 = max(p99, seconds(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1)))
            match = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
            non2xx += int(match.group(1)) if match else 0
            match = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
            errors += sum(map(int, match.groups())) if match else 0
            rounds = len(list(work.glob(f"{name}-{kind}-*.out")))
        rps[name, kind] = requests / (rounds * slice_seconds)
        rows.append((name, kind, requests, rps[name, kind], p99 * 1e3, non2xx, errors))

print()
print("| server | events | requests | req/s | worst p99 | non-2xx | socket errors |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
for name, kind, requests, rate, p99, non2xx, errors in rows:
    print(f"| {name} | {kind} | {requests} | {rate:,.0f} | {p99:.2f} ms | {non2xx} | {errors} |")
print()
for name in ("receiver", "by_hand"):
    samples = [int(line) for line in (work / f"{name}.rss").read_text().split()]
    print(f"{name}: VmRSS {min(samples)}-{max(samples)} KiB over {len(samples)} samples")
for kind in ("valid", "forged"):
    print(f"{kind}: layer / by-hand throughput = {rps['receiver', kind] / rps['by_hand', kind]:.3f}")
PY
