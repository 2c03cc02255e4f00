#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What alerting costs under load, and how soon an offline device alerts.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=lib.sh
source "$root/tests/bench/lib.sh"
build_dir="${DMR_BUILD_DIR:-$root/build}"
devices=1000
rate=20000
duration=30
rules=50
offline_after=10
keep=no

usage() {
    cat <<USAGE
Usage: $0 [--devices N] [--rate R] [--duration S] [--rules K] [--keep]

Runs a headless metrics-console from \$DMR_BUILD_DIR (default build/) on
127.0.0.1 with K alert rules (defaults $rules: the 6 shipped and others on
every metric: thresholds, durations, per-interface rates, hysteresis), sends
R reports/s from N simulated devices for S seconds (defaults $devices, $rate,
$duration), then lets every device fall silent. Prints
  rules= sent= stored= lost= alerts_raised=  every report stored? (and the alerts
                                          the load's values raised, offline aside)
  alerts_cpu_s= console_cpu_s= alerts_share=   the alerting thread's CPU
                                          against the whole console's, during the load
  offline_alerts= offline_latency_p50_ms= offline_latency_max_ms=
                                          how long after its threshold each device's
                                          offline alert was raised (--offline-after $offline_after;
                                          the threshold is max(that, 3 x the interval))
--keep leaves the scratch folder (database, console log) for a look.
USAGE
}

while [[ $# -gt 0 ]]; do
    case "$1" in
    --devices | --rate | --duration | --rules)
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
require_tools sqlite3 ss curl python3

scratch="$(mktemp -d -t dmr-alert-bench.XXXXXX)"
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
trap cleanup EXIT INT TERM

udp_port="$(free_port u)"
http_port="$(free_port t)"
token="alert-bench-$RANDOM$RANDOM"
db="$scratch/metrics.db"
"$console" --headless --bind 127.0.0.1 --udp-port "$udp_port" --http-port "$http_port" \
    --db "$db" --api-token "$token" --offline-after "$offline_after" \
    --log-file "$scratch/console.log" --env-file /dev/null &
console_pid=$!
api="http://127.0.0.1:$http_port/api"
for _ in $(seq 1 100); do
    curl -fs "$api/rules/" >/dev/null 2>&1 && break
    kill -0 "$console_pid" 2>/dev/null || {
        echo "error: metrics-console exited; see below" >&2
        cat "$scratch/console.log" >&2 || true
        exit 1
    }
    sleep 0.1
done

# Rules beyond the shipped six, spread over every kind of metric.
shipped="$(curl -fs "$api/rules/" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
python3 - "$((rules - shipped))" >"$scratch/rules.jsonl" <<'PY'
import json, sys
count = int(sys.argv[1])
# Thresholds as people set them: a rule that fires all the time is one
# nobody keeps. The load generator's devices still cross some of them (CPU
# bursts, busy links), and those alerts are raised, stored and cleared.
metrics = [("cpu_percent", 90, 80), ("memory_percent", 92, 88), ("disk_percent", 92, 90),
           ("load_1", 6, 5), ("load_5", 5, 4), ("load_15", 4, 3),
           ("rx_rate", 50e6, 40e6), ("tx_rate", 20e6, 15e6), ("memory_used_kb", 30e6, 28e6),
           ("uptime_seconds", 3e8, 3e8), ("disk_used_kb", 9e8, 8.5e8)]
for i in range(count):
    metric, raise_, clear = metrics[i % len(metrics)]
    scale = 1 + (i // len(metrics)) * 0.02
    print(json.dumps({"name": f"bench {i}", "metric": metric, "raise": raise_ * scale,
                      "clear": clear * scale, "for_seconds": [0, 60, 300][i % 3],
                      "severity": "critical" if i % 5 == 0 else "warning"}))
PY
while read -r rule; do
    curl -fs -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d "$rule" "$api/rules/"
done <"$scratch/rules.jsonl"
rules_now="$(curl -fs "$api/rules/" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"

clock_ticks="$(getconf CLK_TCK)"
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
alerts_task=""
for task in "/proc/$console_pid/task/"*; do
    [[ $(<"$task/comm") == alerts ]] && alerts_task="$console_pid/task/${task##*/}"
done
[[ -n $alerts_task ]] || {
    echo "error: no alerting thread in the console" >&2
    exit 1
}
alerts0="$(ticks "$alerts_task")"
console0="$(ticks "$console_pid")"
summary="$("$loadgen" --devices "$devices" --rate "$rate" --duration "$duration" \
    --target "127.0.0.1:$udp_port")"
alerts1="$(ticks "$alerts_task")"
console1="$(ticks "$console_pid")"
sent="$(sed -n 's/.*\bsent=\([0-9]*\).*/\1/p' <<<"$summary")"

# Every device is now silent: wait past the threshold, then a little.
interval=$(python3 -c "print(max(1, min(3600, round($devices / $rate))))")
threshold=$((offline_after > 3 * interval ? offline_after : 3 * interval))
sleep $((threshold + 5))
curl -fs "$api/devices/" >"$scratch/devices.json"
curl -fs "$api/alerts/?limit=10000" >"$scratch/alerts.json"
offline="$(python3 - "$scratch/devices.json" "$scratch/alerts.json" "$threshold" <<'PY'
import json, sys
from datetime import datetime
def ms(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000
devices = {d["uuid"]: ms(d["last_seen"]) for d in json.load(open(sys.argv[1]))}
threshold = float(sys.argv[3]) * 1000
late = sorted(ms(a["raised_at"]) - (devices[a["device"]] + threshold)
              for a in json.load(open(sys.argv[2])) if a["metric"] == "offline")
if not late:
    print("offline_alerts=0 offline_latency_p50_ms= offline_latency_max_ms=")
else:
    print(f"offline_alerts={len(late)} offline_latency_p50_ms={late[len(late) // 2]:.0f}"
          f" offline_latency_max_ms={late[-1]:.0f}")
PY
)"

kill -TERM "$console_pid"
wait "$console_pid" || true
console_pid=""
stored="$(sqlite3 "$db" 'SELECT (SELECT count(*) FROM system_metrics)
    + (SELECT COALESCE(SUM(row_count), 0) FROM metric_chunks WHERE kind = 1)')"
raised="$(sqlite3 "$db" "SELECT count(*) FROM alerts WHERE metric <> 'offline'")"
awk -v sent="$sent" -v stored="$stored" -v a0="$alerts0" -v a1="$alerts1" -v c0="$console0" \
    -v c1="$console1" -v hz="$clock_ticks" -v rules="$rules_now" -v raised="$raised" 'BEGIN {
    printf "rules=%d sent=%d stored=%d lost=%d alerts_raised=%d ", rules, sent, stored, sent - stored, raised
    printf "alerts_cpu_s=%.2f console_cpu_s=%.2f alerts_share=%.3f ", (a1 - a0) / hz, (c1 - c0) / hz,
        (c1 > c0) ? (a1 - a0) / (c1 - c0) : 0
}'
echo "$offline"
