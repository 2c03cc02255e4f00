# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# shellcheck disable=SC2034 # engine is for the scripts that source this
# The container engine for installers/container/: podman where it is
# installed, else docker; DMR_CONTAINER_ENGINE chooses. Podman reads this
# folder's containers.conf (runc, and explicit open-file and process limits,
# which some machines need); a CONTAINERS_CONF of the user's own wins.
# Sourced, never run.

engine_name="${DMR_CONTAINER_ENGINE:-}"
if [[ -z $engine_name ]]; then
    if command -v podman >/dev/null 2>&1; then
        engine_name=podman
    elif command -v docker >/dev/null 2>&1; then
        engine_name=docker
    else
        die "neither podman nor docker is installed (apt-get install podman)"
    fi
fi
engine=("$engine_name")
if [[ $engine_name == podman ]]; then
    export CONTAINERS_CONF="${CONTAINERS_CONF:-$DMR_INSTALLERS/container/containers.conf}"
fi
