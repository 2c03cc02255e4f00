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

# The agent for ARM boards (installers/cross-build.sh): arm64 and armhf cross
# builds, their codec and agent tests under qemu-user; then tst_armagent, in
# the suite below, runs the arm64 binary against this build's console. About
# 6 minutes on 2 cores when the cross packages are installed.
cross_status=0
for arch in arm64 armhf; do
    DMR_CROSS_BUILD_DIR="$DMR_ROOT/build-$arch" "$DMR_INSTALLERS/cross-build.sh" "$arch" --test ||
        cross_status=$?
done
export DMR_ARM64_AGENT="$DMR_ROOT/build-arm64/agent/metrics-agent"

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

# The store's tests run a second time against PostgreSQL (ctest's *_pg, label
# pg): a scratch server on 127.0.0.1, removed at exit. In CI a missing server
# fails those tests; elsewhere they are skipped without one.
if [[ -n ${CI:-} ]]; then
    export DMR_REQUIRE_PG=1
fi
if pg_lines="$("$DMR_ROOT/tests/support/pg-scratch.sh" start)"; then
    eval "$pg_lines"
    export DMR_TEST_PG_URL DMR_TEST_PG_DIR
    trap '"$DMR_ROOT/tests/support/pg-scratch.sh" stop "$DMR_TEST_PG_DIR"' EXIT
    say "PostgreSQL for the tests: ${DMR_TEST_PG_URL%%\?*}"
else
    echo "No scratch PostgreSQL: the *_pg tests are skipped (failed in CI)" >&2
fi

say "Running the tests"
test_status=0
ctest --test-dir "$DMR_BUILD_DIR" --output-on-failure -j 2 --timeout 300 || test_status=$?

# The whole suite once more under AddressSanitizer and UBSan: in CI, or when
# asked with DMR_SANITIZE=1 (a second full build: about 10 minutes on 2 cores).
# That build holds the fuzz target too, so the fuzzer below uses it.
sanitize_status=0
if [[ ${DMR_SANITIZE:-${CI:+1}} == 1 ]]; then
    say "Running the suite under AddressSanitizer and UBSan (tests/sanitize/run-sanitized.sh)"
    "$DMR_ROOT/tests/sanitize/run-sanitized.sh" || sanitize_status=$?
    export DMR_FUZZ_BUILD_DIR="${DMR_SANITIZE_BUILD_DIR:-$DMR_ROOT/build-sanitize}"
fi

# The codec under libFuzzer with AddressSanitizer and UBSan, from the seed
# corpus; DMR_FUZZ_SECONDS=0 skips it.
fuzz_status=0
fuzz_seconds="${DMR_FUZZ_SECONDS:-60}"
if [[ $fuzz_seconds -gt 0 ]]; then
    say "Fuzzing the codec and the console's ingest for $fuzz_seconds s each (tests/fuzz/run-fuzz.sh)"
    fuzz_log="$(mktemp)"
    if "$DMR_ROOT/tests/fuzz/run-fuzz.sh" "$fuzz_seconds" >"$fuzz_log" 2>&1; then
        grep -E "^(== |Done|stat::(number_of_executed_units|new_units_added))" "$fuzz_log" || true
    else
        fuzz_status=1
        tail -n 100 "$fuzz_log" >&2
        echo "The fuzzer failed; the input that did it is in ${DMR_FUZZ_BUILD_DIR:-build-fuzz}/ (crash-*)." >&2
    fi
    rm -f "$fuzz_log"
fi

# The Debian packages (installers/package.sh) for this machine and both
# boards, then installed, run, removed and purged on this machine, and the
# container images built from them and started with compose.yaml
# (tests/installers/). They add packages and users to the machine, so they run
# in CI, or when asked with DMR_PACKAGE_TEST=1. About 6 minutes.
package_status=0
if [[ -n ${CI:-} || ${DMR_PACKAGE_TEST:-} == 1 ]]; then
    say "Debian packages: build, lintian, then install, run, remove and purge them"
    "$DMR_INSTALLERS/package.sh" --no-build || package_status=$?
    for arch in arm64 armhf; do
        DMR_CROSS_BUILD_DIR="$DMR_ROOT/build-$arch" "$DMR_INSTALLERS/package.sh" --arch "$arch" \
            --no-build || package_status=$?
    done
    if [[ $package_status -eq 0 ]]; then
        # What the checks use as a user would: completion, man, the validators.
        DMR_PACKAGES_FILE=/dev/null "$DMR_INSTALLERS/deps.sh" bash-completion man-db \
            desktop-file-utils appstream
        "$DMR_ROOT/tests/installers/packages.sh" "$DMR_BUILD_DIR/packages" || package_status=$?
        say "Container images: built from the packages, started with compose.yaml"
        DMR_PACKAGES_FILE=/dev/null "$DMR_INSTALLERS/deps.sh" podman podman-compose runc debootstrap \
            netavark aardvark-dns iptables
        "$DMR_ROOT/tests/installers/containers.sh" "$DMR_BUILD_DIR/packages" || package_status=$?
    fi
fi

for status in "$test_status" "$cross_status" "$sanitize_status" "$fuzz_status" "$package_status"; do
    if [[ $status -ne 0 ]]; then
        exit "$status"
    fi
done
exit "$format_status"
