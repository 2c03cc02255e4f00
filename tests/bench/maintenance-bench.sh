#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Measures what compaction and retention cost ingest: a headless console starts
# on a copy of a database holding days of uncompacted history (as a console
# upgraded from before chunks has, with part of it older than --keep-raw), and
# metrics-loadgen drives it while the writer works through that backlog
# (--store-maintenance on) or leaves it alone (off). Rounds alternate on and
# off, on a fresh copy each; the ratio of the medians is the figure.
# Prints a line per round, then the medians and ratios.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=lib.sh
source "$root/tests/bench/lib.sh"
build_dir="${DMR_BUILD_DIR:-$root/build}"
devices=1000
rates="60000 20000"
duration=15
rounds=3
backlog_devices=100
backlog_days=2
keep_raw=1
keep_minute=1
backlog=""
keep=no

usage() {
    cat <<USAGE
Usage: $0 [--devices N] [--rates "R1 R2 ..."] [--duration S] [--rounds K]
          [--backlog-devices B] [--backlog-days D] [--keep-raw DAYS]
          [--keep-minute DAYS] [--backlog PATH] [--keep]

Prepares a backlog (store-bench --no-compact: B realistic devices, D days up to
now, all of it rows; defaults $backlog_devices, $backlog_days), then, for each
rate R (default "$rates") and each of K rounds (default $rounds), runs a
headless console from \$DMR_BUILD_DIR (default build/) on a fresh copy of it
with --store-maintenance on, then off, --keep-raw $keep_raw --keep-minute
$keep_minute, and sends it R reports/s from N other simulated devices for S
seconds (defaults $devices, $duration). Per round it prints the reports sent,
stored and lost, the stored rate (stored / (S + time to stop), as
ingest-bench.sh) and what maintenance did while the load ran: backlog reports
that left the row tables (into chunks, or deleted), chunks made and backlog
reports deleted by retention; then the share of the CPUs that other processes
took meanwhile (a busy machine), and the writer thread's CPU milliseconds per
1,000 reports stored. Then, per
rate, the median stored rate per mode, their ratio, the median of the rounds'
own ratios, the reports lost, and the ratio of the writer's median CPU per
report off to on: what the ratio would be for a writer bound by its CPU time
whatever else runs, a check on the end-to-end one on a busy machine.
--backlog PATH keeps the backlog there and reuses it when it exists.
--keep leaves the scratch folder (databases, console logs) for a look.
Needs sqlite3.
USAGE
}

