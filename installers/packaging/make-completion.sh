#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Writes a bash completion script for a program (metrics-agent,
# metrics-console) from what its --help prints, so that completion knows
# every option without a list kept by hand. Run by the build (Packaging.cmake)
# with the program, or a wrapper that runs it under an emulator:
#   make-completion.sh PROGRAM > completion
# An option's value is completed by its placeholder in --help: <file>,
# <path> and <dir> as paths, <host:port> as hosts, 0|1 or a choice list as
# those words; the console's commands (keys, users, db, tls) by their own --help.
set -euo pipefail
program="$1"
name="$(basename "$program")"
function_name="_${name//-/_}"

# Qt's and the agent's help both put each option on a line starting with two
# spaces (a description's next lines start with more): "  --db <path|url>  Text".
options_of() {
    "$program" "$@" --help 2>/dev/null |
        sed -n -E 's/^  (-[A-Za-z0-9], )?(--[A-Za-z0-9][A-Za-z0-9-]*)( ?[<=]?([^ >]*)>?)?.*/\2 \4/p' |
        awk '!seen[$1]++'
}

# Prints a case arm for each option that takes a value.
value_cases() {
    local option value
    while read -r option value; do
        [[ -n $value ]] || continue
        case "${value,,}" in
        *dir* | *folder*) printf '    %s) _filedir -d; return ;;\n' "$option" ;;
        path) if [[ $option == *root || $option == *-path ]]; then
            printf '    %s) _filedir -d; return ;;\n' "$option"
        else
            printf '    %s) _filedir; return ;;\n' "$option"
        fi ;;
        *file* | *path* | *db*) printf '    %s) _filedir; return ;;\n' "$option" ;;
        *host*) printf '    %s) _known_hosts_real -- "$cur"; return ;;\n' "$option" ;;
        *'|'*) printf '    %s) COMPREPLY=($(compgen -W "%s" -- "$cur")); return ;;\n' \
            "$option" "${value//|/ }" ;;
        *) printf '    %s) return ;;\n' "$option" ;;
        esac
    done
}

main_options="$(options_of)"
[[ -n $main_options ]] || {
    echo "make-completion.sh: $program --help printed no options" >&2
    exit 1
}
commands=()
if [[ $name == metrics-console ]]; then
    commands=(keys users db tls)
fi

cat <<HEAD
# bash completion for $name
# SPDX-License-Identifier: MIT
# Generated from \`$name --help\` by installers/packaging/make-completion.sh.

$function_name()
{
    local cur prev words cword split
    _init_completion -s || return

HEAD
if [[ ${#commands[@]} -gt 0 ]]; then
    printf '    [[ $cword -gt 1 ]] && case "${words[1]}" in\n'
fi
# A command's help is its usage: "metrics-console users add NAME [--role ...]".
for command in "${commands[@]}"; do
    usage="$("$program" "$command" --help 2>&1 || true)"
    verbs="$(sed -n -E "s/.*metrics-console $command ([a-z][a-z-]*).*/\1/p" <<<"$usage" | sort -u | paste -sd' ')"
    flags="$(grep -o -E -- '--[a-z][a-z-]*' <<<"$usage" | grep -vx -- '--help' | sort -u | paste -sd' ')"
    printf '    %s)\n' "$command"
    printf '        case "$prev" in\n        --db | --*file | --cert | --key) _filedir; return ;;\n        esac\n'
    printf '        if [[ $cword -eq 2 ]]; then\n'
    printf '            COMPREPLY=($(compgen -W "%s" -- "$cur"))\n' "$verbs"
    printf '        else\n            COMPREPLY=($(compgen -W "%s --help" -- "$cur"))\n        fi\n' "$flags"
    printf '        return\n        ;;\n'
done
if [[ ${#commands[@]} -gt 0 ]]; then
    printf '    esac\n\n'
fi
cat <<MIDDLE
    case "\$prev" in
MIDDLE
value_cases <<<"$main_options"
cat <<TAIL
    esac
    \$split && return

    if [[ \$cur == -* || \$cword -gt 1 ]]; then
        COMPREPLY=(\$(compgen -W "$(cut -d' ' -f1 <<<"$main_options" | paste -sd' ')" -- "\$cur"))
        [[ \${COMPREPLY-} == *= ]] && compopt -o nospace
    else
        COMPREPLY=(\$(compgen -W "${commands[*]} $(cut -d' ' -f1 <<<"$main_options" | paste -sd' ')" -- "\$cur"))
    fi
} &&
    complete -F $function_name $name
TAIL
