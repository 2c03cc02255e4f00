#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs metrics-console and metrics-agent system-wide and runs them as
# systemd services. Safe to run again: it updates the binaries and units and
# keeps existing settings in /etc/device-metrics-reporter.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

prefix=/usr/local
units=(metrics-console metrics-agent)
build=yes

usage() {
    cat <<USAGE
Usage: $0 [--prefix DIR] [--agent-only | --console-only] [--no-build]

Builds (unless --no-build), installs the programs under DIR/bin (default
/usr/local), the systemd units under /etc/systemd/system and settings files
/etc/device-metrics-reporter/{console,agent}.env (only if absent), then
enables and starts the services.

  --agent-only     enable only metrics-agent (a device reporting elsewhere:
                   set METRICS_SERVER in agent.env)
  --console-only   enable only metrics-console
USAGE
}

while [[ $# -gt 0 ]]; do
    case "$1" in
    --prefix)
        [[ $# -ge 2 ]] || die "--prefix needs a directory"
        prefix="$2"
        shift 2
        ;;
    --agent-only)
        units=(metrics-agent)
        shift
        ;;
    --console-only)
        units=(metrics-console)
        shift
        ;;
    --no-build)
        build=no
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
[[ $prefix == /* ]] || die "--prefix must be an absolute path"

if [[ $build == yes ]]; then
    "$DMR_INSTALLERS/deps.sh"
    "$DMR_INSTALLERS/build.sh"
fi
[[ -f $DMR_BUILD_DIR/cmake_install.cmake ]] || die "no build in $DMR_BUILD_DIR; run installers/build.sh"

say "Installing the programs under $prefix"
as_root cmake --install "$DMR_BUILD_DIR" --prefix "$prefix"

config_dir=/etc/device-metrics-reporter
unit_dir=/etc/systemd/system
as_root install -d -m 0755 "$config_dir"
for name in console agent; do
    if as_root test -e "$config_dir/$name.env"; then
        say "Keeping $config_dir/$name.env"
    else
        as_root install -m 0644 "$DMR_INSTALLERS/systemd/$name.env.example" "$config_dir/$name.env"
        say "Created $config_dir/$name.env"
    fi
done

for unit in metrics-console metrics-agent; do
    # The units name /usr/local/bin; follow another prefix.
    sed "s|/usr/local/bin/|$prefix/bin/|" "$DMR_INSTALLERS/systemd/$unit.service" \
        | as_root tee "$unit_dir/$unit.service" >/dev/null
    as_root chmod 0644 "$unit_dir/$unit.service"
done
say "Installed the units in $unit_dir"

if [[ ! -d /run/systemd/system ]]; then
    say "systemd is not running here (a container?); the units are installed but not started"
    exit 0
fi
as_root systemctl daemon-reload
as_root systemctl enable "${units[@]/%/.service}"
# restart, not start, so that a reinstall runs the new binaries.
as_root systemctl restart "${units[@]/%/.service}"
systemctl --no-pager --lines=0 status "${units[@]/%/.service}" || true

cat >&2 <<INFO

  Settings:  $config_dir/{console,agent}.env, then: sudo systemctl restart ${units[*]}
  Agent key: /etc/metrics-agent/key, mode 0600 (README: Security and delivery)
  Data:      /var/lib/device-metrics-reporter/metrics.db
  Logs:      journalctl ${units[*]/#/-u } -f
  Remove:    installers/uninstall.sh   (add --purge to delete data and settings)
INFO
