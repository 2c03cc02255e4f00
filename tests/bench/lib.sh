# SPDX-License-Identifier: MIT
# Shared by the benchmark scripts in this folder (sourced, not run).

# Exits unless every given program has been built.
require_programs() {
    local program
    for program in "$@"; do
        [[ -x $program ]] || {
            echo "error: $program is missing; run installers/build.sh" >&2
            exit 1
        }
    done
}

# Exits unless every given command is on PATH.
require_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || {
            echo "error: $tool is needed (installers/deps.sh installs it)" >&2
            exit 1
        }
    done
}

# Prints a port nobody listens on (u: UDP, t: TCP); a fixed one could meet a
# running console.
free_port() {
    local kind="$1" candidate
    for _ in $(seq 1 50); do
        candidate=$((20000 + RANDOM % 30000))
        if ! ss -Hn"$kind"l "sport = :$candidate" 2>/dev/null | grep -q .; then
            echo "$candidate"
            return
        fi
    done
    echo "error: found no free port" >&2
    exit 1
}
