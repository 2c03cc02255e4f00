#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages listed in debian-packages.txt (plus any given as
# arguments) that are not installed yet. Does nothing, and needs no root, when
# all are present.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
    echo "Usage: $0 [EXTRA_PACKAGE...]"
    echo "Installs the missing packages of installers/debian-packages.txt with apt-get."
    echo "DMR_PACKAGES_FILE=FILE reads another list (installers/cross-build.sh: /dev/null)."
    exit 0
fi

command -v dpkg-query >/dev/null 2>&1 || die "this script needs a Debian-based system (dpkg)"

# A line is a package name, optionally followed by a command: when that
# command is already on PATH (Node.js from NodeSource, say), the package is not
# needed.
packages=()
while read -r package command _; do
    package="${package%%#*}"
    [[ -n $package ]] || continue
    [[ -n ${command:-} && ${command:0:1} != '#' ]] && command -v "$command" >/dev/null 2>&1 && continue
    packages+=("$package")
done <"${DMR_PACKAGES_FILE:-$DMR_INSTALLERS/debian-packages.txt}"
packages+=("$@")

missing=()
native="$(dpkg --print-architecture)"
for package in "${packages[@]}"; do
    # dpkg -s succeeds for removed packages that left configuration behind;
    # only "installed" counts. A name without :ARCH is the host's (or an
    # architecture-independent) package, even when another architecture's
    # is installed too (installers/cross-build.sh: qt6-base-dev:arm64).
    want="installed ($native|all)"
    [[ $package == *:* ]] && want='installed .*'
    dpkg-query -W -f='${db:Status-Status} ${Architecture}\n' "$package" 2>/dev/null |
        grep -qxE "$want" || missing+=("$package")
done

if [[ ${#missing[@]} -eq 0 ]]; then
    say "All ${#packages[@]} required packages are installed"
    exit 0
fi

say "Installing ${#missing[@]} missing packages: ${missing[*]}"
as_root env DEBIAN_FRONTEND=noninteractive apt-get update </dev/null
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    "${missing[@]}" </dev/null
