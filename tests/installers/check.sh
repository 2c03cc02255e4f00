# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# The checks of packages.sh and containers.sh: `check DESCRIPTION COMMAND...`
# runs the command quietly, prints ok or FAIL, and counts failures.
# Sourced, never run.

failures=0
check() {
    local what="$1"
    shift
    if "$@" >/dev/null 2>&1; then
        printf '  ok    %s\n' "$what" >&2
    else
        printf '  FAIL  %s\n' "$what" >&2
        failures=$((failures + 1))
    fi
}
