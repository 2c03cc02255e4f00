// SPDX-License-Identifier: MIT
#pragma once

#include "Result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dmr::agent {

// Failed systemd units, where systemd runs (root/run/systemd/system exists,
// as sd_booted() checks). Asks `systemctl list-units --state=failed` at most
// once a refresh interval and answers from the last answer in between: a
// child process costs a few milliseconds, and units rarely fail or recover
// by the second. A systemctl that fails, hangs past the timeout or prints
// nonsense keeps the last good answer and says why.
class SystemdCollector
{
public:
    static constexpr std::int64_t kRefreshMs = 60000;
    static constexpr int kTimeoutMs = 5000;

    // systemctl is the program to run (tests give a script of their own).
    explicit SystemdCollector(std::string root = "/", std::string systemctl = "systemctl");

    bool present() const;
    // nullopt where systemd does not run, and until systemctl answered once;
    // nowMs is a monotonic clock's.
    std::optional<std::vector<std::string>> collect(std::int64_t nowMs);
    // Why the last collect() could not ask; empty when it did or need not.
    const std::string &problem() const { return m_problem; }

    // The unit names of `systemctl --plain --no-legend` output.
    static std::vector<std::string> parseUnits(std::string_view text);

private:
    Result<std::string> run() const;

    std::string m_marker;
    std::string m_systemctl;
    std::optional<std::vector<std::string>> m_units;
    std::string m_problem;
    std::int64_t m_askedMs = 0;
    bool m_asked = false;
};

} // namespace dmr::agent
