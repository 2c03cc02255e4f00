#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# CTest entry: every unit in installers/systemd (or, as the packages install
# them, in build/packaging/systemd) through `systemd-analyze verify`, which
# needs no running systemd. verify also wants ExecStart= to name
# an executable, so it reads copies that name the built program instead of
# /usr/local/bin or /usr/bin (as install.sh rewrites the prefix); a program this build
# lacks (the console, in an agent-only build) is replaced by true(1), which
# still checks the rest of its unit. verify exits 0 on warnings such as an
# unknown key, so any line it prints about our units fails the test.
# Usage: verify-units.sh UNIT_DIR [NAME=PROGRAM...]; exits 77 (skipped)
# without systemd-analyze.
set -euo pipefail
unit_dir="$1"
shift
if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "systemd-analyze not found (Debian package systemd): skipped"
    exit 77
fi
declare -A programs
for pair in "$@"; do
    programs["${pair%%=*}"]="${pair#*=}"
done

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
units=()
for unit in "$unit_dir"/*.service; do
    name="$(basename "$unit" .service)"
    program="${programs[$name]:-}"
    if [[ -z $program ]]; then
        program="$(type -P true)"
        echo "$name is not built here: its unit is checked with ExecStart=$program"
    fi
    grep -Eq "^ExecStart=/usr(/local)?/bin/$name( |$)" "$unit" || {
        echo "$unit: no ExecStart=/usr/local/bin/$name (or /usr/bin) line to point at the build" >&2
        exit 1
    }
    sed -E "s|^ExecStart=/usr(/local)?/bin/$name|ExecStart=$program|" "$unit" >"$scratch/$name.service"
    units+=("$scratch/$name.service")
done

status=0
output="$(systemd-analyze verify --man=no "${units[@]}" 2>&1)" || status=$?
systemd-analyze --version | head -n 1
[[ -n $output ]] && printf '%s\n' "$output"
ours="$(printf '%s\n' "$output" | grep -F -e "$scratch" -e metrics- || true)"
if [[ $status -ne 0 ]]; then
    echo "systemd-analyze verify failed (exit $status)" >&2
    exit 1
elif [[ -n $ours ]]; then
    echo "systemd-analyze verify warned about our units (above)" >&2
    exit 1
fi
echo "verified: ${units[*]##*/}"
