#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Configures and builds everything into build/ (or $DMR_BUILD_DIR). Safe to run
# again: CMake and Ninja redo only what changed. Extra arguments go to CMake's
# configure step, e.g. -DDMR_BUILD_CONSOLE=OFF.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

configure=(cmake -S "$DMR_ROOT" -B "$DMR_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo)
cache="$DMR_BUILD_DIR/CMakeCache.txt"
# A build folder made by another generator cannot be reused; start it afresh
# rather than fail.
if [[ -f $cache ]] && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$cache"; then
    say "$DMR_BUILD_DIR was configured for another generator; reconfiguring from scratch"
    configure+=(--fresh)
fi

say "Configuring in $DMR_BUILD_DIR"
"${configure[@]}" "$@"
say "Building"
cmake --build "$DMR_BUILD_DIR" -j "${DMR_JOBS:-2}"
