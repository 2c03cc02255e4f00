#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite once more, built with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer (build-sanitize/). Any sanitizer report fails the
# test it happens in. The long end-to-end tests run shorter here (they are
# slower under the sanitizers and run in full in the normal build): a 20 s
# outage, a 10 s flood, 5 kills. Leak detection is off: Qt keeps global
# objects alive until exit, which LeakSanitizer reports. The build also holds
# the codec's libFuzzer target, which installers/test.sh then runs from here
# (DMR_FUZZ_BUILD_DIR) instead of building it again.
# Usage: tests/sanitize/run-sanitized.sh [CTEST_ARGS...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${DMR_SANITIZE_BUILD_DIR:-$root/build-sanitize}"
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
flags+=" -fsanitize=fuzzer-no-link -O1 -gline-tables-only"

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=None \
    -DCMAKE_CXX_COMPILER=clang++ -DDMR_STATIC_AGENT=OFF -DDMR_BUILD_FUZZ=ON -DDMR_HARDENING=OFF \
    "-DCMAKE_CXX_FLAGS=$flags" "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined" >/dev/null
cmake --build "$build" -j "${DMR_JOBS:-2}"

export ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export DMR_OUTAGE_SECONDS="${DMR_OUTAGE_SECONDS:-20}"
export DMR_FLOOD_SECONDS="${DMR_FLOOD_SECONDS:-10}"
export DMR_KILL_RUNS="${DMR_KILL_RUNS:-5}"
ctest --test-dir "$build" --output-on-failure -j 2 --timeout 600 "$@"
