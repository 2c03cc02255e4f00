#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The agent side by side with collectd 5.12 on the same machine and the same
# run: both sample every second for the same time and send over UDP to
# 127.0.0.1, each to a sink of its own (a Python socket that counts
# datagrams and bytes). collectd gets the plugins that read what the agent
# reads: cpu (per core, percentages), memory, swap, df, disk, load, uptime,
# interface, thermal, battery, processes, and network to send. Afterwards
# both are measured from /proc: CPU (utime + stime) per interval, and their
# memory from smaps_rollup: resident (RSS), proportional (PSS), private
# dirty (what the process alone costs and the kernel cannot drop) and private
# clean (its own code pages, which only it maps and the kernel can re-read).
#
# --arch arm64 runs the arm64 agent (installers/cross-build.sh arm64) under
# qemu-aarch64-static instead: bytes per interval are the same as on a board;
# CPU and memory are qemu's and not comparable, so only bytes are compared
# there, and collectd stays the host's.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/tests/bench"
# shellcheck source=lib.sh
source "$here/lib.sh"
build_dir="${DMR_BUILD_DIR:-$root/build}"
duration=60
arch=native

usage() {
    cat <<USAGE
Usage: $0 [--duration S] [--arch native|arm64]

Runs metrics-agent from \$DMR_BUILD_DIR (default build/; build-arm64/ for
--arch arm64) and collectd (Debian's collectd-core) for S seconds (default
$duration) at a 1 s interval, and prints bytes per interval, CPU per interval
and memory for both.
USAGE
}

while [[ $# -gt 0 ]]; do
    case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --arch) arch="$2"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done

agent_cmd=()
case "$arch" in
native)
    agent="$build_dir/agent/metrics-agent"
    require_programs "$agent"
    agent_cmd=("$agent")
    ;;
arm64)
    agent="${DMR_ARM64_AGENT:-$root/build-arm64/agent/metrics-agent}"
    require_programs "$agent"
    require_tools qemu-aarch64-static
    agent_cmd=(qemu-aarch64-static -L /usr/aarch64-linux-gnu "$agent")
    ;;
*) usage >&2; exit 2 ;;
esac
require_tools python3
collectd=/usr/sbin/collectd
[[ -x $collectd ]] || {
    echo "error: collectd is needed: apt-get install --no-install-recommends collectd-core" >&2
    exit 1
}

work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# Counts what arrives on a UDP port until SIGTERM, then writes
# "datagrams bytes" to a file.
sink() {
    local port="$1" out="$2"
    python3 - "$port" "$out" <<'PY' &
import signal, socket, sys
port, out = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
count = size = 0
def stop(*_):
    open(out, "w").write(f"{count} {size}\n")
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
while True:
    data = s.recv(65536)
    count += 1
    size += len(data)
PY
    pids+=($!)
}

agent_port="$(free_port u)"
collectd_port="$(free_port u)"
sink "$agent_port" "$work/agent.count"
sink "$collectd_port" "$work/collectd.count"

cat >"$work/collectd.conf" <<CONF
Hostname "bench"
FQDNLookup false
Interval 1
BaseDir "$work"
PIDFile "$work/collectd.pid"
PluginDir "/usr/lib/collectd"
TypesDB "/usr/share/collectd/types.db"
LoadPlugin cpu
LoadPlugin memory
LoadPlugin swap
LoadPlugin df
LoadPlugin disk
LoadPlugin load
LoadPlugin uptime
LoadPlugin interface
LoadPlugin thermal
LoadPlugin battery
LoadPlugin processes
LoadPlugin network
<Plugin cpu>
  ReportByCpu true
  ValuesPercentage true
</Plugin>
<Plugin df>
  IgnoreSelected false
  ReportInodes true
</Plugin>
<Plugin network>
  Server "127.0.0.1" "$collectd_port"
</Plugin>
CONF

sleep 0.5
start_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
"${agent_cmd[@]}" --server "127.0.0.1:$agent_port" --interval 1 --log-file "$work/agent.log" &
agent_pid=$!
pids+=("$agent_pid")
"$collectd" -f -C "$work/collectd.conf" >"$work/collectd.log" 2>&1 &
collectd_pid=$!
pids+=("$collectd_pid")

sleep "$duration"
tick="$(getconf CLK_TCK)"
measure() {
    local pid="$1" name="$2" ticks
    ticks="$(start_ticks "$pid")"
    awk -v name="$name" -v ticks="$ticks" -v tick="$tick" -v n="$duration" '
        /^Rss:/ { rss = $2 } /^Pss:/ { pss = $2 }
        /^Private_Dirty:/ { dirty = $2 } /^Private_Clean:/ { clean = $2 }
        END {
            printf "%s_cpu_ms_per_interval=%.3f\n", name, ticks * 1000 / tick / n
            printf "%s_rss_kb=%d\n%s_pss_kb=%d\n", name, rss, name, pss
            printf "%s_private_dirty_kb=%d\n%s_private_clean_kb=%d\n", name, dirty, name, clean
        }' "/proc/$pid/smaps_rollup"
}
measure "$agent_pid" agent
measure "$collectd_pid" collectd
kill "$agent_pid" "$collectd_pid"
wait "$agent_pid" "$collectd_pid" 2>/dev/null || true
sleep 0.5
kill "${pids[0]}" "${pids[1]}"
wait "${pids[0]}" "${pids[1]}" 2>/dev/null || true
read -r agent_datagrams agent_bytes <"$work/agent.count"
read -r collectd_datagrams collectd_bytes <"$work/collectd.count"
echo "arch=$arch duration_s=$duration"
echo "agent_datagrams=$agent_datagrams agent_bytes_per_interval=$((agent_bytes / duration))"
echo "collectd_datagrams=$collectd_datagrams collectd_bytes_per_interval=$((collectd_bytes / duration))"
grep -c "" "$work/agent.log" >/dev/null && grep -iE "error|warn" "$work/agent.log" | tail -3 || true
