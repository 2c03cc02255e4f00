#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds metrics-agent for an ARM board on this Debian 12 machine, with
# Debian's cross compilers and the target's libraries from multiarch, into
# build-<arch>/ (or $DMR_CROSS_BUILD_DIR). --test also builds the agent's unit
# tests (tests/common, tests/agent) and runs them under qemu-user.
#   arm64: Raspberry Pi 3/4/5 with a 64-bit OS;  armhf: 32-bit Raspberry Pi OS
# Extra arguments after the options go to CMake's configure step.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    echo "Usage: $0 arm64|armhf [--test] [CMAKE_ARG...]"
    echo "Cross-builds metrics-agent into build-<arch>/; --test runs its unit tests under qemu."
}
arch="${1:-}"
case "$arch" in
arm64 | armhf) shift ;;
-h | --help) usage && exit 0 ;;
*) usage >&2 && exit 2 ;;
esac
run_tests=0
if [[ ${1:-} == --test ]]; then
    run_tests=1
    shift
fi

command -v dpkg >/dev/null 2>&1 || die "this script needs a Debian-based system (dpkg)"
if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    say "Adding the $arch architecture to dpkg (multiarch)"
    as_root dpkg --add-architecture "$arch"
fi
# The host's tools (protoc, moc) and qemu; the target's compilers and
# libraries. Qt (Core, Network, Test) is only for the tests, but is small
# next to the rest with --no-install-recommends.
packages=(cmake ninja-build pkg-config file protobuf-compiler qt6-base-dev qt6-base-dev-tools
    "crossbuild-essential-$arch" qemu-user-static
    "libprotobuf-dev:$arch" "libssl-dev:$arch" "qt6-base-dev:$arch")
# deps.sh runs apt-get update before installing, which the new architecture needs.
DMR_PACKAGES_FILE=/dev/null "$DMR_INSTALLERS/deps.sh" "${packages[@]}"

build_dir="${DMR_CROSS_BUILD_DIR:-$DMR_ROOT/build-$arch}"
configure=(cmake -S "$DMR_ROOT" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
    "-DCMAKE_TOOLCHAIN_FILE=$DMR_INSTALLERS/cmake/toolchain-$arch.cmake"
    -DDMR_BUILD_CONSOLE=OFF "-DDMR_BUILD_TESTS=$([[ $run_tests == 1 ]] && echo ON || echo OFF)")
say "Configuring in $build_dir"
"${configure[@]}" "$@"
say "Building metrics-agent for $arch"
cmake --build "$build_dir" -j "${DMR_JOBS:-2}" --target metrics-agent
agent="$build_dir/agent/metrics-agent"
file "$agent"
say "metrics-agent: $(du -h "$agent" | cut -f1) with debug information; on the board it needs $(
    readelf -d "$agent" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | paste -sd ' ')"

if [[ $run_tests == 1 ]]; then
    say "Building the agent's tests for $arch"
    cmake --build "$build_dir" -j "${DMR_JOBS:-2}"
    say "Running the agent's tests under qemu-user"
    ctest --test-dir "$build_dir" --output-on-failure -j "${DMR_JOBS:-2}" --timeout 300
fi
