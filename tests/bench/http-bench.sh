#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Measures the REST API under ingest load: a headless console on a scratch
# database that holds 24 hours of history for a few devices, metrics-loadgen
# reporting 1,000 devices at 10,000 reports/s over UDP, and wrk (from Debian)
# requesting GET /api/devices/ at a fixed rate over keep-alive connections,
# then 24-hour history downsampled to 1,000 points. Afterwards the console is
# stopped (it commits everything it accepted) and the stored rows of the
# simulated devices are counted against what the load generator sent.
# Prints one key=value line on stdout.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/tests/bench"
# shellcheck source=lib.sh
source "$here/lib.sh"
build_dir="${DMR_BUILD_DIR:-$root/build}"
devices=1000
rate=10000
duration=30
list_rate=500
connections=16
history_devices=10
history_rate=20
history_connections=2
auth=none
keep=no

usage() {
    cat <<USAGE
Usage: $0 [--devices N] [--rate R] [--duration S] [--list-rate Q] [--connections C]
          [--history-devices H] [--history-rate Q] [--history-connections C]
          [--auth none|token|session] [--keep]

Runs a headless metrics-console from \$DMR_BUILD_DIR (default build/) on
127.0.0.1. It first writes 24 hours of 10-second history for H devices
(default $history_devices) with gui-bench --demo-data, then, while metrics-loadgen sends
R reports/s from N devices (defaults $rate, $devices), runs wrk for S seconds (default
$duration) on GET /api/devices/ at Q requests/s over C keep-alive connections
(defaults $list_rate, $connections), then for S seconds on 24-hour history of the H devices
downsampled to 1,000 points at $history_rate requests/s over $history_connections connections (the
--history-* options). Prints
  list_rps= list_p50_ms= list_p99_ms= list_errors= devices_listed=
  history_rps= history_p50_ms= history_p99_ms= history_errors= history_points=
  sent= stored= lost= rss_peak_kb=
--auth token: the console requires sign-in (--auth on) and every request carries a
user's API token (looked up by its SHA-256, cached 2 s); session: a web session's
cookie instead; none (default): reads open on loopback, as before.
--keep leaves the scratch folder (database, logs) for a look.
Needs wrk, curl and sqlite3 (installers/deps.sh installs them).
USAGE
}

while [[ $# -gt 0 ]]; do
    case "$1" in
    --devices | --rate | --duration | --list-rate | --connections | --history-devices | \
        --history-rate | --history-connections | --auth)
        [[ $# -ge 2 ]] || {
            usage >&2
            exit 2
        }
        name="${1#--}"
        declare "${name//-/_}=$2"
        shift 2
        ;;
    --keep)
        keep=yes
        shift
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        usage >&2
        exit 2
        ;;
    esac
done

console="$build_dir/console/metrics-console"
loadgen="$build_dir/tests/bench/loadgen/metrics-loadgen"
demo="$build_dir/tests/bench/gui-bench/gui-bench"
require_programs "$console" "$loadgen" "$demo"
require_tools wrk curl sqlite3 ss

scratch="$(mktemp -d -t dmr-http-bench.XXXXXX)"
console_pid=""
loadgen_pid=""
cleanup() {
    for pid in $loadgen_pid $console_pid; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ $keep == yes ]]; then
        echo "kept $scratch" >&2
    else
        rm -rf "$scratch"
    fi
}
trap cleanup EXIT

udp_port="$(free_port u)"
http_port="$(free_port t)"
base="http://127.0.0.1:$http_port"

db="$scratch/metrics.db"
echo "writing 24 h of history for $history_devices devices" >&2
QT_QPA_PLATFORM=offscreen "$demo" --demo-data --db "$db" --devices "$history_devices" \
    --hours 24 --interval 10 2>"$scratch/demo.log"

auth_flags=()
if [[ $auth != none ]]; then
    [[ $auth == token || $auth == session ]] || {
        usage >&2
        exit 2
    }
    printf '%s\n' 'bench-password-123' |
        "$console" users add bench --role viewer --db "$db" --env-file /dev/null 2>/dev/null
    auth_flags=(--auth on)
fi
"$console" --headless --bind 127.0.0.1 --udp-port "$udp_port" --http-port "$http_port" \
    --db "$db" --log-file "$scratch/console.log" --stats-interval 5 --env-file /dev/null \
    "${auth_flags[@]}" &
console_pid=$!
for _ in $(seq 1 100); do
    curl -sf "$base/healthz" >/dev/null 2>&1 && break
    kill -0 "$console_pid" 2>/dev/null || {
        echo "error: metrics-console exited; see below" >&2
        cat "$scratch/console.log" >&2 || true
        exit 1
    }
    sleep 0.1
done

