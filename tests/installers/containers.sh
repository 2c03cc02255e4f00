#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The container images as a user meets them: built from this build's
# packages on our own debootstrapped Debian 12 base, then compose.yaml's
# console and agent started on their own network, and through the published
# HTTP port the agent's device listed and online. Prints the images' sizes.
# Needs root, podman and podman-compose (or DMR_CONTAINER_ENGINE=docker with
# docker compose); installers/test.sh runs it in CI or with DMR_PACKAGE_TEST=1.
# Usage: containers.sh PACKAGES_DIR
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=../../installers/lib.sh
source "$root/installers/lib.sh"
# shellcheck source=../../installers/container/engine.sh
source "$root/installers/container/engine.sh"
packages="$1"
# shellcheck source=check.sh
source "$root/tests/installers/check.sh"

"$root/installers/container/build-images.sh" --packages "$packages"

inspect() { "${engine[@]}" image inspect --format "$2" "localhost/metrics-$1:latest"; }
say "What the images are"
for name in console agent; do
    size="$(inspect "$name" '{{.Size}}')"
    say "localhost/metrics-$name: $((size / 1000000)) MB"
    user="$(inspect "$name" '{{.Config.User}}')"
    check "metrics-$name runs as a user of its own ($user), not root" \
        test "$user" = "metrics-$name"
done
check "no systemd in the image, so no service enabled in it" "${engine[@]}" run --rm \
    localhost/metrics-agent:latest bash -c '! test -e /lib/systemd/systemd && ! test -e /etc/systemd/system/multi-user.target.wants/metrics-agent.service'
check "the console's health check asks /healthz" \
    bash -c "[[ \"\$(${engine[*]} image inspect --format '{{json .Config.Healthcheck}}' localhost/metrics-console:latest)\" == *healthz* ]]"
check "the console's database is on a volume" \
    bash -c "[[ \"\$(${engine[*]} image inspect --format '{{json .Config.Volumes}}' localhost/metrics-console:latest)\" == */var/lib/device-metrics-reporter* ]]"
check "the console publishes 8000/tcp and 47800/udp" \
    bash -c "ports=\"\$(${engine[*]} image inspect --format '{{json .Config.ExposedPorts}}' localhost/metrics-console:latest)\"; [[ \$ports == *8000/tcp* && \$ports == *47800/udp* ]]"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export DMR_HTTP_PORT DMR_UDP_PORT
DMR_HTTP_PORT="$(free_port)"
DMR_UDP_PORT="$(free_port)"
project="dmr-test-$$"
if [[ $engine_name == podman ]]; then
    compose=(podman-compose -p "$project" -f "$root/installers/container/compose.yaml")
else
    compose=(docker compose -p "$project" -f "$root/installers/container/compose.yaml")
fi
cleanup() {
    "${compose[@]}" down -v >/dev/null 2>&1 || true
}
trap cleanup EXIT
say "compose up: the console on port $DMR_HTTP_PORT, an agent reporting to it"
"${compose[@]}" up -d >/dev/null
console="$("${engine[@]}" ps --filter "label=com.docker.compose.project=$project" \
    --filter label=com.docker.compose.service=console --format '{{.Names}}' | head -n 1)"
[[ -n $console ]] || console="${project}_console_1"

for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$DMR_HTTP_PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.3
done
check "/healthz through the published port" curl -fsS "http://127.0.0.1:$DMR_HTTP_PORT/healthz"
check "the first start made the user admin and said so" \
    bash -c "${engine[*]} logs $console 2>&1 | grep -q 'made the user admin with password'"
token="$("${engine[@]}" exec "$console" metrics-console users token admin --name container-test \
    --role viewer 2>/dev/null | tail -n 1)"
check "a token made in the container" test -n "$token"
device_online() {
    curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:$DMR_HTTP_PORT/api/devices/" |
        python3 -c 'import json, sys
devices = json.load(sys.stdin)
devices = devices.get("results", devices) if isinstance(devices, dict) else devices
sys.exit(0 if any(d.get("hostname") == "compose-agent" and d.get("online") for d in devices) else 1)'
}
for _ in $(seq 60); do
    device_online && break
    sleep 0.5
done
check "the agent's device is listed and online, through the published port" device_online
if [[ $engine_name == podman ]]; then
    check "the health check passes" "${engine[@]}" healthcheck run "$console"
fi
# This machine has every library the build needed, so installing the window's
# package here cannot show a missing Depends; a clean Debian 12 can. The
# images already prove the headless console's and the agent's.
say "apt install ./metrics-console on a clean Debian 12 (the base image), then its window, offscreen"
arch="$(dpkg --print-architecture)"
window_log="$(mktemp)"
"${engine[@]}" run --rm --network host -v "$(cd "$packages" && pwd):/packages:ro" \
    localhost/dmr-debian:bookworm bash -c "
        apt-get update -qq && apt-get install -y -qq /packages/metrics-console_*_$arch.deb >/dev/null &&
        cd /tmp && QT_QPA_PLATFORM=offscreen METRICS_LOG_FILE=- METRICS_HTTP_PORT=0 METRICS_UDP_PORT=0 \
            timeout -s INT 10 metrics-console; echo exit=\$?" >"$window_log" 2>&1 || true
# timeout's 124: still running after 10 s, then stopped cleanly by SIGINT.
window_ran() {
    grep -q 'metrics-console [0-9.]*: UDP port' "$window_log" &&
        grep -q 'console.stats: stopped' "$window_log" && grep -qx 'exit=124' "$window_log"
}
check "the window's package installs from Debian's archive alone and its window runs" window_ran
window_ran || tail -n 20 "$window_log" >&2
rm -f "$window_log"

if [[ $failures -gt 0 ]]; then
    "${engine[@]}" logs "$console" 2>&1 | tail -n 30 >&2 || true
    echo "containers.sh: $failures checks failed" >&2
    exit 1
fi
say "containers.sh: every check passed"
