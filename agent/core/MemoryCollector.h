// SPDX-License-Identifier: MIT
#pragma once

#include "Result.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace dmr::agent {

struct MemoryInfo
{
    std::uint64_t totalKb = 0;
    std::uint64_t usedKb = 0;
    // SwapTotal and SwapTotal - SwapFree; 0 without swap, and where the
    // swap lines are missing or unreadable (they cost only themselves).
    std::uint64_t swapTotalKb = 0;
    std::uint64_t swapUsedKb = 0;
};

// Memory from root/proc/meminfo. Used memory is MemTotal - MemAvailable, what
// `free` calls used; kernels older than 3.14 have no MemAvailable, and there
// the estimate is MemTotal - (MemFree + Buffers + Cached).
class MemoryCollector
{
public:
    explicit MemoryCollector(std::string root = "/");

    Result<MemoryInfo> collect();
    const std::string &path() const { return m_path; }

    static Result<MemoryInfo> parseMeminfo(std::string_view text);

private:
    std::string m_path;
    std::string m_buffer;
};

} // namespace dmr::agent
