#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the Debian packages into build/packages/ (README: Packages):
#   metrics-agent, metrics-console, metrics-console-headless for this machine;
#   with --arch arm64|armhf, metrics-agent for a board, from the cross build
#   (installers/cross-build.sh) into build-<arch>/packages/.
# Then lists each package's size and Depends, and runs lintian, which must
# find nothing but what the packages' overrides explain.
# Usage: package.sh [--arch arm64|armhf] [--no-build]
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

arch=""
build=yes
while [[ $# -gt 0 ]]; do
    case "$1" in
    --arch) arch="${2:-}" && shift 2 ;;
    --no-build) build=no && shift ;;
    -h | --help) sed -n '3,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' && exit 0 ;;
    *) die "unknown argument $1 (try --help)" ;;
    esac
done

DMR_PACKAGES_FILE=/dev/null "$DMR_INSTALLERS/deps.sh" help2man lintian
if [[ -n $arch ]]; then
    build_dir="${DMR_CROSS_BUILD_DIR:-$DMR_ROOT/build-$arch}"
    [[ $build == no ]] || "$DMR_INSTALLERS/cross-build.sh" "$arch"
else
    build_dir="$DMR_BUILD_DIR"
    [[ $build == no ]] || "$DMR_INSTALLERS/build.sh"
fi
[[ -f $build_dir/CPackConfig.cmake ]] || die "no build in $build_dir"
# Configured again, in case help2man came after the build did.
cmake "$build_dir" >/dev/null
# The man pages and completions are built with the programs; a cross build
# made with --target metrics-agent has not made them yet.
cmake --build "$build_dir" --target dmr_docs metrics-agent >/dev/null

say "Packaging in $build_dir/packages"
rm -f "$build_dir"/packages/*.deb
(cd "$build_dir" && cpack -G DEB >/dev/null) || {
    tail -n 40 "$build_dir"/_CPack_Packages/*/DEB/*.log 2>/dev/null >&2 || true
    die "cpack failed"
}

status=0
for deb in "$build_dir"/packages/*.deb; do
    say "$(basename "$deb"): $(du -k "$deb" | cut -f1) kB; Depends: $(dpkg-deb -f "$deb" Depends)"
    # Errors and warnings fail; pedantic notes and what an override explains
    # (installers/packaging/*.lintian-overrides) do not.
    if ! lintian --fail-on error,warning --suppress-tags-from-file /dev/null "$deb"; then
        status=1
    fi
done
[[ $status -eq 0 ]] || die "lintian found problems (above)"
say "lintian: no errors or warnings"
