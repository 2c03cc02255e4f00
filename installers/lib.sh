# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are for the scripts that source this
# Shared by the scripts in installers/: paths, messages and running as root.
# Sourced, never run.

DMR_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DMR_INSTALLERS="$DMR_ROOT/installers"
DMR_BUILD_DIR="${DMR_BUILD_DIR:-$DMR_ROOT/build}"
# Nothing here may stop for a question: CI runs these without a terminal.
export DEBIAN_FRONTEND=noninteractive

say() {
    if [[ -t 2 ]]; then
        printf '\033[1m==>\033[0m %s\n' "$*" >&2
    else
        printf '==> %s\n' "$*" >&2
    fi
}

die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# Runs a command as root: directly when we are root (CI, containers), through
# sudo otherwise, so that only the steps that need it ask for a password.
as_root() {
    if [[ $EUID -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -- "$@"
    else
        die "'$*' needs root, and sudo is not installed; run this script as root"
    fi
}