while [[ $# -gt 0 ]]; do
    case "$1" in
    --devices | --rates | --duration | --rounds | --backlog-devices | --backlog-days | \
        --keep-raw | --keep-minute | --backlog)
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
store_bench="$build_dir/tests/bench/store-bench/store-bench"
require_programs "$console" "$loadgen" "$store_bench"
require_tools sqlite3 ss

scratch="$(mktemp -d -t dmr-maintenance-bench.XXXXXX)"
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
trap 'exit 130' INT
trap 'exit 143' TERM

[[ -n $backlog ]] || backlog="$scratch/backlog.db"
if [[ ! -f $backlog ]]; then
    # Up to ten minutes ago, so that the console's clock finds it recent and
    # retention ages it from its own newest report.
    start_ms=$((($(date +%s) - backlog_days * 86400 - 600) * 1000))
    echo "preparing the backlog: $backlog_devices devices, $backlog_days days, rows only" >&2
    "$store_bench" --devices "$backlog_devices" --days "$backlog_days" --start "$start_ms" \
        --no-compact --db "$backlog" >&2
    sqlite3 "$backlog" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
fi
# The load generator's devices come after the backlog's in the devices table.
last_backlog_device="$(sqlite3 "$backlog" 'SELECT MAX(id) FROM devices')"

# Backlog reports held as rows and in chunks, chunks, and load reports stored.
census() {
    sqlite3 -separator ' ' "$1" "
        SELECT (SELECT COUNT(*) FROM system_metrics WHERE device <= $last_backlog_device),
               (SELECT COALESCE(SUM(row_count), 0) FROM metric_chunks
                    WHERE kind = 1 AND device <= $last_backlog_device),
               (SELECT COUNT(*) FROM metric_chunks),
               (SELECT COUNT(*) FROM system_metrics WHERE device > $last_backlog_device)
                 + (SELECT COALESCE(SUM(row_count), 0) FROM metric_chunks
                    WHERE kind = 1 AND device > $last_backlog_device)"
}

# CPU time in clock ticks: the whole machine's (user and system, not
# interrupts), and one process's or thread's (PID or PID/task/TID).
busy_ticks() {
    awk '/^cpu / { print $2 + $3 + $4; exit }' /proc/stat
}
process_ticks() {
    awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# One round; sets round_result to "sent stored stored_per_s stop_s rows_gone
# chunks retained others_cpu writer_ms", others_cpu being the share of the
# machine's CPUs that processes other than the console and the load generator
# took while the load ran (another build, say: high values mean a disturbed
# round), writer_ms the writer thread's CPU time from the load's start to its
# exit per 1,000 reports stored (maintenance included), which another
# process's load hardly changes.
run_round() {
    local mode="$1" rate="$2" db="$scratch/round.db" port summary sent stop_start stop_s
    local rows0 chunked0 chunks0 rows1 chunked1 chunks1 stored
    local busy0 busy1 console0 console1 loadgen_s others writer_task writer0 writer1 sampler
    rm -f "$db" "$db-wal" "$db-shm"
    cp "$backlog" "$db"
    port="$(free_port u)"
    "$console" --headless --bind 127.0.0.1 --udp-port "$port" --http-port 0 --db "$db" \
        --store-maintenance "$mode" --keep-raw "$keep_raw" --keep-minute "$keep_minute" \
        --log-file "$scratch/console-$rate-$mode-$round.log" --stats-interval 1 \
        --env-file /dev/null 2>>"$scratch/console-stderr.log" &
    console_pid=$!
    for _ in $(seq 1 100); do
        ss -Huln "sport = :$port" 2>/dev/null | grep -q . && break
        kill -0 "$console_pid" 2>/dev/null || {
            echo "error: metrics-console exited; see $scratch" >&2
            keep=yes
            exit 1
        }
        sleep 0.1
    done
    # A reader beside the writer (WAL): the backlog as the load starts.
    read -r rows0 chunked0 chunks0 _ < <(census "$db")
    # The writer's thread is named "store"; its CPU time is sampled until it
    # exits.
    writer_task=""
    for task in "/proc/$console_pid/task/"*; do
        [[ $(<"$task/comm") == store ]] && writer_task="$console_pid/task/${task##*/}"
    done
    writer0=0
    echo 0 >"$scratch/writer-ticks"
    if [[ -n $writer_task ]]; then
        writer0="$(process_ticks "$writer_task")"
        (
            while ticks="$(process_ticks "$writer_task" 2>/dev/null)"; do
                echo "$ticks" >"$scratch/writer-ticks.new"
                mv -f "$scratch/writer-ticks.new" "$scratch/writer-ticks"
                sleep 0.1
            done
        ) &
        sampler=$!
    fi
    busy0="$(busy_ticks)"
    console0="$(process_ticks "$console_pid")"
    # `times` in the subshell: the load generator's user and system time.
    loadgen_s="$({
        "$loadgen" --devices "$devices" --rate "$rate" --duration "$duration" \
            --target "127.0.0.1:$port" >"$scratch/loadgen.out" 2>"$scratch/loadgen.err"
        times
    } | awk 'END { gsub(/[ms]/, " "); print $1 * 60 + $2 + $3 * 60 + $4 }')"
    busy1="$(busy_ticks)"
    console1="$(process_ticks "$console_pid")"
    summary="$(cat "$scratch/loadgen.out")"
    sent="$(sed -n 's/.*\bsent=\([0-9]*\).*/\1/p' <<<"$summary")"
    # The console commits every accepted report before it exits, and does no
    # maintenance meanwhile (but finish the step it is in).
    stop_start=$(date +%s.%N)
    kill -TERM "$console_pid"
    wait "$console_pid" || true
    console_pid=""
    [[ -z ${sampler:-} ]] || wait "$sampler" || true
    writer1="$(<"$scratch/writer-ticks")"
    stop_s=$(awk -v a="$stop_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    read -r rows1 chunked1 chunks1 stored < <(census "$db")
    # Backlog rows that left the row tables (into chunks, or deleted), chunks
    # made (net), and backlog reports deleted by retention, under load.
    others="$(awk -v b="$((busy1 - busy0))" -v c="$((console1 - console0))" -v l="$loadgen_s" \
        -v hz="$(getconf CLK_TCK)" -v cpus="$(nproc)" -v d="$duration" \
        'BEGIN { o = (b - c) / hz - l; printf "%.0f", 100 * (o > 0 ? o : 0) / (cpus * d) }')"
    round_result="$(awk -v sent="$sent" -v stored="$stored" -v d="$duration" -v stop="$stop_s" \
        -v r0="$rows0" -v c0="$chunked0" -v k0="$chunks0" \
        -v r1="$rows1" -v c1="$chunked1" -v k1="$chunks1" -v others="$others" \
        -v w="$((writer1 - writer0))" -v hz="$(getconf CLK_TCK)" 'BEGIN {
            printf "%d %d %.0f %s %d %d %d %s %.1f\n", sent, stored, stored / (d + stop), stop,
                r0 - r1, k1 - k0, (r0 + c0) - (r1 + c1), others, w * 1e6 / hz / stored
        }')"
}

