// SPDX-License-Identifier: MIT
#pragma once

#include "Result.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace dmr::agent {

// Whole seconds since boot from root/proc/uptime (fractions are dropped, as
// `uptime` does).
class UptimeCollector
{
public:
    explicit UptimeCollector(std::string root = "/");

    Result<std::uint64_t> collect();
    const std::string &path() const { return m_path; }

    static Result<std::uint64_t> parseUptime(std::string_view text);

private:
    std::string m_path;
    std::string m_buffer;
};

} // namespace dmr::agent
