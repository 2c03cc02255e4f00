#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian packages as a user meets them, on this machine: what each holds
# and needs, then apt install, the installed programs at work (the console as
# its service user, the agent reporting to it, both from /usr/bin), the
# window's package replacing the headless one with the data kept, remove,
# and purge leaving nothing behind. Changes the machine (packages, users), so
# installers/test.sh runs it only in CI or with DMR_PACKAGE_TEST=1.
# Usage: packages.sh PACKAGES_DIR
set -euo pipefail
packages="$(cd "$1" && pwd)"
arch="$(dpkg --print-architecture)"
# shellcheck source=check.sh
source "$(dirname "${BASH_SOURCE[0]}")/check.sh"

say() { printf '==> %s\n' "$*" >&2; }
deb() { find "$packages" -maxdepth 1 -name "$1_*_$arch.deb" | sort -V | tail -n 1; }
holds() { dpkg-deb -c "$1" | awk '{print $6}' | sed 's|^\./|/|' | grep -qx -- "$2"; }
depends() { dpkg-deb -f "$1" Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep -qx -- "$2"; }
needs() { # needs DEB PROGRAM LIBRARY: the packaged program links LIBRARY
    local dir
    dir="$(mktemp -d)"
    dpkg-deb -x "$1" "$dir"
    readelf -d "$dir$2" | grep -q "Shared library: \[$3"
    local found=$?
    rm -rf "$dir"
    return $found
}
not() { ! "$@"; }
gone() { ! test -e "$1"; }

[[ $EUID -eq 0 ]] || {
    echo "packages.sh installs packages: run it as root" >&2
    exit 2
}
agent="$(deb metrics-agent)"
console="$(deb metrics-console)"
headless="$(deb metrics-console-headless)"
for file in "$agent" "$console" "$headless"; do
    [[ -n $file ]] || {
        echo "packages.sh: a package is missing from $packages" >&2
        exit 1
    }
done
for name in metrics-agent metrics-console metrics-console-headless; do
    if dpkg-query -W -f='${db:Status-Status}' "$name" 2>/dev/null | grep -q installed; then
        echo "packages.sh: $name is installed already; it tests a machine without them" >&2
        exit 1
    fi
done

say "What the packages hold and need"
check "agent: the program" holds "$agent" /usr/bin/metrics-agent
check "agent: its unit" holds "$agent" /lib/systemd/system/metrics-agent.service
check "agent: agent.env" holds "$agent" /etc/device-metrics-reporter/agent.env
check "agent: agent.env is a conffile" \
    bash -c "dpkg-deb -I '$agent' conffiles | grep -qx /etc/device-metrics-reporter/agent.env"
check "agent: man page" holds "$agent" /usr/share/man/man1/metrics-agent.1.gz
check "agent: bash completion" holds "$agent" /usr/share/bash-completion/completions/metrics-agent
check "agent: copyright" holds "$agent" /usr/share/doc/metrics-agent/copyright
check "agent: depends on libc6" depends "$agent" libc6
check "agent: no Qt in Depends" not bash -c "dpkg-deb -f '$agent' Depends | grep -q qt"
check "agent: links no Qt" not needs "$agent" /usr/bin/metrics-agent libQt6
for pkg in "$console" "$headless"; do
    name="$(dpkg-deb -f "$pkg" Package)"
    check "$name: the program" holds "$pkg" /usr/bin/metrics-console
    check "$name: its unit" holds "$pkg" /lib/systemd/system/metrics-console.service
    check "$name: console.env is a conffile" \
        bash -c "dpkg-deb -I '$pkg' conffiles | grep -qx /etc/device-metrics-reporter/console.env"
    check "$name: man page" holds "$pkg" /usr/share/man/man1/metrics-console.1.gz
    check "$name: bash completion" holds "$pkg" /usr/share/bash-completion/completions/metrics-console
    check "$name: depends on Qt's SQLite driver (loaded by name)" depends "$pkg" libqt6sql6-sqlite
    check "$name: depends on QtHttpServer (computed)" depends "$pkg" libqt6httpserver6