# What every request carries (wrk's and curl's -H alike).
auth_header=()
case "$auth" in
token)
    token="$("$console" users token bench --name bench --db "$db" --env-file /dev/null 2>/dev/null)"
    auth_header=(-H "Authorization: Bearer $token")
    ;;
session)
    cookie="$(curl -sf -D - -o /dev/null -H 'Content-Type: application/json' \
        -d '{"name": "bench", "password": "bench-password-123"}' "$base/api/session/" |
        sed -n 's/^Set-Cookie: \(dmr_session=[^;]*\).*/\1/ip')"
    auth_header=(-H "Cookie: $cookie")
    ;;
esac

rss_log="$scratch/rss.txt"
(
    while kill -0 "$console_pid" 2>/dev/null; do
        awk '/^VmRSS/ { print $2 }' "/proc/$console_pid/status" 2>/dev/null || true
        sleep 1
    done
) >"$rss_log" &

warmup=5
"$loadgen" --devices "$devices" --rate "$rate" --duration $((warmup + 2 * duration + 2)) \
    --target "127.0.0.1:$udp_port" >"$scratch/loadgen.txt" &
loadgen_pid=$!
sleep "$warmup" # every simulated device has reported a few times

# wrk prints "Latency Distribution" lines like "     99%   12.34ms"; in ms.
percentile() {
    awk -v p="$1" '$1 == p {
        v = $2; unit = v; sub(/[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v)
        if (unit == "us") v /= 1000; else if (unit == "s") v *= 1000; else if (unit == "m") v *= 60000
        printf "%.2f", v }' "$2"
}
requests_per_s() { awk '/^Requests\/sec:/ { printf "%.1f", $2 }' "$1"; }
errors() {
    awk '/Non-2xx or 3xx responses:/ { n += $NF } /Socket errors:/ {
        for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i } END { print n + 0 }' "$1"
}
paced() {
    local rate_per_s="$1" conns="$2" out="$3"
    shift 3
    # The delay follows each response; 1 ms of it stands for the response time.
    WRK_DELAY_MS=$((conns * 1000 / rate_per_s - 1)) wrk -t 2 -c "$conns" -d "${duration}s" \
        --latency -s "$here/wrk/paced.lua" "$@" >"$out"
}

echo "GET /api/devices/ at $list_rate/s over $connections connections for ${duration}s" >&2
# As browsers, curl --compressed and Python's requests ask for it.
paced "$list_rate" "$connections" "$scratch/wrk-list.txt" -H "Accept-Encoding: gzip" \
    "${auth_header[@]}" "$base/api/devices/"
devices_listed="$(curl -sf "${auth_header[@]}" "$base/api/devices/" | grep -o '"uuid":' | wc -l)"

sqlite3 "$db" "SELECT uuid FROM devices WHERE hostname NOT LIKE 'loadgen-%'" |
    sed 's|.*|/api/devices/&/history/?metric=cpu_percent\&points=1000|' >"$scratch/history-paths.txt"
history_points="$(curl -sf "${auth_header[@]}" "$base$(head -1 "$scratch/history-paths.txt")" |
    grep -o '"count":' | wc -l)"
echo "24-hour history at $history_rate/s over $history_connections connections for ${duration}s" >&2
WRK_PATHS="$scratch/history-paths.txt" paced "$history_rate" "$history_connections" \
    "$scratch/wrk-history.txt" "${auth_header[@]}" "$base/"

wait "$loadgen_pid"
loadgen_pid=""
sent="$(sed -n 's/.*\bsent=\([0-9]*\).*/\1/p' "$scratch/loadgen.txt")"
kill -TERM "$console_pid"
wait "$console_pid" || true
console_pid=""
stored="$(sqlite3 "$db" "SELECT count(*) FROM system_metrics s JOIN devices d ON d.id = s.device
    WHERE d.hostname LIKE 'loadgen-%'")"
rss_peak="$(sort -n "$rss_log" | tail -1)"

cat "$scratch/wrk-list.txt" "$scratch/wrk-history.txt" >&2
tail -n 3 "$scratch/console.log" >&2 || true
echo "auth=$auth list_rps=$(requests_per_s "$scratch/wrk-list.txt")" \
    "list_p50_ms=$(percentile 50% "$scratch/wrk-list.txt")" \
    "list_p99_ms=$(percentile 99% "$scratch/wrk-list.txt")" \
    "list_errors=$(errors "$scratch/wrk-list.txt") devices_listed=$devices_listed" \
    "history_rps=$(requests_per_s "$scratch/wrk-history.txt")" \
    "history_p50_ms=$(percentile 50% "$scratch/wrk-history.txt")" \
    "history_p99_ms=$(percentile 99% "$scratch/wrk-history.txt")" \
    "history_errors=$(errors "$scratch/wrk-history.txt") history_points=$history_points" \
    "sent=$sent stored=$stored lost=$((sent - stored)) rss_peak_kb=$rss_peak"
