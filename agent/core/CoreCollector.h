// SPDX-License-Identifier: MIT
#pragma once

#include "CpuCollector.h"
#include "Result.h"

#include <string>
#include <string_view>
#include <vector>

namespace dmr::agent {

// Per-core CPU use from the "cpuN" lines of root/proc/stat, cpu0 first. Like
// CpuCollector it needs two samples: the first call, and a core whose
// counters went backwards (taken offline and back), read as the average
// since boot. A core that is offline has no line and is left out; a board
// with one core reports one.
class CoreCollector
{
public:
    explicit CoreCollector(std::string root = "/");

    Result<std::vector<double>> collect();
    const std::string &path() const { return m_path; }

    // The cpuN lines in order of N; fails on a malformed one.
    static Result<std::vector<CpuTimes>> parseCores(std::string_view text);

private:
    std::string m_path;
    std::string m_buffer;
    std::vector<CpuTimes> m_previous;
};

} // namespace dmr::agent
