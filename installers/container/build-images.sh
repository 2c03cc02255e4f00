#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the container images from this build's Debian packages:
#   localhost/metrics-console:VERSION (and :latest)  the headless console
#   localhost/metrics-agent:VERSION   (and :latest)  the agent
# on the Debian 12 base that make-base.sh makes with debootstrap (made first
# when it is missing; no registry is asked). Then compose.yaml starts them.
# Usage: build-images.sh [--packages DIR] [--base IMAGE]
#   --packages DIR  where the .deb files are (build/packages, from
#                   installers/package.sh)
#   --base IMAGE    the base image (localhost/dmr-debian:bookworm)
# DMR_CONTAINER_ENGINE=docker builds with Docker instead of Podman.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source-path=SCRIPTDIR source=engine.sh
source "$DMR_INSTALLERS/container/engine.sh"

packages="$DMR_BUILD_DIR/packages"
base=localhost/dmr-debian:bookworm
while [[ $# -gt 0 ]]; do
    case "$1" in
    --packages) packages="$2" && shift 2 ;;
    --base) base="$2" && shift 2 ;;
    -h | --help) sed -n '3,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' && exit 0 ;;
    *) die "unknown argument $1 (try --help)" ;;
    esac
done

arch="$(dpkg --print-architecture)"
find_deb() {
    local found
    found="$(find "$packages" -maxdepth 1 -name "$1_*_$arch.deb" | sort -V | tail -n 1)"
    [[ -n $found ]] || die "no $1 package for $arch in $packages; run installers/package.sh"
    echo "$found"
}
console_deb="$(find_deb metrics-console-headless)"
agent_deb="$(find_deb metrics-agent)"
version="$(dpkg-deb -f "$console_deb" Version)"
version="${version%-*}"

if ! "${engine[@]}" image exists "$base" 2>/dev/null &&
    ! "${engine[@]}" image inspect "$base" >/dev/null 2>&1; then
    as_root env "DMR_CONTAINER_ENGINE=$engine_name" "$DMR_INSTALLERS/container/make-base.sh" "$base"
fi

context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
cp "$console_deb" "$agent_deb" "$DMR_INSTALLERS/container/console-entrypoint.sh" "$context/"

# The build runs apt-get for the packages' dependencies, on the host's
# network. Podman keeps the health check only in Docker's image format.
build_options=(--network host --build-arg "BASE=$base")
[[ $engine_name == podman ]] && build_options+=(--format docker)
for name in console agent; do
    image="localhost/metrics-$name"
    say "Building $image:$version"
    "${engine[@]}" build "${build_options[@]}" -f "$DMR_INSTALLERS/container/$name.Containerfile" \
        -t "$image:$version" -t "$image:latest" "$context"
done
"${engine[@]}" image ls --filter reference='localhost/metrics-*' \
    --format '{{.Repository}}:{{.Tag}} {{.Size}}' | sort -u |
    while read -r image size; do say "Image $image: $size"; done
