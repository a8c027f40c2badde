#!/usr/bin/env bash
# Time to acknowledge a webhook, under load, over loopback: each receiver below is built in
# release, started on a free port, and loaded with wrk sending signed `{id, type, payload}`
# events, every one with its own event id. Cases:
#
#   inline          examples/receiver.rs: verify, then a trivial handler answers 200
#   redis           examples/inbox.rs receive, DEDUPE=off: verify, XADD, answer 200
#   redis+dedupe    examples/inbox.rs receive: verify, claim the id in Redis, XADD,
#                   mark the id done, answer 200 (what `receive` does by default)
#   postgres        examples/inbox.rs receive: verify, INSERT (its unique event ids are
#                   its dedupe), answer 200
#   redis-fsync     as `redis`, on a Redis of its own started with `appendonly yes` and
#                   `appendfsync always` (the durable setting the RedisInbox docs ask
#                   for), on a free port, with its files in a temporary directory
#
# Prints p50, p99 and requests/s per case, and for the store cases the store commands per
# acknowledged request, from the server's own statistics: Redis `INFO commandstats` and
# PostgreSQL `pg_stat_database.xact_commit` (and the table's inserted rows), before and
# after the run, divided by the requests wrk completed. Those statistics are server-wide:
# run it while nothing else uses the same servers. It also counts the receiver's own
# writes to the store: the TCP segments with data that its connections to the store sent
# (`ss`'s data_segs_out), per request. Each command the receiver sends on its own is one
# write, so with one connection (CONNECTIONS=1) that is its round trips per request; under
# load, commands of concurrent requests sharing a Redis connection go out together, and
# it is lower.
#
#     scripts/bench-inbox.sh [case ...]        # default: all five
#
# Environment: DURATION (wrk's -d, default 10s), THREADS (-t, default 1), CONNECTIONS
# (-c, default 16), RATE (signed requests generated per second of DURATION, default
# 150000: a thread that runs out fails the run), REDIS_URL (default
# redis://127.0.0.1:6379), POSTGRES_URL (default postgres://postgres@127.0.0.1/test).
# Needs wrk (installed with apt-get when missing), python3, redis-cli, redis-server and
# psql. The
# inbox, its keys and the dedupe keys of the run are deleted afterwards (the table dropped).
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C

duration="${DURATION:-10s}"
threads="${THREADS:-1}"
connections="${CONNECTIONS:-16}"
rate="${RATE:-150000}"
redis_url="${REDIS_URL:-redis://127.0.0.1:6379}"
postgres_url="${POSTGRES_URL:-postgres://postgres@127.0.0.1/test}"
target_dir="${CARGO_TARGET_DIR:-target}"
secret="bench-inbox-secret"
run="b$(date +%s)$$"
inbox="bench_inbox_$run"
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(inline redis redis+dedupe postgres redis-fsync)

if ! command -v wrk >/dev/null; then
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

cargo build --release --example inbox --example receiver --features redis,postgres

work="$(mktemp -d)"
server=""
fsync_redis=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
    if [ -n "$fsync_redis" ]; then kill "$fsync_redis" 2>/dev/null || true; fi
    redis-cli -u "$redis_url" --scan --pattern "tower-webhook:*$run*" |
        xargs -r -n 1000 redis-cli -u "$redis_url" del >/dev/null || true
    psql -q "$postgres_url" -c "DROP TABLE IF EXISTS \"$inbox\"" \
        -c "DELETE FROM tower_webhook_migrations WHERE inbox = '$inbox'" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# Seconds in wrk's duration (10s, 1m, 30).
seconds="$(python3 -c "
import sys
d = sys.argv[1]
print(int(d[:-1]) * 60 if d.endswith('m') else int(d.rstrip('s')))" "$duration")"
per_thread=$(((seconds * rate + threads - 1) / threads))