results="$scratch/results.txt"
read -r backlog_rows backlog_chunked backlog_chunks _ < <(census "$backlog")
echo "backlog: $((backlog_rows + backlog_chunked)) reports of $last_backlog_device devices" \
    "($backlog_rows as rows, $backlog_chunks chunks), $(($(stat -c %s "$backlog") / 1048576)) MiB;" \
    "--keep-raw $keep_raw --keep-minute $keep_minute"
printf '%-6s %-4s %5s %9s %9s %7s %9s %6s %10s %7s %9s %7s %9s\n' rate mode round sent stored \
    lost stored/s stop_s rows_gone chunks retained others% writer_ms
for rate in $rates; do
    for round in $(seq 1 "$rounds"); do
        for mode in on off; do
            run_round "$mode" "$rate"
            read -r sent stored per_s stop_s gone chunks retained others writer_ms \
                <<<"$round_result"
            printf '%-6s %-4s %5s %9d %9d %7d %9d %6s %10d %7d %9d %7s %9s\n' "$rate" "$mode" \
                "$round" "$sent" "$stored" $((sent - stored)) "$per_s" "$stop_s" "$gone" \
                "$chunks" "$retained" "$others" "$writer_ms"
            echo "$rate $mode $per_s $((sent - stored)) $writer_ms" >>"$results"
        done
    done
done

# The ratio of the medians, and the median of each round's own ratio (on
# over the off that followed it), which cancels most of a shared machine's
# drift; reports lost at each rate, over all rounds.
median() {
    sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
for rate in $rates; do
    on="$(awk -v r="$rate" '$1 == r && $2 == "on" { print $3 }' "$results" | median)"
    off="$(awk -v r="$rate" '$1 == r && $2 == "off" { print $3 }' "$results" | median)"
    pairs="$(awk -v r="$rate" '$1 == r && $2 == "on" { on = $3 }
        $1 == r && $2 == "off" { print on / $3 }' "$results" | median)"
    cpu_on="$(awk -v r="$rate" '$1 == r && $2 == "on" { print $5 }' "$results" | median)"
    cpu_off="$(awk -v r="$rate" '$1 == r && $2 == "off" { print $5 }' "$results" | median)"
    lost="$(awk -v r="$rate" '$1 == r { s += $4 } END { print s + 0 }' "$results")"
    awk -v r="$rate" -v on="$on" -v off="$off" -v pairs="$pairs" -v lost="$lost" \
        -v cpu_on="$cpu_on" -v cpu_off="$cpu_off" 'BEGIN {
        printf "rate=%d median_on_per_s=%.0f median_off_per_s=%.0f ratio=%.3f" \
            " median_round_ratio=%.3f lost_total=%d writer_ms_on=%.1f writer_ms_off=%.1f" \
            " writer_cpu_ratio=%.3f\n", r, on, off, on / off, pairs, lost, cpu_on, cpu_off,
            (cpu_on > 0 ? cpu_off / cpu_on : 0)
    }'
done
