#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Reverses install.sh: stops and removes the services and the programs. The
# database and the settings stay unless --purge is given.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

prefix=/usr/local
purge=no

usage() {
    cat <<USAGE
Usage: $0 [--prefix DIR] [--purge]

Stops and disables metrics-console and metrics-agent, removes their units and
the installed programs. Keeps /var/lib/device-metrics-reporter (the database),
/etc/device-metrics-reporter (settings) and /etc/metrics-agent (the agent's
key) unless --purge.
USAGE
}

while [[ $# -gt 0 ]]; do
    case "$1" in
    --prefix)
        [[ $# -ge 2 ]] || die "--prefix needs a directory"
        prefix="$2"
        shift 2
        ;;
    --purge)
        purge=yes
        shift
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        usage >&2
        exit 2
        ;;
    esac
done

units=(metrics-console.service metrics-agent.service)
if [[ -d /run/systemd/system ]]; then
    say "Stopping and disabling the services"
    as_root systemctl disable --now "${units[@]}" 2>/dev/null || true
fi
for unit in "${units[@]}"; do
    as_root rm -f "/etc/systemd/system/$unit"
done
if [[ -d /run/systemd/system ]]; then
    as_root systemctl daemon-reload
    as_root systemctl reset-failed "${units[@]}" 2>/dev/null || true
fi

# cmake --install records what it copied; without that record, remove the
# programs by name.
manifest="$DMR_BUILD_DIR/install_manifest.txt"
files=()
if [[ -f $manifest ]]; then
    mapfile -t files <"$manifest"
else
    files=("$prefix/bin/metrics-console" "$prefix/bin/metrics-agent" "$prefix/bin/metrics-loadgen")
fi
say "Removing ${#files[@]} installed files"
for file in "${files[@]}"; do
    [[ -n $file ]] && as_root rm -f -- "$file"
done

if [[ $purge == yes ]]; then
    say "Purging the database, settings and the agent's key"
    # DynamicUser= keeps the real folder under /var/lib/private.
    as_root rm -rf /var/lib/device-metrics-reporter /var/lib/private/device-metrics-reporter \
        /etc/device-metrics-reporter /etc/metrics-agent
else
    say "Kept /var/lib/device-metrics-reporter, /etc/device-metrics-reporter and /etc/metrics-agent (--purge removes them)"
fi
