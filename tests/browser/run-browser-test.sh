#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# CTest entry for the browser tests, each against a headless console on free
# ports with a scratch database and one simulated device reporting over UDP:
# dashboard.test.js on loopback with no sign-in, then login.test.js against a
# console that wants a sign-in and serves HTTPS with a self-signed
# certificate. Usage: run-browser-test.sh BUILD_DIR
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
    tail -20 "$work/console.log" >&2 || true
fi
# Two cores are enough for one console and one browser at a time.
for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
wait 2>/dev/null || true
pids=()

# Sign-in and TLS: users of each role (the password on stdin, as a person
# would type it), a certificate for the addresses the test uses, and plain
# HTTP only redirecting to HTTPS.
console="$build/console/metrics-console"
"$console" tls selfsigned --cert "$work/cert.pem" --key "$work/key.pem" \
    --host 127.0.0.1 --host localhost
for role in admin operator viewer; do
    printf '%s\n' "$role-pass-123456" | "$console" users add "$role" --role "$role" --db "$work/tls.db"
done
udp2="$(free_port)"
http2="$(free_port)"
https2="$(free_port)"
"$console" --headless --bind 127.0.0.1 --udp-port "$udp2" --http-port "$http2" \
    --https-port "$https2" --tls-cert "$work/cert.pem" --tls-key "$work/key.pem" --auth on \
    --db "$work/tls.db" --log-file "$work/tls.log" --alert-group-wait 0 &
pids+=($!)
# Node trusts the certificate as a CA; Chromium is told to ignore the error.
export NODE_EXTRA_CA_CERTS="$work/cert.pem"
for _ in $(seq 50); do
    node -e "fetch('https://127.0.0.1:$https2/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" && break
    sleep 0.2
done
"$build/tests/bench/loadgen/metrics-loadgen" --devices 1 --rate 2 --duration 120 \
    --target "127.0.0.1:$udp2" >"$work/loadgen2.log" 2>&1 &
pids+=($!)

tls_status=0
# curl checks the certificate its own way (name, dates) with no Node in between.
if command -v curl >/dev/null; then
    curl --cacert "$work/cert.pem" -fsS -o /dev/null "https://127.0.0.1:$https2/healthz" || tls_status=$?
    if [[ $tls_status -ne 0 ]]; then echo "curl does not accept the console's certificate" >&2; fi
else
    echo "curl is not installed: the certificate is checked by Node alone" >&2
fi
if [[ $tls_status -eq 0 ]]; then
    node "$here/login.test.js" "https://127.0.0.1:$https2" "http://127.0.0.1:$http2" || tls_status=$?
fi
if [[ $tls_status -ne 0 ]]; then
    echo "--- console log (sign-in and TLS)" >&2
    tail -20 "$work/tls.log" >&2 || true
    status=$tls_status
fi
exit "$status"
