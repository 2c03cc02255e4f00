#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Makes the README's screenshots with the real metrics-console: a demo fleet's
# last 24 hours are written to a scratch database (gui-bench --demo-data), then
# the console opens it under Xvfb (offscreen when xvfb-run is missing), and its
# ScreenshotTour saves main-window.png and device-view.png here, then quits.
# Usage: resources/screenshots/make-screenshots.sh [BUILD_DIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build}"
console="$build/console/metrics-console"
bench="$build/tests/bench/gui-bench/gui-bench"
for program in "$console" "$bench"; do
    [[ -x $program ]] || {
        echo "$program is not built; run installers/build.sh first" >&2
        exit 1
    }
done

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
QT_QPA_PLATFORM=offscreen "$bench" --demo-data --db "$scratch/demo.db" \
    --devices 12 --hours 24 --interval 10 --offline 2

# Saved window settings must not change the pictures.
export XDG_CONFIG_HOME="$scratch/config"
export DMR_SCREENSHOTS="$here" METRICS_LOG_FILE=- METRICS_DB="$scratch/demo.db"
args=(--udp-port 0 --http-port 0 --stats-interval 0)
if command -v xvfb-run >/dev/null; then
    xvfb-run -a -s "-screen 0 1600x1000x24" "$console" "${args[@]}"
else
    QT_QPA_PLATFORM=offscreen "$console" "${args[@]}"
fi
ls -l "$here"/*.png
