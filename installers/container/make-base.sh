#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Makes the Debian 12 base image the console's and the agent's images are
# built FROM, with debootstrap from a Debian mirror: no registry is needed.
#   make-base.sh [IMAGE]        (default localhost/dmr-debian:bookworm)
# DMR_DEBIAN_MIRROR picks the mirror (default: http://deb.debian.org/debian);
# DMR_CONTAINER_ENGINE podman (default when installed) or docker.
# Like Debian's own slim images, the base keeps no documentation, manual
# pages or translations (dpkg's path-exclude), so that what later installs
# leaves none either; copyright files stay.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# shellcheck source-path=SCRIPTDIR source=engine.sh
source "$DMR_INSTALLERS/container/engine.sh"

image="${1:-localhost/dmr-debian:bookworm}"
mirror="${DMR_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
[[ $EUID -eq 0 ]] || die "debootstrap needs root: sudo $0 $*"
command -v debootstrap >/dev/null 2>&1 || die "debootstrap is missing: apt-get install debootstrap"

rootfs="$(mktemp -d "${TMPDIR:-/var/tmp}/dmr-rootfs.XXXXXX")"
trap 'rm -rf "$rootfs"' EXIT
say "debootstrap bookworm (minbase) from $mirror"
debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" "$mirror" >&2

cat >"$rootfs/etc/dpkg/dpkg.cfg.d/01-slim" <<'SLIM'
# Containers keep no documentation (installers/container/make-base.sh).
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
SLIM
cat >"$rootfs/etc/apt/apt.conf.d/01-container" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
APT
# Leave out what the slim rule would not have installed, and the downloads.
find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete
find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$rootfs"/usr/share/{man,info,locale}/* "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/* "$rootfs"/tmp/*
# A container gets its hostname and resolv.conf from the engine; an image
# carries no machine identity (the agent's device_id comes from DEVICE_ID or
# a mounted /etc/machine-id).
: >"$rootfs/etc/hostname"
: >"$rootfs/etc/resolv.conf"
rm -f "$rootfs/etc/machine-id" "$rootfs/var/lib/dbus/machine-id"

say "Importing it as $image"
tar -C "$rootfs" --numeric-owner -c . |
    "${engine[@]}" import --change 'CMD ["/bin/bash"]' - "$image" >/dev/null
"${engine[@]}" image ls "$image"
