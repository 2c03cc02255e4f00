#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Measures how many reports a second one headless console stores: starts
# metrics-console on a scratch database, drives it with metrics-loadgen, stops
# it (it commits everything it accepted), then counts the stored rows.
# Prints one key=value line on stdout, like metrics-loadgen.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=lib.sh
source "$root/tests/bench/lib.sh"
build_dir="${DMR_BUILD_DIR:-$root/build}"
devices=1000
rate=20000
duration=10
interfaces=2
security=none
keep=no

usage() {
    cat <<USAGE
Usage: $0 [--devices N] [--rate R] [--duration S] [--interfaces K]
          [--security none|sign|encrypt] [--keep]

Runs a headless metrics-console from \$DMR_BUILD_DIR (default build/) on
127.0.0.1 and a scratch database, sends it R reports/s from N simulated devices
for S seconds (defaults $devices, $rate, $duration), and prints
  sent= stored= lost= loadgen_rate_per_s= stored_per_s= stop_s= db_bytes=
--security signs or encrypts every report with its device's key, and the
console requires that level (its key file is made by metrics-loadgen).
--keep leaves the scratch folder (database, console log) for a look.
Needs sqlite3 to count the rows.
USAGE
}

while [[ $# -gt 0 ]]; do
    case "$1" in
    --devices | --rate | --duration | --interfaces | --security)
        [[ $# -ge 2 ]] || {
            usage >&2
            exit 2
        }
        declare "${1#--}=$2"
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
require_programs "$console" "$loadgen"
require_tools sqlite3 ss

scratch="$(mktemp -d -t dmr-bench.XXXXXX)"
console_pid=""
cleanup() {
    if [[ -n $console_pid ]]; then
        kill -TERM "$console_pid" 2>/dev/null || true
        wait "$console_pid" 2>/dev/null || true
    fi
    if [[ $keep == yes ]]; then
        echo "kept $scratch" >&2
    else
        rm -rf "$scratch"
    fi
}
trap cleanup EXIT

port="$(free_port u)"

db="$scratch/metrics.db"
security_options=(--security "$security")
if [[ $security != none ]]; then
    "$loadgen" --devices "$devices" --security "$security" --write-keys "$scratch/keys"
    security_options+=(--key-file "$scratch/keys")
fi
"$console" --headless --bind 127.0.0.1 --udp-port "$port" --db "$db" "${security_options[@]}" \
    --log-file "$scratch/console.log" --stats-interval 1 --env-file /dev/null &
console_pid=$!
for _ in $(seq 1 50); do
    ss -Huln "sport = :$port" 2>/dev/null | grep -q . && break
    kill -0 "$console_pid" 2>/dev/null || {
        echo "error: metrics-console exited; see below" >&2
        cat "$scratch/console.log" >&2 || true
        exit 1
    }
    sleep 0.1
done

# The console's resident memory, once a second, for the whole run.
rss_log="$scratch/rss.txt"
(
    while kill -0 "$console_pid" 2>/dev/null; do
        awk '/^VmRSS/ { print $2 }' "/proc/$console_pid/status" 2>/dev/null || true
        sleep 1
    done
) >"$rss_log" &
sampler_pid=$!

summary="$("$loadgen" --devices "$devices" --rate "$rate" --duration "$duration" \
    --interfaces "$interfaces" --security "$security" --target "127.0.0.1:$port")"
sent="$(sed -n 's/.*\bsent=\([0-9]*\).*/\1/p' <<<"$summary")"
loadgen_rate="$(sed -n 's/.*\brate_per_s=\([0-9.]*\).*/\1/p' <<<"$summary")"

# The console commits every accepted report before it exits; how long that
# takes is the backlog the writer had.
stop_start=$(date +%s.%N)
kill -TERM "$console_pid"
wait "$console_pid" || true
console_pid=""
stop_s=$(awk -v a="$stop_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')

wait "$sampler_pid" 2>/dev/null || true
stored="$(sqlite3 "$db" 'SELECT count(*) FROM system_metrics')"
db_bytes=$(($(stat -c %s "$db") + $(stat -c %s "$db-wal" 2>/dev/null || echo 0)))
# Memory is flat when the second half of the run peaks no higher than the first.
read -r rss_peak rss_first_half rss_second_half < <(awk '
    { v[NR] = $1; if ($1 > peak) peak = $1 }
    END {
        for (i = 1; i <= NR; i++) { if (i <= NR / 2) { if (v[i] > a) a = v[i] } else if (v[i] > b) b = v[i] }
        print peak + 0, a + 0, b + 0
    }' "$rss_log")
echo "console rss_kb, 1 s apart: $(tr '\n' ' ' <"$rss_log")" >&2
awk -v sent="$sent" -v stored="$stored" -v rate="$loadgen_rate" -v d="$duration" \
    -v stop="$stop_s" -v bytes="$db_bytes" -v peak="$rss_peak" -v h1="$rss_first_half" \
    -v h2="$rss_second_half" 'BEGIN {
        printf "sent=%d stored=%d lost=%d loadgen_rate_per_s=%s stored_per_s=%.1f stop_s=%s db_bytes=%d rss_peak_kb=%d rss_peak_first_half_kb=%d rss_peak_second_half_kb=%d\n",
            sent, stored, sent - stored, rate, stored / (d + stop), stop, bytes, peak, h1, h2
    }'
tail -n 3 "$scratch/console.log" >&2 || true
