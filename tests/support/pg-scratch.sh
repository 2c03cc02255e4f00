#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A scratch PostgreSQL 15 server for the tests: initdb in a fresh folder, run
# as the postgres user (never as root), listening on 127.0.0.1 only at a free
# port, with its socket in that folder (fsync off for speed unless
# DMR_PG_FSYNC=on); a role and a database for the
# console. Prints the lines to eval:
#   DMR_TEST_PG_URL=postgresql://dmr@127.0.0.1:PORT/dmr_test?password_file=...
#   DMR_TEST_PG_DIR=...   (give it to "pg-scratch.sh stop" when done)
# Usage: pg-scratch.sh start | pg-scratch.sh stop DIR
set -euo pipefail

bin="${PG_BIN:-/usr/lib/postgresql/15/bin}"
run_as=postgres
as_server() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u "$run_as" -- "$@"
    else
        "$@" # already an unprivileged user: the server runs as us
    fi
}

case "${1:-}" in
start)
    [[ -x $bin/initdb ]] || {
        echo "error: no PostgreSQL 15 in $bin (Debian: apt-get install postgresql)" >&2
        exit 2
    }
    dir="$(mktemp -d -t dmr-pg.XXXXXX)"
    chmod 700 "$dir"
    [[ $(id -u) -eq 0 ]] && chown "$run_as:" "$dir"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    password="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
    as_server "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 \
        >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
    }
    # Only loopback, only password logins over TCP; the socket stays in $dir.
    cat >"$dir/data/pg_hba.conf" <<HBA
local all postgres trust
host  all all 127.0.0.1/32 scram-sha-256
HBA
    as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=${DMR_PG_FSYNC:-off}" \
        start >/dev/null || {
        cat "$dir/server.log" >&2
        exit 1
    }
    as_server "$bin/psql" -h "$dir" -p "$port" -U postgres -q -v ON_ERROR_STOP=1 -d postgres <<SQL
CREATE ROLE dmr LOGIN CREATEDB PASSWORD '$password';
CREATE DATABASE dmr_test OWNER dmr;
SQL
    passfile="$dir/db-password"
    printf '%s\n' "$password" >"$passfile"
    chmod 600 "$passfile"
    # The tests run as the caller: the password file is theirs.
    [[ -n ${SUDO_USER:-} ]] && chown "$SUDO_USER" "$passfile"
    echo "DMR_TEST_PG_URL=postgresql://dmr@127.0.0.1:$port/dmr_test?password_file=$passfile"
    echo "DMR_TEST_PG_DIR=$dir"
    ;;
stop)
    dir="${2:?usage: pg-scratch.sh stop DIR}"
    as_server "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start | $0 stop DIR" >&2
    exit 2
    ;;
esac