done
check "metrics-console: .desktop file" holds "$console" /usr/share/applications/metrics-console.desktop
check "metrics-console: hicolor icon" holds "$console" /usr/share/icons/hicolor/scalable/apps/metrics-console.svg
metainfo=/usr/share/metainfo/org.device_metrics_reporter.console.metainfo.xml
check "metrics-console: AppStream metainfo" holds "$console" "$metainfo"
check "metrics-console: depends on Qt's widgets and charts" \
    bash -c "dpkg-deb -f '$console' Depends | grep -q libqt6widgets6 && dpkg-deb -f '$console' Depends | grep -q libqt6charts6"
check "metrics-console-headless: no widgets, charts or GUI in Depends" \
    not bash -c "dpkg-deb -f '$headless' Depends | grep -qE 'libqt6(widgets|charts|gui|opengl)6'"
check "metrics-console-headless: links no QtWidgets or QtGui" \
    not needs "$headless" /usr/bin/metrics-console 'libQt6(Widgets|Gui)'

say "apt install ./metrics-agent ./metrics-console-headless"
apt-get install -y --no-install-recommends "$agent" "$headless" >/dev/null
for user in metrics-agent metrics-console; do
    check "user $user made, a system user without a shell" \
        bash -c "getent passwd $user | grep -qE ':/(usr/)?(s)?bin/(nologin|false)$'"
done
check "/var/lib/device-metrics-reporter owned by metrics-console, 0750" \
    bash -c '[[ $(stat -c "%U %a" /var/lib/device-metrics-reporter) == "metrics-console 750" ]]'
check "/var/lib/metrics-agent owned by metrics-agent" \
    bash -c '[[ $(stat -c %U /var/lib/metrics-agent) == metrics-agent ]]'
check "settings in /etc/device-metrics-reporter" test -f /etc/device-metrics-reporter/console.env
wants=/etc/systemd/system/multi-user.target.wants
if [[ -x /lib/systemd/systemd ]]; then
    check "systemd is installed: metrics-agent enabled" test -L $wants/metrics-agent.service
    check "systemd is installed: metrics-console (headless) enabled" test -L $wants/metrics-console.service
else
    check "no systemd: nothing enabled" not test -e $wants/metrics-agent.service
