#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the codec fuzz target with clang, libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer, and fuzzes decode for SECONDS (default 60) from
# the committed seed corpus. New inputs go to a scratch corpus, not the repo.
# Where the build has the console too (the sanitized build), the console's
# ingest stage (fuzz_ingest) is fuzzed for SECONDS after it.
# A crash leaves its input as build-fuzz/crash-* and fails the run.
# With DMR_FUZZ_BUILD_DIR naming a build that already has the target (the
# sanitized build of tests/sanitize/run-sanitized.sh), that one is used.
# Usage: tests/fuzz/run-fuzz.sh [SECONDS]
set -euo pipefail
seconds="${1:-60}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${DMR_FUZZ_BUILD_DIR:-$root/build-fuzz}"
sanitizers="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

if [[ ! -x "$build/tests/fuzz/fuzz_decode" || -z ${DMR_FUZZ_BUILD_DIR:-} ]]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_COMPILER=clang++ -DDMR_BUILD_CONSOLE=OFF -DDMR_BUILD_TESTS=OFF \
        -DDMR_BUILD_AGENT=OFF -DDMR_STATIC_AGENT=OFF -DDMR_BUILD_FUZZ=ON -DDMR_HARDENING=OFF \
        "-DCMAKE_CXX_FLAGS=$sanitizers -fsanitize=fuzzer-no-link" >/dev/null
    cmake --build "$build" --target fuzz_decode -j "${DMR_JOBS:-2}"
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cd "$build"
# One target, from its scratch corpus and the committed seeds.
fuzz() {
    local target="$1"
    shift
    echo "== $target"
    mkdir -p "$scratch/$target"
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "./tests/fuzz/$target" -max_total_time="$seconds" -max_len=2048 -print_final_stats=1 \
        "$scratch/$target" "$@"
}
fuzz fuzz_decode "$root/tests/fuzz/corpus/decode"
if [[ -x tests/fuzz/fuzz_ingest ]]; then
    fuzz fuzz_ingest "$root/tests/fuzz/corpus/ingest" "$root/tests/fuzz/corpus/decode"
fi
