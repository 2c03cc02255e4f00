#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# CTest entry for the browser test: a headless console on free ports with a
# scratch database, one simulated device reporting over UDP, and the
# Playwright script against the web page. Usage: run-browser-test.sh BUILD_DIR
set -euo pipefail
build="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

if [[ ! -d $here/node_modules/playwright-core ]]; then
    (cd "$here" && npm ci --no-audit --no-fund >/dev/null)
fi

# node is here anyway; python3 and curl need not be.
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
udp_port="$(free_port)"
http_port="$(free_port)"

"$build/console/metrics-console" --headless --bind 127.0.0.1 --udp-port "$udp_port" \
    --http-port "$http_port" --db "$work/metrics.db" --log-file "$work/console.log" \
    --api-token browser-test-token --alert-group-wait 0 &
pids+=($!)
for _ in $(seq 50); do
    node -e "fetch('http://127.0.0.1:$http_port/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" && break
    sleep 0.2
done
"$build/tests/bench/loadgen/metrics-loadgen" --devices 1 --rate 2 --duration 40 \
    --target "127.0.0.1:$udp_port" >"$work/loadgen.log" 2>&1 &
pids+=($!)

status=0
DMR_API_TOKEN=browser-test-token node "$here/dashboard.test.js" "http://127.0.0.1:$http_port" || status=$?
if [[ $status -ne 0 ]]; then
    echo "--- console log" >&2
    tail -20 "$work/console.log" >&2
fi
exit "$status"
