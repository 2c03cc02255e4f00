#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# README command 2, and what CI runs (.ci/run): installs what is missing,
# builds, checks formatting, and runs the whole test suite. The exit code is
# the suite's; a formatting failure alone also fails.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$DMR_INSTALLERS/deps.sh"
"$DMR_INSTALLERS/build.sh"

cd "$DMR_ROOT"
say "Checking formatting (clang-format, .clang-format)"
unformatted=()
checked=0
while IFS= read -r -d '' file; do
    checked=$((checked + 1))
    clang-format --dry-run --Werror "$file" >/dev/null 2>&1 || unformatted+=("${file#./}")
done < <(find . \( -path './build*' -o -path './.git' -o -path '*/node_modules' \) -prune \
    -o -type f \( -name '*.cpp' -o -name '*.h' \) -print0 | sort -z)
format_status=0
if [[ ${#unformatted[@]} -gt 0 ]]; then
    format_status=1
    printf '  not formatted: %s\n' "${unformatted[@]}" >&2
    echo "Formatting differs in ${#unformatted[@]} of $checked files; fix with: clang-format -i FILE..." >&2
else
    say "Formatting: $checked files clean"
fi

say "Running the tests"
test_status=0
ctest --test-dir "$DMR_BUILD_DIR" --output-on-failure -j 2 --timeout 300 || test_status=$?

if [[ $test_status -ne 0 ]]; then
    exit "$test_status"
fi
exit "$format_status"