fi
check "metrics-agent --version" bash -c '/usr/bin/metrics-agent --version | grep -q "[0-9]\.[0-9]"'
check "metrics-console --version" bash -c '/usr/bin/metrics-console --version | grep -q "[0-9]\.[0-9]"'
check "man metrics-agent" bash -c 'MANPAGER=cat man metrics-agent 2>/dev/null | grep -q METRICS_SERVER'
# bash-completion's loader finds each program's file where the package put it.
check "bash completion of metrics-agent --se" bash -c '
    source /usr/share/bash-completion/bash_completion
    _completion_loader metrics-agent
    COMP_WORDS=(metrics-agent --se); COMP_CWORD=1; COMP_LINE="metrics-agent --se"; COMP_POINT=${#COMP_LINE}
    _metrics_agent metrics-agent --se metrics-agent
    [[ " ${COMPREPLY[*]} " == *" --server "* && " ${COMPREPLY[*]} " == *" --security "* ]]'
check "bash completion of metrics-console us" bash -c '
    source /usr/share/bash-completion/bash_completion
    _completion_loader metrics-console
    COMP_WORDS=(metrics-console us); COMP_CWORD=1; COMP_LINE="metrics-console us"; COMP_POINT=${#COMP_LINE}
    _metrics_console metrics-console us metrics-console
    [[ ${COMPREPLY[*]} == users ]]'

say "The installed console, as its service user, and the installed agent reporting to it"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
http_port="$(free_port)"
udp_port="$(free_port)"
log="$(mktemp)"
(cd /var/lib/device-metrics-reporter &&
    exec runuser -u metrics-console -- env METRICS_DB=/var/lib/device-metrics-reporter/metrics.db \
        METRICS_LOG_FILE=- METRICS_UDP_PORT="$udp_port" METRICS_HTTP_PORT="$http_port" \
        /usr/bin/metrics-console --headless) >"$log" 2>&1 &
console_pid=$!
for _ in $(seq 50); do
    curl -fsS "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1 && break
    sleep 0.2
done
check "console answers /healthz" curl -fsS "http://127.0.0.1:$http_port/healthz"
runuser -u metrics-agent -- /usr/bin/metrics-agent --server "127.0.0.1:$udp_port" \
    --device-id package-test --log-file - --once >/dev/null 2>&1 || true
listed() { curl -fsS "http://127.0.0.1:$http_port/api/devices/" | grep -q '"device_id": *"package-test"'; }
for _ in $(seq 50); do
    listed && break
    sleep 0.2
done
check "the agent's device is listed" listed
kill "$console_pid"
wait "$console_pid" || true
check "the database is the service user's" \
    bash -c '[[ $(stat -c %U /var/lib/device-metrics-reporter/metrics.db) == metrics-console ]]'

say "apt install ./metrics-console (the window) in place of the headless console"
echo "# kept across packages" >>/etc/device-metrics-reporter/console.env
apt-get install -y --no-install-recommends "$console" >/dev/null
check "the window's package leaves its service as the headless one had it (enabled)" \
    bash -c "! test -x /lib/systemd/systemd || test -L $wants/metrics-console.service"
check "metrics-console-headless is removed" \
    not bash -c "dpkg-query -W -f='\${db:Status-Status}' metrics-console-headless | grep -qx installed"
check "its program links QtWidgets" bash -c 'readelf -d /usr/bin/metrics-console | grep -q libQt6Widgets'
check "the data is kept" test -s /var/lib/device-metrics-reporter/metrics.db
check "the edited console.env is kept" grep -q "kept across packages" /etc/device-metrics-reporter/console.env
check "metrics-console --version without a display" \
    bash -c 'env -u DISPLAY -u WAYLAND_DISPLAY /usr/bin/metrics-console --version | grep -q "[0-9]\.[0-9]"'
check "desktop-file-validate" desktop-file-validate /usr/share/applications/metrics-console.desktop
check "appstreamcli validate" appstreamcli validate --no-net "$metainfo"

say "apt remove: programs go, settings and data stay"
apt-get remove -y metrics-agent metrics-console >/dev/null
check "programs removed" bash -c '! test -e /usr/bin/metrics-agent && ! test -e /usr/bin/metrics-console'
check "settings kept" test -f /etc/device-metrics-reporter/agent.env
check "data kept" test -s /var/lib/device-metrics-reporter/metrics.db

say "apt purge (and dpkg --purge of the headless package left in config-files): nothing left"
listed_files="$(mktemp)"
for pkg in "$agent" "$console" "$headless"; do
    dpkg-deb -c "$pkg" | awk '{print $6}' | sed 's|^\./|/|' | grep -v '/$' >>"$listed_files"
done
apt-get purge -y metrics-agent metrics-console >/dev/null
dpkg --purge metrics-console-headless >/dev/null 2>&1 || true
left=()
while read -r file; do
    [[ -e $file || -L $file ]] && left+=("$file")
done <"$listed_files"
for path in /etc/device-metrics-reporter /var/lib/device-metrics-reporter /var/lib/metrics-agent; do
    [[ -e $path ]] && left+=("$path")
done
while read -r link; do left+=("$link"); done < <(find /etc/systemd/system -name 'metrics-*' 2>/dev/null)
while read -r state; do left+=("$state"); done < <(
    find /var/lib/systemd/deb-systemd-helper-enabled /var/lib/systemd/deb-systemd-helper-masked \
        -name 'metrics-*' 2>/dev/null)
check "no file, folder, unit link or helper state left${left:+ (left: ${left[*]})}" test ${#left[@]} -eq 0
check "users and groups removed" \
    not bash -c 'getent passwd metrics-agent || getent passwd metrics-console || getent group metrics-console || getent group metrics-agent'
check "dpkg knows none of them" not bash -c "dpkg -l 'metrics-*' 2>/dev/null | grep -q '^[a-z][a-z] '"
rm -f "$listed_files" "$log"

if [[ $failures -gt 0 ]]; then
    echo "packages.sh: $failures checks failed" >&2
    exit 1
fi
say "packages.sh: every check passed"