# Writes $work/requests-N.txt for each wrk thread: `signature\tbody` lines with ids
# evt_<run>_<case>_<thread>_<n>, distinct across threads, cases and runs.
generate() {
    python3 - "$work" "$secret" "$run" "$1" "$threads" "$per_thread" <<'EOF'
import hashlib, hmac, sys
work, secret, run, case, threads, count = sys.argv[1:]
key = secret.encode()
for thread in range(int(threads)):
    with open(f"{work}/requests-{thread}.txt", "w") as out:
        for n in range(int(count)):
            body = ('{"id":"evt_%s_%s_%d_%d","type":"bench.event","payload":{"n":%d}}'
                    % (run, case, thread, n, n))
            signature = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
            out.write(f"{signature}\t{body}\n")
EOF
}

free_port() {
    python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
}

# Starts `$@` with PORT set, and waits until it accepts connections.
start() {
    port="$(free_port)"
    PORT="$port" WEBHOOK_SECRET="$secret" RUST_LOG=warn "$@" >"$work/server.log" 2>&1 &
    server=$!
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return; fi
        if ! kill -0 "$server" 2>/dev/null; then break; fi
        sleep 0.1
    done
    cat "$work/server.log" >&2
    echo "the receiver did not start" >&2
    exit 1
}

stop() {
    kill "$server"
    wait "$server" 2>/dev/null || true
    server=""
}

# Starts the private Redis of `redis-fsync`; sets fsync_redis_url.
start_fsync_redis() {
    local port
    port="$(free_port)"
    mkdir -p "$work/redis"
    redis-server --port "$port" --bind 127.0.0.1 --dir "$work/redis" --save "" \
        --appendonly yes --appendfsync always >"$work/redis.log" 2>&1 &
    fsync_redis=$!
    fsync_redis_url="redis://127.0.0.1:$port"
    for _ in $(seq 1 50); do
        if redis-cli -u "$fsync_redis_url" ping >/dev/null 2>&1; then return; fi
        sleep 0.1
    done
    cat "$work/redis.log" >&2
    exit 1
}

# `name calls` per Redis command, from INFO commandstats of the case's server.
redis_commands() {
    redis-cli -u "$case_redis_url" info commandstats |
        sed -n 's/^cmdstat_\([^:]*\):calls=\([0-9]*\),.*/\1 \2/p' | sort
}

# The port of the store at URL $1.
store_port() {
    python3 -c "
import sys, urllib.parse
url = urllib.parse.urlparse(sys.argv[1])
print(url.port or {'redis': 6379, 'postgres': 5432, 'postgresql': 5432}[url.scheme])" "$1"
}

# Data segments the receiver has sent on its open connections to port $1: its writes.
store_writes() {
    ss -tinpH "( dport = :$1 )" | awk -v pid="pid=$server," '
        /^ESTAB/ { mine = index($0, pid) > 0; next }
        mine && match($0, /data_segs_out:[0-9]+/) {
            sum += substr($0, RSTART + 14, RLENGTH - 14)
            mine = 0
        }
        END { print sum + 0 }'
}

pg_value() {
    psql -Atq "$postgres_url" -c "$1"
}

pg_commits() {
    pg_value "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
}

