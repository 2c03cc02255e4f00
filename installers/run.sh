#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# README command 1: installs what is missing, builds, then runs the console and
# a local agent reporting to it until Ctrl-C, which stops both.
# With --install, installs both system-wide as systemd services instead.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<USAGE
Usage: $0 [--install [install.sh options]] [--help]

Without options: installs missing Debian packages, builds into build/, starts
metrics-console (its window when a display is available, otherwise headless)
and a metrics-agent on this machine reporting to it. Ctrl-C stops both.

  --install   install system-wide under /usr/local with systemd units instead
              (see installers/install.sh --help)

Environment: METRICS_UDP_PORT (47800), METRICS_HTTP_PORT (8000), METRICS_DB,
and every other setting the two programs read (see README).
USAGE
}

case "${1:-}" in
-h | --help)
    usage
    exit 0
    ;;
--install)
    shift
    exec "$DMR_INSTALLERS/install.sh" "$@"
    ;;
"") ;;
*)
    usage >&2
    exit 2
    ;;
esac

"$DMR_INSTALLERS/deps.sh"
"$DMR_INSTALLERS/build.sh"

console="$DMR_BUILD_DIR/console/metrics-console"
agent="$DMR_BUILD_DIR/agent/metrics-agent"
[[ -x $console ]] || die "$console was not built"
[[ -x $agent ]] || die "$agent was not built"

port="${METRICS_UDP_PORT:-47800}"
http_port="${METRICS_HTTP_PORT:-8000}"
# The console serves this machine only unless METRICS_HTTP_BIND says otherwise;
# a wildcard address answers on localhost too.
http_bind="${METRICS_HTTP_BIND:-127.0.0.1}"
case $http_bind in
127.0.0.1 | localhost | 0.0.0.0 | '*' | any | ::) http_host=localhost ;;
*:*) http_host="[$http_bind]" ;;
*) http_host="$http_bind" ;;
esac
data_dir="${XDG_DATA_HOME:-$HOME/.local/share}/device-metrics-reporter"
db="${METRICS_DB:-$data_dir/metrics.db}"
mkdir -p "$(dirname "$db")"

console_args=(--db "$db" --udp-port "$port" --http-port "$http_port")
if [[ -n ${DISPLAY:-} || -n ${WAYLAND_DISPLAY:-} ]]; then
    mode="window"
else
    mode="headless"
    console_args+=(--headless)
fi

# Both programs write .log/metrics.log relative to where they run; run them
# from the repository so the log is where the README says.
cd "$DMR_ROOT"

pids=()
stop_all() {
    trap - INT TERM EXIT
    # The agent first, so that its last report still finds the console; the
    # console then writes everything it accepted before it exits.
    local i pid
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        pid="${pids[i]}"
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}
# shellcheck disable=SC2317 # run by the trap below
on_stop_request() {
    echo >&2
    say "Stopping"
    stop_all
    say "Stopped. The data stays in $db"
    exit 0
}
# Background jobs of a script ignore SIGINT, so Ctrl-C reaches them as a
# SIGTERM from here.
trap on_stop_request INT TERM
trap stop_all EXIT

say "Starting metrics-console ($mode) on UDP port $port"
"$console" "${console_args[@]}" &
pids+=($!)
sleep 1
kill -0 "${pids[0]}" 2>/dev/null || {
    wait "${pids[0]}" || true
    die "metrics-console exited at once; is port $port taken (another console or the service)? See .log/metrics.log"
}

say "Starting metrics-agent, reporting to 127.0.0.1:$port"
"$agent" --server "127.0.0.1:$port" &
pids+=($!)

cat >&2 <<INFO

  Database:  $db
  Logs:      $DMR_ROOT/.log/metrics.log
  Reports:   UDP $port; other machines can run metrics-agent --server <this host>:$port
  Web:       http://$http_host:$http_port/ (dashboard; REST API under /api/)
  Press Ctrl-C to stop both.

INFO

# Whichever stops first (a crash, a taken port), the other follows.
status=0
wait -n "${pids[@]}" || status=$?
say "A process exited (status $status); stopping the other"
stop_all
exit "$status"
