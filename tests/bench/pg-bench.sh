#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Stores one load three ways in one run: one console on SQLite, one console on
# PostgreSQL, two consoles on PostgreSQL sharing the UDP port (--reuse-port).
# For each: reports sent and stored, stored per second (the load's seconds
# plus the drain at stop), the consoles' CPU per stored report, their RSS,
# PSS and private memory at the end of the load, and the database's bytes per
# report. PostgreSQL is a scratch server (tests/support/pg-scratch.sh).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=lib.sh
source "$root/tests/bench/lib.sh"
build_dir="${DMR_BUILD_DIR:-$root/build}"
devices=1000
rate=10000
duration=10
interfaces=2

usage() {
    cat <<USAGE
Usage: $0 [--devices N] [--rate R] [--duration S] [--interfaces K]

Sends R reports/s from N simulated devices for S seconds (defaults $devices,
$rate, $duration) to: one console on SQLite; one on a scratch PostgreSQL 15;
two on PostgreSQL sharing the port. Prints a line per set-up:
  setup= consoles= sent= stored= lost= stored_per_s= ratio_to_sqlite=
  cpu_us_per_report= rss_kb= pss_kb= private_kb= db_bytes= bytes_per_report=
(memory summed over the consoles, read from /proc/PID/smaps_rollup at the end
of the load). Run it as root or as a user who can run PostgreSQL's initdb.
USAGE
}

while [[ $# -gt 0 ]]; do
    case "$1" in
    --devices | --rate | --duration | --interfaces)
        [[ $# -ge 2 ]] || {
            usage >&2
            exit 2
        }
        declare "${1#--}=$2"
        shift 2
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
require_tools sqlite3 psql ss

scratch="$(mktemp -d -t dmr-pgbench.XXXXXX)"
pg_dir=""
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    [[ -n $pg_dir ]] && "$root/tests/support/pg-scratch.sh" stop "$pg_dir"
    rm -rf "$scratch"
}
trap cleanup EXIT

# fsync on, as SQLite syncs each commit (synchronous=FULL): the same durability.
eval "$(DMR_PG_FSYNC=on "$root/tests/support/pg-scratch.sh" start)"
pg_dir="$DMR_TEST_PG_DIR"
pg_port="$(sed -E 's|.*:([0-9]+)/.*|\1|' <<<"$DMR_TEST_PG_URL")"
pg_password_file="$(sed -E 's|.*password_file=([^&]*).*|\1|' <<<"$DMR_TEST_PG_URL")"
pg() { # psql as the console's role on database $1
    PGPASSWORD="$(cat "$pg_password_file")" psql -h 127.0.0.1 -p "$pg_port" -U dmr -d "$1" \
        -qAtX -v ON_ERROR_STOP=1 -c "$2"
}

sqlite_rate=""
# run NAME CONSOLES DATABASE
run() {
    local name="$1" count="$2" db="$3" port
    port="$(free_port u)"
    pids=()
    local shared=()
    [[ $count -gt 1 ]] && shared=(--reuse-port on)
    for i in $(seq 1 "$count"); do
        "$console" --headless --bind 127.0.0.1 --udp-port "$port" "${shared[@]}" --db "$db" \
            --http-port 0 --log-file "$scratch/$name-$i.log" --env-file /dev/null &
        pids+=($!)
    done
    for _ in $(seq 1 100); do
        [[ $(ss -Huln "sport = :$port" 2>/dev/null | wc -l) -ge $count ]] && break
        sleep 0.1
    done
    local summary sent
    summary="$("$loadgen" --devices "$devices" --rate "$rate" --duration "$duration" \
        --interfaces "$interfaces" --sockets 64 --target "127.0.0.1:$port")"
    sent="$(sed -n 's/.*\bsent=\([0-9]*\).*/\1/p' <<<"$summary")"
    # Memory at the end of the load, summed over the consoles.
    local rss=0 pss=0 private=0
    for pid in "${pids[@]}"; do
        read -r r p v < <(awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 }
            /^Private_(Clean|Dirty):/ { v += $2 } END { print r + 0, p + 0, v + 0 }' \
            "/proc/$pid/smaps_rollup")
        rss=$((rss + r)) pss=$((pss + p)) private=$((private + v))
    done
    # Stopping commits everything accepted; CPU is read just before exit.
    local stop_start cpu_ticks=0
    stop_start=$(date +%s.%N)
    for pid in "${pids[@]}"; do kill -TERM "$pid"; done
    for pid in "${pids[@]}"; do
        # utime + stime (fields 14 and 15) while it drains, until it is gone.
        local last=0 now
        while now="$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null)"; do
            last="$now"
            sleep 0.05
        done
        cpu_ticks=$((cpu_ticks + last))
        wait "$pid" 2>/dev/null || true
    done
    pids=()
    local stop_s stored bytes
    stop_s=$(awk -v a="$stop_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    if [[ $db == postgresql://* ]]; then
        local name_db
        name_db="$(sed -E 's|^postgresql://[^/]*/([^?]*).*|\1|' <<<"$db")"
        stored="$(pg "$name_db" "SELECT count(*) FROM system_metrics")"
        bytes="$(pg "$name_db" "SELECT SUM(pg_total_relation_size(c.oid)) FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind = 'r'")"
    else
        stored="$(sqlite3 "$db" 'SELECT count(*) FROM system_metrics')"
        bytes=$(($(stat -c %s "$db") + $(stat -c %s "$db-wal" 2>/dev/null || echo 0)))
    fi
    local per_s
    per_s=$(awk -v s="$stored" -v d="$duration" -v t="$stop_s" 'BEGIN { printf "%.1f", s / (d + t) }')
    [[ -z $sqlite_rate ]] && sqlite_rate="$per_s"
    awk -v name="$name" -v n="$count" -v sent="$sent" -v stored="$stored" -v per_s="$per_s" \
        -v base="$sqlite_rate" -v ticks="$cpu_ticks" -v hz="$(getconf CLK_TCK)" -v rss="$rss" \
        -v pss="$pss" -v private="$private" -v bytes="$bytes" 'BEGIN {
            printf "setup=%s consoles=%d sent=%d stored=%d lost=%d stored_per_s=%s ratio_to_sqlite=%.2f cpu_us_per_report=%.1f rss_kb=%d pss_kb=%d private_kb=%d db_bytes=%d bytes_per_report=%.0f\n",
                name, n, sent, stored, sent - stored, per_s, per_s / base,
                ticks / hz * 1e6 / (stored > 0 ? stored : 1), rss, pss, private, bytes,
                bytes / (stored > 0 ? stored : 1)
        }'
}

run sqlite 1 "$scratch/metrics.db"
pg dmr_test "CREATE DATABASE bench_one"
run postgresql 1 "${DMR_TEST_PG_URL/dmr_test/bench_one}"
pg dmr_test "CREATE DATABASE bench_two"
run postgresql-2 2 "${DMR_TEST_PG_URL/dmr_test/bench_two}"