results="$work/results"
: >"$results"
for case in "${cases[@]}"; do
    generate "$case"
    case_redis_url="$redis_url"
    store_url=""
    case "$case" in
    inline) start "$target_dir/release/examples/receiver" ;;
    redis)
        store_url="$redis_url"
        start env INBOX_URL="$redis_url" INBOX_NAME="$inbox" DEDUPE=off \
            "$target_dir/release/examples/inbox" receive
        ;;
    redis+dedupe)
        store_url="$redis_url"
        start env INBOX_URL="$redis_url" INBOX_NAME="$inbox" \
            "$target_dir/release/examples/inbox" receive
        ;;
    postgres)
        store_url="$postgres_url"
        start env INBOX_URL="$postgres_url" INBOX_NAME="$inbox" \
            "$target_dir/release/examples/inbox" receive
        ;;
    redis-fsync)
        start_fsync_redis
        case_redis_url="$fsync_redis_url"
        store_url="$fsync_redis_url"
        start env INBOX_URL="$fsync_redis_url" INBOX_NAME="$inbox" DEDUPE=off \
            "$target_dir/release/examples/inbox" receive
        ;;
    *)
        echo "unknown case $case: inline, redis, redis+dedupe, postgres or redis-fsync" >&2
        exit 2
        ;;
    esac
    redis_commands >"$work/redis-before"
    commits_before="$(pg_commits)"
    writes_before=0
    if [ -n "$store_url" ]; then writes_before="$(store_writes "$(store_port "$store_url")")"; fi
    echo "== $case: wrk -t$threads -c$connections -d$duration --latency" >&2
    wrk -t"$threads" -c"$connections" -d"$duration" --latency \
        -s scripts/bench-inbox.lua "http://127.0.0.1:$port/webhook" -- "$work" \
        >"$work/wrk.log"
    writes_after=0
    if [ -n "$store_url" ]; then writes_after="$(store_writes "$(store_port "$store_url")")"; fi
    # Stopping the receiver makes its PostgreSQL sessions end, which reports their
    # statistics at once.
    stop
    sleep 1
    redis_commands >"$work/redis-after"
    commits_after="$(pg_commits)"
    cat "$work/wrk.log" >&2
    line="$(grep '^RESULT ' "$work/wrk.log")"
    eval "${line#RESULT }"
    # shellcheck disable=SC2154 # set by the eval of wrk's RESULT line
    if [ "$ran_out" != 0 ] || [ "$status_errors" != 0 ] || [ "$socket_errors" != 0 ]; then
        echo "$case: $ran_out threads ran out of requests (raise RATE), $status_errors" \
            "error statuses, $socket_errors socket errors: not counted" >&2
        exit 1
    fi
    per_request=""
    case "$case" in
    redis | redis+dedupe | redis-fsync)
        per_request="$(join -a 2 -e 0 -o 0,1.2,2.2 "$work/redis-before" "$work/redis-after" |
            awk -v n="$requests" '$3 - $2 > 0 && $1 != "info" {
                printf "%s%s %.3f", sep, toupper($1), ($3 - $2) / n; sep = ", " }')"
        redis-cli -u "$case_redis_url" del "tower-webhook:inbox:{$inbox}:stream" >/dev/null
        ;;
    postgres)
        # This script's own two queries of pg_stat_database are transactions too.
        inserted="$(pg_value "SELECT count(*) FROM \"$inbox\"")"
        per_request="$(awk -v a="$commits_before" -v b="$commits_after" -v n="$requests" \
            -v rows="$inserted" 'BEGIN {
                printf "transactions %.3f, rows stored %.3f", (b - a - 1) / n, rows / n }')"
        ;;
    esac
    if [ "$case" = redis-fsync ]; then
        kill "$fsync_redis"
        wait "$fsync_redis" 2>/dev/null || true
        fsync_redis=""
    fi
    writes=""
    if [ -n "$store_url" ]; then
        writes="$(awk -v a="$writes_before" -v b="$writes_after" -v n="$requests" \
            'BEGIN { printf "%.3f", (b - a) / n }')"
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$case" "$requests" \
        "$(awk -v us="$p50_us" 'BEGIN { printf "%.3f ms", us / 1000 }')" \
        "$(awk -v us="$p99_us" 'BEGIN { printf "%.2f ms", us / 1000 }')" \
        "$(printf '%.0f' "$rps")" "$per_request" "$writes" >>"$results"
done

echo
echo "wrk -t$threads -c$connections -d$duration, loopback; $(nproc) CPUs: $(lscpu | sed -n 's/^Model name: *//p')"
printf '| case | requests | p50 | p99 | requests/s | store commands per request | writes to the store per request |\n'
printf '| --- | ---: | ---: | ---: | ---: | --- | ---: |\n'
while IFS=$'\t' read -r case requests p50 p99 rps per_request writes; do
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$case" "$requests" "$p50" "$p99" "$rps" \
        "$per_request" "$writes"
done <"$results"
