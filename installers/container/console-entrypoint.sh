#!/bin/sh
# SPDX-License-Identifier: MIT
# The console container's entry point. Serving beyond loopback, the console
# will not start without a user or METRICS_API_TOKEN; so on a first start
# with neither, this makes the user admin, with the password in
# METRICS_ADMIN_PASSWORD_FILE (a compose secret, say) or a random one that
# it prints once to the log. Then it runs the command (the console).
set -eu

if [ "${1:-}" = metrics-console ] && [ "${2:-}" != users ] && [ "${2:-}" != keys ] &&
    [ "${2:-}" != db ] && [ "${2:-}" != tls ] && [ -z "${METRICS_API_TOKEN:-}" ]; then
    # users list prints a header line, then one line a user. Where it fails
    # (a database not reachable yet), the console says why itself.
    if users="$(metrics-console users list 2>/dev/null)" &&
        [ -z "$(printf '%s\n' "$users" | tail -n +2)" ]; then
        if [ -n "${METRICS_ADMIN_PASSWORD_FILE:-}" ]; then
            password="$(head -n 1 "$METRICS_ADMIN_PASSWORD_FILE")"
            shown="the password in $METRICS_ADMIN_PASSWORD_FILE"
        else
            password="$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
            shown="password $password"
        fi
        if ! said="$(printf '%s\n' "$password" | metrics-console users add admin --role admin 2>&1)"; then
            printf '%s\n' "$said" >&2
            exit 1
        fi
        echo "console-entrypoint: made the user admin with $shown;" \
            "change it with: metrics-console users passwd admin" >&2
    fi
fi
exec "$@"
